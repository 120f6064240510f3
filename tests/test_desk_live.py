"""Live rows: the wire's poll brings back the rows on the page whose story changed since its
last poll (an editor's action or an agency's update), drawn for the asking user, and no other."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import lxml.html
import pytest
from django.utils import timezone

from wiredesk.desk import live
from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.sources.models import Feed
from wiredesk.stories import editorial
from wiredesk.stories.models import LifecycleEvent, Story

from .desk_users import DESK_PERMISSIONS, staff
from .wire_builder import g2_item

T0 = datetime(2021, 10, 14, 4, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def editor(client):
    user = staff("alice", *DESK_PERMISSIONS)
    client.force_login(user)
    return user


def deliver(feed: Feed, guid: str, version: int = 1, **kwargs) -> Story:
    when = T0 + timedelta(minutes=version)
    ingest_bytes(feed, g2_item(guid, version, when, **kwargs), f"{guid}-{version}.xml")
    return Story.objects.get(item_id=guid)


def where_the_page_starts(client, **filters) -> dict[str, str]:
    """Return the wire page's cursors, as desk.js reads them from its table."""
    reply = client.get("/desk/", filters)
    assert reply.status_code == 200
    table = lxml.html.fromstring(reply.content).find('.//table[@id="wire"]')
    return {
        "after": table.get("data-newest"),
        "events": table.get("data-events"),
        "versions": table.get("data-versions"),
        **filters,
    }


def poll(client, cursors: dict[str, str]) -> dict:
    reply = client.get("/desk/wire/rows", cursors)
    assert reply.status_code == 200
    return reply.json()


def changed(answer: dict) -> dict[str, lxml.html.HtmlElement]:
    """Return the answer's changed rows by their id."""
    if not answer["changed"].strip():
        return {}
    rows = lxml.html.fragments_fromstring(f"<table>{answer['changed']}</table>")[0]
    return {row.get("id"): row for row in rows.iter("tr")}


def row_id(story: Story) -> str:
    return f"item-{story.versions.order_by('id').first().pk}"


def next_cursors(cursors: dict[str, str], answer: dict) -> dict[str, str]:
    return {
        **cursors,
        **{key: answer[key] for key in ("events", "versions")},
        "after": answer["newest"],
    }


def test_a_row_whose_story_an_editor_changed_comes_back_and_the_others_do_not(
    client, feeds, editor
):
    a = deliver(feeds["ians"], "urn:a", headline="Monsoon withdraws from north India")
    b = deliver(feeds["harbour"], "urn:b", headline="Cyclone nears the coast of Odisha")
    cursors = where_the_page_starts(client)
    quiet = poll(client, cursors)
    assert quiet["changed_count"] == 0 and changed(quiet) == {}

    editorial.withhold([a.pk], editor, "a court order")
    answer = poll(client, cursors)
    rows = changed(answer)
    assert list(rows) == [row_id(a)] and row_id(b) not in rows
    assert rows[row_id(a)].findtext('.//span[@class="state"]') == "withheld"
    assert answer["count"] == 0  # and nothing new on top
    # Asked again from where the answer left off: nothing more.
    again = poll(client, next_cursors(cursors, answer))
    assert again["changed_count"] == 0
    assert int(again["events"]) == LifecycleEvent.objects.order_by("-id").first().pk


def test_an_agency_update_redraws_the_story_s_rows_already_on_the_page(client, feeds, editor):
    story = deliver(feeds["ians"], "urn:u", headline="Monsoon withdraws")
    first = row_id(story)
    cursors = where_the_page_starts(client)
    deliver(feeds["ians"], "urn:u", 2, headline="Monsoon withdraws", status="withheld")
    answer = poll(client, cursors)
    assert answer["count"] == 1  # the new version, on top
    rows = changed(answer)
    assert list(rows) == [first]  # the old one, drawn again with the story's new state
    assert rows[first].findtext('.//span[@class="state"]') == "withheld"
    # A page filtered to another agency gets no new row, and the change all the same
    # (its script ignores rows it does not show).
    other = poll(client, {**cursors, "agency": "harbour"})
    assert other["count"] == 0 and list(changed(other)) == [first]


def test_a_row_comes_back_with_its_new_sections_and_the_actions_of_the_user_asking(
    client, feeds, editor
):
    from wiredesk.stories.models import Section

    Section.objects.create(name="World", slug="world")
    Feed.objects.filter(pk=feeds["ians"].pk).update(publishing="hold")
    feed = Feed.objects.get(pk=feeds["ians"].pk)
    story = deliver(feed, "urn:held", headline="Budget leaked early")
    assert story.state == Story.State.HELD
    cursors = where_the_page_starts(client)
    editorial.set_sections(story.pk, editor, ["world"], "belongs in World")
    row = changed(poll(client, cursors))[row_id(story)]
    assert row.findtext('.//small[@class="sections"]') == "sections: world"
    assert [b.text for b in row.iter("button")] == ["Release"]

    viewer = staff("victor", "stories.view_story")
    client.force_login(viewer)
    row = changed(poll(client, cursors))[row_id(story)]
    assert row.findtext('.//small[@class="sections"]') == "sections: world"
    assert list(row.iter("button")) == [] and list(row.iter("form")) == []

    client.force_login(staff("nobody", "sources.view_feed"))
    assert client.get("/desk/wire/rows", cursors).status_code == 403


def test_a_poll_reads_a_bounded_number_of_events_and_draws_a_bounded_number_of_rows(
    client, feeds, editor, monkeypatch
):
    stories = [deliver(feeds["ians"], f"urn:{n}", headline=f"Item {n}") for n in range(3)]
    cursors = where_the_page_starts(client)
    now = timezone.now()
    LifecycleEvent.objects.bulk_create(
        LifecycleEvent(at=now, kind="sectioned", story=stories[n % 3], actor="editor alice")
        for n in range(live.EVENTS_PER_POLL + 5)
    )
    first = poll(client, cursors)
    read = LifecycleEvent.objects.order_by("id").values_list("id", flat=True)
    assert first["events"] == read[live.EVENTS_PER_POLL - 1]  # the rest, next time
    assert first["changed_count"] == 3
    rest = poll(client, next_cursors(cursors, first))
    assert rest["events"] == read.last()

    monkeypatch.setattr(live, "ROWS_PER_POLL", 2)
    capped = poll(client, cursors)
    assert capped["changed_count"] == 2
    assert list(changed(capped)) == [row_id(stories[2]), row_id(stories[1])]  # newest first


def test_a_poll_without_the_cursors_answers_as_before_and_a_bad_cursor_is_refused(
    client, feeds, editor
):
    deliver(feeds["ians"], "urn:a")
    plain = poll(client, {"after": "0"})
    assert plain["count"] == 1 and "changed" not in plain
    for bad in ("x", "-1", "²", str(2**63)):
        reply = client.get("/desk/wire/rows", {"after": "0", "events": bad, "versions": "0"})
        assert reply.status_code == 400, bad
