"""An agency API whose cursor loops or sticks: the poll stops, the desk is told, the feed backs off.

Against a real HTTP server that counts the requests it sees. Before, a
cursor that led back to a page already read was followed for 50 pages every
poll, for ever, with nothing new stored and nothing said on the feeds board.
"""

from __future__ import annotations

import json
from datetime import timedelta

import lxml.html
import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from wiredesk.desk.health import AMBER, RED
from wiredesk.desk.stats import board
from wiredesk.sources.models import Feed
from wiredesk.stories.models import Story

from .test_api_transport import CursorApi, api_feed, cursors_asked, ninjs, poll
from .wire_server import AgencyServer, Handler

INTERVAL = 60  # seconds: api_feed's poll interval


@pytest.fixture
def server():
    running = AgencyServer().start()
    yield running
    running.stop()


def fresh(feed: Feed) -> Feed:
    return Feed.objects.get(pk=feed.pk)


def backed_off(feed: Feed) -> bool:
    """Return whether the feed's next poll is later than its interval after this one began."""
    feed = fresh(feed)
    return feed.next_poll_at > feed.last_polled_at + timedelta(seconds=INTERVAL)


def feeds_board_row(client, feed: Feed) -> str:
    from django.contrib.auth.models import Permission

    staff = get_user_model().objects.create_user("duty", password="pw-123456789", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_feed"))
    client.force_login(staff)
    reply = client.get("/desk/feeds/")
    assert reply.status_code == 200
    row = lxml.html.fromstring(reply.content).find(f'.//tr[@id="feed-{feed.slug}"]')
    return " ".join(row.text_content().split())


def test_a_cursor_that_loops_back_stops_the_poll_is_reported_and_backs_off(feeds, server, client):
    # c1 -> c2 -> c1 -> c2 ...: the agency's cursors go round in a circle.
    pages = {"": ([1], "c1"), "c1": ([2], "c2"), "c2": ([3], "c1")}
    CursorApi(server, pages, lambda h: True)
    feed = api_feed(feeds, server)
    Feed.objects.filter(pk=feed.pk).update(last_success_at=timezone.now())  # it worked before
    before = timezone.now()
    poll(feed)
    assert cursors_asked(server) == ["", "c1", "c2"]  # not 50 pages: stopped at the loop
    assert Story.objects.count() == 3  # what the pages held is stored
    feed = fresh(feed)
    assert "the agency's API sent the same cursor again (a loop)" in feed.last_error
    assert "'c1'" in feed.last_error
    assert feed.failures == 1 and feed.last_polled_at >= before
    assert backed_off(feed)
    row = board(feed, timezone.now())
    assert row.health.status == AMBER
    assert "sent the same cursor again (a loop)" in row.health.reasons[0]
    assert "sent the same cursor again (a loop)" in feeds_board_row(client, feed)

    # Every poll after: a page or two, not fifty, and the wait grows.
    for failures in (2, 3):
        server.requests.clear()
        poll(feed)
        assert len(cursors_asked(server)) <= 2
        assert fresh(feed).failures == failures and backed_off(feed)
    assert board(fresh(feed), timezone.now()).health.status == RED
    assert Story.objects.count() == 3  # nothing stored twice


def test_an_api_that_ignores_its_cursor_sending_the_same_page_under_new_cursors_is_a_loop(
    feeds, server
):
    asked = iter(range(1, 1000))

    def same_page(handler: Handler) -> None:  # a fresh cursor each time, the same items
        body = {"data": {"items": [ninjs(1), ninjs(2)]}, "next_cursor": f"c{next(asked)}"}
        handler.reply(200, json.dumps(body).encode(), {"Content-Type": "application/json"})

    server.routes["/v1/items"] = same_page
    feed = api_feed(feeds, server)
    poll(feed)
    assert cursors_asked(server) == ["", "c1"]
    feed = fresh(feed)
    assert "the agency's API sent the same page again (a loop): cursor 'c1'" in feed.last_error
    assert Story.objects.count() == 2 and backed_off(feed)
    assert feed.checkpoint["page"].endswith("cursor=c1")  # the first page's items are stored


def test_a_link_header_that_points_back_to_a_page_read_before_is_a_loop(feeds, server):
    def page(n: int, following: str):
        def answer(handler: Handler) -> None:
            handler.reply(
                200,
                json.dumps({"items": [ninjs(n)]}).encode(),
                {"Link": f'<{following}>; rel="next"'},
            )

        return answer

    server.routes.update(
        {"/v1/a": page(1, "/v1/b"), "/v1/b": page(2, "/v1/c"), "/v1/c": page(3, "/v1/a")}
    )
    feed = Feed.objects.create(
        agency=feeds["ians"].agency,
        slug="ians-links",
        transport="api",
        location=server.base_url + "/v1/a",
        poll_interval=INTERVAL,
        options={"items_path": "items"},
    )
    poll(feed)
    assert [r.path for r in server.requests] == ["/v1/a", "/v1/b", "/v1/c"]
    assert "sent the same next page again (a loop)" in fresh(feed).last_error
    assert backed_off(feed)


def test_a_stuck_cursor_with_nothing_new_is_reported_and_backs_off_until_it_moves(
    feeds, server, client
):
    # The last page names itself as the next, with the same item, poll after poll.
    pages = {"": ([1, 2], "c1"), "c1": ([3], "c1")}
    api = CursorApi(server, pages, lambda h: True)
    feed = api_feed(feeds, server)
    poll(feed)  # the first time, its item is new: stored, and nothing to say
    assert cursors_asked(server) == ["", "c1"] and Story.objects.count() == 3
    feed = fresh(feed)
    assert feed.last_error == "" and feed.failures == 0 and not backed_off(feed)

    server.requests.clear()
    poll(feed)
    assert cursors_asked(server) == ["c1"]  # one page, then stopped
    feed = fresh(feed)
    assert "the agency's API is stuck: it sent the same cursor ('c1') again" in feed.last_error
    assert feed.failures == 1 and backed_off(feed)
    assert "the agency's API is stuck" in board(feed, timezone.now()).health.reasons[0]
    assert "the agency's API is stuck" in feeds_board_row(client, feed)

    # The agency moves on: the next poll stores what is new and the feed is well again.
    api.pages["c1"] = ([3, 4], "c2")
    api.pages["c2"] = ([], "c2")
    server.requests.clear()
    poll(feed)
    assert cursors_asked(server) == ["c1", "c2"]
    feed = fresh(feed)
    assert Story.objects.count() == 4
    assert feed.last_error == "" and feed.failures == 0 and not backed_off(feed)


def test_an_empty_last_page_that_names_itself_is_the_usual_end_not_a_stuck_cursor(feeds, server):
    CursorApi(server, {"": ([1], "c1"), "c1": ([], "c1")}, lambda h: True)
    feed = api_feed(feeds, server)
    for _ in range(3):
        server.requests.clear()
        poll(feed)
        assert fresh(feed).last_error == "" and not backed_off(feed)
    assert cursors_asked(server) == ["c1"]
