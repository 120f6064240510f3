"""The duty desk, as an editor uses it: the wire, a story's actions, publishing policies,
pausing, the quarantine's retry and dismiss, and the audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import lxml.html
import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from wiredesk.ingest.models import Quarantine
from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.sources.models import Feed
from wiredesk.stories.models import LifecycleEvent, Story
from wiredesk.stories.releases import release_due

from .desk_users import DESK_PERMISSIONS, staff
from .surfaces import GONE, HIDDEN, VISIBLE, surfaces
from .wire_builder import g2_item

T0 = datetime(2021, 10, 14, 4, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def editor(client):
    """A staff user with every permission the desk asks for, and no more (not a superuser)."""
    user = staff("alice", *DESK_PERMISSIONS)
    client.force_login(user)
    return user


def deliver(feed: Feed, guid: str, version: int = 1, **kwargs) -> Story:
    ingest_bytes(
        feed,
        g2_item(guid, version, T0 + timedelta(minutes=version), **kwargs),
        f"{guid}-{version}.xml",
    )
    return Story.objects.get(item_id=guid)


def page(client, url: str, **params):
    reply = client.get(url, params)
    assert reply.status_code == 200, (url, reply.status_code)
    return lxml.html.fromstring(reply.content)


def wire_ids(client, **params) -> list[str]:
    html = page(client, "/desk/", **params)
    return [row.get("id") for row in html.findall('.//table[@id="wire"]/tbody/tr')]


def test_the_desk_is_for_staff_only(client, feeds):
    assert client.get("/desk/").status_code == 302  # to the login
    client.force_login(get_user_model().objects.create_user("reader", password="pw-123456789"))
    assert client.get("/desk/").status_code == 302
    assert client.get("/desk/quarantine/").status_code == 302


def test_desk_answers_are_never_cached(client, feeds, editor):
    reply = client.get("/desk/")
    assert "no-cache" in reply["Cache-Control"] or "private" in reply["Cache-Control"]
    assert "public" not in reply["Cache-Control"]


def test_the_wire_lists_every_item_newest_first_with_its_state_and_filters(client, feeds, editor):
    a = deliver(feeds["ians"], "urn:a", headline="Monsoon withdraws from north India")
    b = deliver(
        feeds["harbour"],
        "urn:b",
        headline="Cyclone nears the coast of Odisha",
        embargo=timezone.now() + timedelta(hours=2),
    )
    c = deliver(feeds["ians"], "urn:c", headline="Parliament passes the farm bill")
    ingest_bytes(
        feeds["ians"], g2_item("urn:c", 9, T0 + timedelta(hours=1), status="canceled"), "kill.xml"
    )
    from wiredesk.stories.models import StoryVersion

    every = StoryVersion.objects.order_by("-id").values_list("id", flat=True)
    assert wire_ids(client) == [f"item-{pk}" for pk in every]  # the kill notice's item too
    versions = {s.pk: s.versions.order_by("id").first().pk for s in (a, b, c)}
    html = page(client, "/desk/")
    states = {
        tr.get("id"): tr.findtext('.//span[@class="state"]')
        for tr in html.findall('.//table[@id="wire"]/tbody/tr')
    }
    assert states[f"item-{versions[a.pk]}"] == "published"
    assert states[f"item-{versions[b.pk]}"] == "embargoed"
    assert states[f"item-{versions[c.pk]}"] == "killed"
    assert wire_ids(client, agency="harbour") == [f"item-{versions[b.pk]}"]
    killed = c.versions.order_by("-id").values_list("id", flat=True)
    assert wire_ids(client, state="killed") == [f"item-{pk}" for pk in killed]  # and its kill
    assert wire_ids(client, q="cyclone odisha") == [f"item-{versions[b.pk]}"]
    assert wire_ids(client, feed="ians-inbox", state="published") == [f"item-{versions[a.pk]}"]


def test_new_items_arrive_in_the_wire_without_a_reload(client, feeds, editor):
    deliver(feeds["ians"], "urn:first")
    html = page(client, "/desk/")
    newest = html.find('.//table[@id="wire"]').get("data-newest")
    assert client.get("/desk/wire/rows", {"after": newest}).json()["count"] == 0
    later = deliver(feeds["harbour"], "urn:later", headline="Flash: quake shakes Delhi")
    answer = client.get("/desk/wire/rows", {"after": newest}).json()
    assert answer["count"] == 1 and answer["newest"] > int(newest)
    row = lxml.html.fragment_fromstring(answer["html"].strip())
    assert row.findtext(".//td[@class='headline']/a") == later.headline
    # The page's filters hold for the new rows too.
    assert client.get("/desk/wire/rows", {"after": newest, "agency": "ians"}).json()["count"] == 0


def test_a_flash_stands_out_on_the_wire(client, feeds, editor):
    from wiredesk.stories.models import StoryVersion

    story = deliver(feeds["ians"], "urn:flash")
    StoryVersion.objects.filter(story=story).update(urgency=1)
    [row] = page(client, "/desk/").findall('.//table[@id="wire"]/tbody/tr')
    assert "urgent" in row.get("class")


def test_a_story_in_the_desk_shows_versions_with_word_diffs_provenance_and_its_log(
    client, feeds, editor
):
    deliver(feeds["ians"], "urn:v", paragraphs=("NEW DELHI, Oct 14 The monsoon has withdrawn.",))
    story = deliver(
        feeds["ians"],
        "urn:v",
        2,
        paragraphs=("NEW DELHI, Oct 14 The monsoon has fully withdrawn.",),
    )
    html = page(client, f"/desk/story/{story.pk}/")
    versions = html.findall('.//article[@class="version"]')
    assert len(versions) == 2
    assert [el.text for el in versions[1].iter("ins")] == ["fully"]
    raw = versions[0].xpath('.//a[text()="raw bytes"]')[0].get("href")
    download = client.get(raw)
    assert download.status_code == 200 and b"urn:v" in b"".join(
        download.streaming_content if download.streaming else [download.content]
    )
    assert download["Content-Disposition"].startswith("attachment")
    buttons = {b.get("value") for b in html.findall('.//form[@class="act"]//button')}
    kill = html.xpath('//form[@class="act"]//a[contains(@class, "a-kill")]/@href')
    # What the rules allow on a public story; a kill asks first, on a page of its own.
    assert buttons == {"withhold"} and kill == [f"/desk/story/{story.pk}/kill"]


def test_a_kill_from_the_desk_needs_a_reason_then_takes_the_story_off_every_surface(
    client, feeds, editor
):
    story = deliver(feeds["ians"], "urn:k")
    client.post(f"/desk/story/{story.pk}/act", {"action": "kill", "reason": ""})
    assert Story.objects.get(pk=story.pk).state == "published"
    reply = client.post(f"/desk/story/{story.pk}/act", {"action": "kill", "reason": "Court order"})
    assert reply.status_code == 302
    assert surfaces(client, story) == GONE
    [event] = LifecycleEvent.objects.filter(story=story)
    assert (event.kind, event.user, event.reason) == ("killed", editor, "Court order")


def test_a_feed_that_holds_everything_holds_its_next_item_until_released(client, feeds, editor):
    Feed.objects.filter(pk=feeds["harbour"].pk).update(publishing="hold")
    feed = Feed.objects.get(pk=feeds["harbour"].pk)
    story = deliver(feed, "urn:held")
    assert story.state == "held" and surfaces(client, story) == HIDDEN
    [row] = page(client, "/desk/", state="held").findall('.//table[@id="wire"]/tbody/tr')
    assert row.find(".//button").text == "Release"
    [event] = LifecycleEvent.objects.filter(story=story)
    assert (
        event.kind == "on_hold"
        and event.actor == "publishing policy of Harbour News Service (feed harbour-inbox)"
    )
    client.post(f"/desk/story/{story.pk}/act", {"action": "release"})  # one click, no reason
    story.refresh_from_db()
    assert story.state == "published" and surfaces(client, story) == VISIBLE
    # Another feed of the same site publishes at once, as before.
    assert deliver(feeds["ians"], "urn:free").state == "published"


def test_a_delay_publishes_unless_an_editor_holds_it_meanwhile(client, feeds, editor):
    Feed.objects.filter(pk=feeds["harbour"].pk).update(publishing="delay", publish_delay_minutes=5)
    feed = Feed.objects.get(pk=feeds["harbour"].pk)
    waits, stopped = deliver(feed, "urn:waits"), deliver(feed, "urn:stopped")
    assert waits.state == stopped.state == "held" and waits.release_at is not None
    client.post(f"/desk/story/{stopped.pk}/act", {"action": "hold", "reason": "Check the quote"})
    assert release_due(timezone.now()) == []  # not yet
    released = release_due(timezone.now() + timedelta(minutes=6))
    assert [s.pk for s in released] == [waits.pk]
    assert surfaces(client, Story.objects.get(pk=waits.pk)) == VISIBLE
    assert Story.objects.get(pk=stopped.pk).state == "held"
    actor = LifecycleEvent.objects.get(story=waits, kind="released").actor
    assert actor == "publishing policy"


def test_urgency_and_keyword_rules_hold_what_they_name(client, feeds, editor):
    from wiredesk.stories.models import StoryVersion

    Feed.objects.filter(pk=feeds["ians"].pk).update(hold_urgency=1, hold_keywords="advisory-only")
    feed = Feed.objects.get(pk=feeds["ians"].pk)
    flash = g2_item("urn:flash", 1, T0).replace(b"<headline>", b"<urgency>1</urgency><headline>")
    ingest_bytes(feed, flash, "flash.xml")
    assert Story.objects.get(item_id="urn:flash").state == "held"
    tagged = g2_item("urn:tagged", 1, T0).replace(
        b"<headline>", b"<keyword>Advisory-Only</keyword><headline>"
    )
    ingest_bytes(feed, tagged, "tagged.xml")
    assert Story.objects.get(item_id="urn:tagged").state == "held"
    assert deliver(feed, "urn:plain").state == "published"
    assert StoryVersion.objects.filter(story__item_id="urn:flash", urgency=1).exists()


LATIN1 = b'<?xml version="1.0" encoding="ISO-8859-1"?>' + g2_item(
    "urn:latin", 1, T0, headline="Café owners protest in São Paulo"
)


def latin1_bytes() -> bytes:
    return LATIN1.decode("utf-8").encode("iso-8859-1")


def test_a_quarantined_delivery_is_retried_after_its_feed_is_fixed_and_stored_once(
    client, feeds, editor
):
    Feed.objects.filter(pk=feeds["ians"].pk).update(encoding="utf-8")  # the wrong override
    feed = Feed.objects.get(pk=feeds["ians"].pk)
    report = ingest_bytes(feed, latin1_bytes(), "latin.xml")
    assert not report.ok and "not valid utf-8" in report.quarantined
    [entry] = Quarantine.objects.all()
    html = page(client, "/desk/quarantine/")
    assert html.find(f'.//tr[@id="quarantine-{entry.pk}"]') is not None
    assert client.get(f"/desk/quarantine/{entry.pk}/raw").content == latin1_bytes()
    # Retried as it is: refused again, still open.
    client.post(f"/desk/quarantine/{entry.pk}/act", {"action": "retry"})
    assert Quarantine.objects.get(pk=entry.pk).resolved_at is None
    Feed.objects.filter(pk=feed.pk).update(encoding="iso-8859-1")
    client.post(f"/desk/quarantine/{entry.pk}/act", {"action": "retry"})
    story = Story.objects.get(item_id="urn:latin")
    assert story.headline == "Café owners protest in São Paulo"
    entry.refresh_from_db()
    assert entry.resolved_at is not None and entry.resolved_by == editor
    assert "1 published" in entry.resolution
    # Repeat-safe: a second retry (another editor, say) stores nothing twice.
    from wiredesk.ingest import control

    control.retry(entry, editor)
    assert Story.objects.filter(item_id="urn:latin").count() == 1
    assert story.versions.count() == 1
    assert page(client, "/desk/quarantine/").find(f'.//tr[@id="quarantine-{entry.pk}"]') is None
    kinds = list(LifecycleEvent.objects.filter(kind="retried").values_list("user", flat=True))
    assert kinds == [editor.pk, editor.pk, editor.pk]


def test_a_dismissed_quarantine_entry_keeps_its_bytes_and_says_why(client, feeds, editor):
    ingest_bytes(feeds["ians"], b"<not xml", "broken.xml")
    [entry] = Quarantine.objects.all()
    client.post(f"/desk/quarantine/{entry.pk}/act", {"action": "dismiss", "reason": ""})
    assert Quarantine.objects.get(pk=entry.pk).resolved_at is None  # a reason is required
    client.post(f"/desk/quarantine/{entry.pk}/act", {"action": "dismiss", "reason": "Test file"})
    entry.refresh_from_db()
    assert entry.resolution == "dismissed: Test file" and bytes(entry.data) == b"<not xml"
    # The same bytes again later are a new entry, not hidden under the dismissed one.
    ingest_bytes(feeds["ians"], b"<not xml", "broken.xml")
    assert Quarantine.objects.filter(resolved_at=None).count() == 1


def test_pausing_an_agency_stops_its_feeds_and_can_withhold_its_live_stories(client, feeds, editor):
    from wiredesk.ingest.loop import IngestLoop

    story = deliver(feeds["ians"], "urn:live")
    client.post("/desk/agency/ians/act", {"action": "pause", "reason": ""})
    assert Feed.objects.get(pk=feeds["ians"].pk).enabled  # nothing without a reason
    client.post(
        "/desk/agency/ians/act", {"action": "pause", "reason": "Contract ended", "withhold": "on"}
    )
    assert not Feed.objects.get(pk=feeds["ians"].pk).enabled
    assert feeds["ians"].pk not in {f.pk for f in IngestLoop().due_feeds()}
    assert surfaces(client, story) == HIDDEN
    assert LifecycleEvent.objects.filter(kind="paused", feed=feeds["ians"]).exists()
    html = page(client, "/desk/feeds/")
    assert html.find('.//tr[@id="feed-ians-inbox"]').get("class") == "health-paused"
    client.post("/desk/agency/ians/act", {"action": "resume", "reason": ""})
    assert Feed.objects.get(pk=feeds["ians"].pk).enabled


def test_a_paused_push_feed_asks_the_agency_to_send_again_later(client, feeds, editor):
    from wiredesk.ingest import control

    feed = Feed.objects.create(
        agency=feeds["ians"].agency,
        slug="ians-push",
        transport="push",
        location="push",
        options={"secret_env": "IANS_PUSH"},
    )
    control.pause([feed], editor, "Maintenance")
    reply = client.post("/push/ians-push/", b"<x/>", content_type="application/xml")
    assert reply.status_code == 503 and reply["Retry-After"]


def test_the_audit_log_is_filterable_by_kind_story_feed_and_user(client, feeds, editor):
    story = deliver(feeds["ians"], "urn:audited")
    client.post(f"/desk/story/{story.pk}/act", {"action": "withhold", "reason": "Legal review"})
    client.post(f"/desk/feeds/{feeds['harbour'].pk}/act", {"action": "pause", "reason": "Noise"})
    rows = page(client, "/desk/audit/", user="alice").findall(".//table//tbody/tr")
    assert len(rows) == 2
    [row] = page(client, "/desk/audit/", story=str(story.pk)).findall(".//table//tbody/tr")
    assert "Legal review" in row.text_content()
    [row] = page(client, "/desk/audit/", kind="paused").findall(".//table//tbody/tr")
    assert "feed harbour-inbox" in row.text_content()


def test_an_agency_s_policy_holds_for_its_feeds_that_follow_it_and_a_feed_may_differ(
    client, feeds, editor
):
    client.post(
        "/desk/agency/ians/act",
        {
            "action": "settings",
            "publishing": "hold",
            "publish_delay_minutes": "10",
            "hold_urgency": "",
            "hold_keywords": "embargo-check",
        },
    )
    own = Feed.objects.create(
        agency=feeds["ians"].agency,
        slug="ians-own",
        transport="folder",
        location="/nonexistent",
        publishing="auto",
    )
    own = Feed.objects.select_related("agency").get(pk=own.pk)  # as the poller reads it
    follows = Feed.objects.get(pk=feeds["ians"].pk)
    assert follows.publishing == "agency"  # a feed follows its agency unless told otherwise
    assert deliver(follows, "urn:follows").state == "held"
    assert deliver(own, "urn:own").state == "published"
    # The agency's hold rules add to the feed's own, whatever its mode.
    tagged = g2_item("urn:tagged", 1, T0).replace(
        b"<headline>", b"<keyword>EMBARGO-CHECK</keyword><headline>"
    )
    ingest_bytes(own, tagged, "tagged.xml")
    assert Story.objects.get(item_id="urn:tagged").state == "held"
    event = LifecycleEvent.objects.get(kind="configured")
    assert event.agency == feeds["ians"].agency and event.feed is None
    assert "publishing: 'auto' -> 'hold'" in event.reason
