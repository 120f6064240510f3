"""Authenticated, paged agency APIs against a real HTTP server (and OAuth token endpoint)."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from itertools import pairwise
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from wiredesk.ingest.polling import FeedPoller
from wiredesk.sources.models import Feed
from wiredesk.stories.models import Story

from .wire_server import AgencyServer, Handler


def ninjs(n: int) -> dict:
    return {
        "uri": f"urn:agency.example:api:{n}",
        "type": "text",
        "headline": f"API story {n}",
        "versioncreated": "2026-11-28T09:00:00+0000",
        "pubstatus": "usable",
        "body_text": f"NEW DELHI, Nov 28 The text of API story {n}.",
    }


class CursorApi:
    """An agency API: items by cursor, the next cursor in the body, a key or token required."""

    def __init__(
        self,
        server: AgencyServer,
        pages: dict[str, tuple[list[int], str | None]],
        allowed: callable,
    ) -> None:
        self.pages, self.allowed, self.fail_cursor = pages, allowed, None
        self.headers: dict[str, str] = {}
        server.routes["/v1/items"] = self.answer

    def answer(self, handler: Handler) -> None:
        if not self.allowed(handler):
            handler.reply(401, b'{"error": "unauthorized"}')
            return
        cursor = parse_qs(urlsplit(handler.path).query).get("cursor", [""])[0]
        if cursor == self.fail_cursor:
            handler.reply(500, b"oops")
            return
        numbers, following = self.pages[cursor]
        body = {"data": {"items": [ninjs(n) for n in numbers]}, "next_cursor": following}
        handler.reply(
            200, json.dumps(body).encode(), {"Content-Type": "application/json", **self.headers}
        )


@pytest.fixture
def server():
    running = AgencyServer().start()
    yield running
    running.stop()


def api_feed(feeds, server, **options) -> Feed:
    settings = {"items_path": "data.items", "cursor_path": "next_cursor", **options}
    feed = Feed(
        agency=feeds["ians"].agency,
        slug="ians-api",
        transport="api",
        location=server.base_url + "/v1/items",
        options=settings,
        poll_interval=60,
    )
    feed.full_clean()
    feed.save()
    return feed


def poll(feed: Feed, poller: FeedPoller | None = None):
    own = poller is None
    poller = poller or FeedPoller()
    try:
        feed.refresh_from_db()
        return poller.poll(feed)
    finally:
        if own:
            poller.close()


def cursors_asked(server) -> list[str]:
    return [
        parse_qs(urlsplit(r.path).query).get("cursor", [""])[0]
        for r in server.requests
        if r.path.startswith("/v1/items")
    ]


def test_an_api_key_header_pages_through_cursors_and_resumes_from_the_kept_checkpoint(
    feeds, server, monkeypatch
):
    monkeypatch.setenv("TEST_API_KEY", "k-123")
    pages = {"": ([1, 2], "c2"), "c2": ([3], "c3"), "c3": ([], "c3")}
    api = CursorApi(server, pages, lambda h: h.headers.get("X-API-Key") == "k-123")
    feed = api_feed(
        feeds, server, auth="api_key", api_key_env="TEST_API_KEY", api_key_header="X-API-Key"
    )
    reports = poll(feed)
    assert [r.actions["published"] for r in reports] == [1, 1, 1]
    assert cursors_asked(server) == ["", "c2", "c3"]
    feed.refresh_from_db()
    assert feed.checkpoint["page"].endswith("cursor=c3") and feed.last_error == ""
    assert "k-123" not in json.dumps(feed.checkpoint)
    # A new item appears at the end; a fresh process (a restart) resumes at c3.
    api.pages["c3"] = ([4], "c4")
    api.pages["c4"] = ([], "c4")
    server.requests.clear()
    assert [r.actions["published"] for r in poll(feed)] == [1]
    assert cursors_asked(server) == ["c3", "c4"]
    assert Story.objects.count() == 4


def test_a_failure_mid_way_resumes_at_the_page_that_failed_never_skipping_it(feeds, server):
    pages = {"": ([1], "c2"), "c2": ([2], "c3"), "c3": ([], None)}
    api = CursorApi(server, pages, lambda h: True)
    api.fail_cursor = "c2"
    feed = api_feed(feeds, server)
    assert len(poll(feed)) == 1
    feed.refresh_from_db()
    assert "answered HTTP 500" in feed.last_error and feed.checkpoint["page"].endswith("cursor=c2")
    api.fail_cursor = None
    server.requests.clear()
    poll(feed)
    assert cursors_asked(server)[0] == "c2"
    assert sorted(Story.objects.values_list("headline", flat=True)) == [
        "API story 1",
        "API story 2",
    ]


def test_an_api_key_may_go_in_the_query(feeds, server, monkeypatch):
    monkeypatch.setenv("TEST_API_KEY", "k-456")
    allowed = lambda h: parse_qs(urlsplit(h.path).query).get("apikey") == ["k-456"]  # noqa: E731
    CursorApi(server, {"": ([1], None)}, allowed)
    feed = api_feed(
        feeds, server, auth="api_key", api_key_env="TEST_API_KEY", api_key_param="apikey"
    )
    assert [r.ok for r in poll(feed)] == [True]


def test_basic_and_bearer_logins(feeds, server, monkeypatch, tmp_path):
    import base64

    monkeypatch.setenv("TEST_API_PASSWORD", "pw")
    token_file = tmp_path / "token"
    token_file.write_text("tok-789\n")
    basic = "Basic " + base64.b64encode(b"publisher:pw").decode()
    CursorApi(
        server,
        {"": ([1], None)},
        lambda h: h.headers.get("Authorization") in (basic, "Bearer tok-789"),
    )
    feed = api_feed(
        feeds, server, auth="basic", username="publisher", password_env="TEST_API_PASSWORD"
    )
    assert [r.ok for r in poll(feed)] == [True]
    Feed.objects.filter(pk=feed.pk).update(
        options={**feed.options, "auth": "bearer", "token_file": str(token_file)}, checkpoint={}
    )
    assert [r.ok for r in poll(feed)] == [True]  # read from the file, its newline dropped


class TokenEndpoint:
    """An OAuth 2.0 token endpoint (client credentials) whose tokens live `lifetime` seconds."""

    def __init__(self, server: AgencyServer, lifetime: float = 3600) -> None:
        self.lifetime = lifetime
        self.issued: dict[str, float] = {}
        self.revoked: set[str] = set()
        server.routes["/oauth/token"] = self.answer

    def answer(self, handler: Handler) -> None:
        import base64

        form = parse_qs(handler.server.requests[-1].body.decode())
        credentials = base64.b64encode(b"wiredesk:s3cret").decode()
        if handler.headers.get("Authorization") != f"Basic {credentials}" or form.get(
            "grant_type"
        ) != ["client_credentials"]:
            handler.reply(401, b'{"error": "invalid_client"}', {"Content-Type": "application/json"})
            return
        token = f"t{len(self.issued) + 1}"
        self.issued[token] = time.monotonic()
        body = {"access_token": token, "token_type": "Bearer", "expires_in": self.lifetime}
        handler.reply(200, json.dumps(body).encode(), {"Content-Type": "application/json"})

    def valid(self, handler: Handler) -> bool:
        token = handler.headers.get("Authorization", "").removeprefix("Bearer ")
        issued = self.issued.get(token)
        return (
            issued is not None
            and token not in self.revoked
            and time.monotonic() - issued < self.lifetime
        )


def oauth_feed(feeds, server, monkeypatch, secret: str = "s3cret") -> Feed:
    monkeypatch.setenv("TEST_CLIENT_SECRET", secret)
    return api_feed(
        feeds,
        server,
        auth="oauth2",
        token_url=server.base_url + "/oauth/token",
        client_id="wiredesk",
        client_secret_env="TEST_CLIENT_SECRET",
    )


def test_oauth_tokens_are_kept_renewed_before_they_expire_and_never_sent_stale(
    feeds, server, monkeypatch
):
    tokens = TokenEndpoint(server, lifetime=1.5)
    api = CursorApi(server, {"": ([1], None)}, tokens.valid)
    feed = oauth_feed(feeds, server, monkeypatch)
    poller = FeedPoller()
    try:
        poll(feed, poller)
        poll(feed, poller)
        assert len(tokens.issued) == 1  # kept between polls
        time.sleep(1.4)  # within the last tenth of its life: renewed before it is used
        api.pages[""] = ([2], None)
        Feed.objects.filter(pk=feed.pk).update(checkpoint={})
        assert [r.ok for r in poll(feed, poller)] == [True]
    finally:
        poller.close()
    assert len(tokens.issued) == 2
    assert not [
        r
        for r in server.requests
        if r.path.startswith("/v1/")
        and not r.headers.get("authorization", "").startswith("Bearer t")
    ]
    feed.refresh_from_db()
    assert feed.last_error == "" and Story.objects.count() == 2


def test_a_token_revoked_early_is_replaced_once_on_a_401(feeds, server, monkeypatch):
    tokens = TokenEndpoint(server)
    CursorApi(server, {"": ([1], None)}, tokens.valid)
    feed = oauth_feed(feeds, server, monkeypatch)
    poller = FeedPoller()
    try:
        poll(feed, poller)
        tokens.revoked.add("t1")
        Feed.objects.filter(pk=feed.pk).update(checkpoint={})
        assert [r.ok for r in poll(feed, poller)] == [True]
    finally:
        poller.close()
    assert list(tokens.issued) == ["t1", "t2"]
    feed.refresh_from_db()
    assert feed.last_error == ""


def test_wrong_client_credentials_say_the_token_was_refused(feeds, server, monkeypatch):
    TokenEndpoint(server)
    CursorApi(server, {"": ([1], None)}, lambda h: True)
    feed = oauth_feed(feeds, server, monkeypatch, secret="wrong")
    assert poll(feed) == []
    feed.refresh_from_db()
    assert "token refused by 127.0.0.1: 401 invalid_client" in feed.last_error
    assert "wrong" not in feed.last_error.replace("token refused", "")
    assert not [r for r in server.requests if r.path.startswith("/v1/")]  # never asked without


def test_an_api_that_refuses_every_token_is_reported_not_retried_in_a_loop(
    feeds, server, monkeypatch
):
    tokens = TokenEndpoint(server)
    CursorApi(server, {"": ([1], None)}, lambda h: False)
    feed = oauth_feed(feeds, server, monkeypatch)
    poll(feed)
    feed.refresh_from_db()
    assert "token refused: 401" in feed.last_error
    assert len(tokens.issued) == 2  # the first, and one more after the 401; no more


def test_retry_after_on_429_is_obeyed(feeds, server):
    server.routes["/v1/items"] = lambda h: h.reply(429, b"slow down", {"Retry-After": "600"})
    feed = api_feed(feeds, server)
    before = timezone.now()
    poll(feed)
    feed.refresh_from_db()
    assert "asks us to slow down (HTTP 429)" in feed.last_error
    assert feed.next_poll_at >= before + timedelta(seconds=600)


def test_a_spent_rate_limit_stops_the_paging_until_it_resets(feeds, server):
    api = CursorApi(server, {"": ([1], "c2"), "c2": ([2], None)}, lambda h: True)
    api.headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time()) + 300)}
    feed = api_feed(feeds, server)
    before = timezone.now()
    assert len(poll(feed)) == 1  # the first page's items are stored ...
    assert cursors_asked(server) == [""]  # ... and the second page is not asked for
    feed.refresh_from_db()
    assert "rate limit spent" in feed.last_error
    assert feed.next_poll_at >= before + timedelta(seconds=250)
    assert feed.checkpoint["page"].endswith("cursor=c2")


def test_next_page_links_in_the_body_or_the_link_header(feeds, server):
    def first(handler: Handler) -> None:
        body = json.dumps({"items": [ninjs(1)], "links": {"next": "/v1/second"}}).encode()
        handler.reply(200, body)

    def second(handler: Handler) -> None:
        body = json.dumps({"items": [ninjs(2)], "links": {}}).encode()
        handler.reply(200, body, {"Link": '</v1/third>; rel="next"'})

    server.routes.update(
        {
            "/v1/first": first,
            "/v1/second": second,
            "/v1/third": lambda h: h.reply(200, json.dumps({"items": [ninjs(3)]}).encode()),
        }
    )
    feed = Feed.objects.create(
        agency=feeds["ians"].agency,
        slug="ians-links",
        transport="api",
        location=server.base_url + "/v1/first",
        options={"items_path": "items", "next_path": "links.next"},
    )
    poll(feed)
    assert Story.objects.count() == 2  # the body's link is the rule once next_path is set
    Feed.objects.filter(pk=feed.pk).update(
        options={"items_path": "items"}, checkpoint={"page": server.base_url + "/v1/second"}
    )
    poll(feed)
    assert Story.objects.count() == 3  # the Link header, when the body names none


def test_settings_that_contradict_each_other_are_refused():
    from wiredesk.transports.base import check_settings

    problems = check_settings(
        "api",
        "https://api.agency.example/v1",
        {"auth": "oauth2", "next_path": "a", "cursor_path": "b", "client_secret": "plain"},
    )
    assert "give next_path or cursor_path, not both" in problems
    assert any(p.startswith("client_secret: give client_secret_env") for p in problems)
    assert "token_url is needed for auth = 'oauth2'" in problems


@pytest.mark.django_db(transaction=True)
def test_an_ingest_process_killed_at_random_moments_loses_no_page_and_stores_none_twice(
    feeds, server, tmp_path
):
    import os
    import random
    import signal

    from wiredesk.stories.models import StoryVersion

    from .remote_servers import start_ingest_process
    from .test_ftp_transport import wait_until

    pages = {
        ("" if n == 0 else f"c{n}"): ([n * 3 + 1, n * 3 + 2, n * 3 + 3], f"c{n + 1}")
        for n in range(20)
    }
    pages["c20"] = ([], "c20")
    api = CursorApi(server, pages, lambda h: True)
    slow = api.answer

    def answer_slowly(handler: Handler) -> None:
        time.sleep(0.03)  # a page takes a while: the kills land anywhere
        slow(handler)

    server.routes["/v1/items"] = answer_slowly
    feed = api_feed(feeds, server)
    Feed.objects.filter(pk=feed.pk).update(poll_interval=0.2)
    Feed.objects.filter(transport="folder").update(enabled=False)
    rng = random.Random(18)
    data_dir = tmp_path / "ingest-data"
    for _ in range(4):
        process = start_ingest_process(data_dir)
        try:
            wait_until(lambda: Story.objects.exists(), 30)
            time.sleep(rng.uniform(0.05, 0.4))
        finally:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(10)
    process = start_ingest_process(data_dir)
    try:
        assert wait_until(lambda: Story.objects.count() == 60, 60), Story.objects.count()
    finally:
        process.kill()
        process.wait(10)
    assert StoryVersion.objects.count() == 60  # nothing twice
    # After each restart the paging went on from the last page stored, never further.
    asked = cursors_asked(server)
    numbers = [0 if c == "" else int(c[1:]) for c in asked]
    assert all(b <= a + 1 for a, b in pairwise(numbers))
