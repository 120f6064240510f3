"""An editor's hand in the admin: kill, withhold, restore, hold and release reach every surface as
an agency's kill does, with the reason in the lifecycle log; and the admin cannot corrupt what agencies sent."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import lxml.etree
import lxml.html
import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model

from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.stories.models import Delivery, LifecycleEvent, Story
from wiredesk.syndication.dispatch import deliver_due, make_client
from wiredesk.syndication.models import Webhook

from .surfaces import GONE, HIDDEN, VISIBLE, surfaces
from .wire_builder import g2_item
from .wire_server import AgencyServer

T0 = datetime(2021, 10, 14, 4, 0, tzinfo=UTC)
# Real commits: the change signals fire after them and fill caches, feeds and the outbox.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def editor(client):
    user = get_user_model().objects.create_superuser("alice", "alice@news.example", "pw-123456789")
    client.force_login(user)
    return user


def publish(feeds, version: int = 1, headline: str = "Monsoon withdraws from north India"):
    ingest_bytes(
        feeds["ians"],
        g2_item("urn:hand", version, T0 + timedelta(minutes=version), headline=headline),
        f"v{version}.xml",
    )
    return Story.objects.get(item_id="urn:hand")


def act(client, story: Story, action: str, reason: str):
    return client.post(
        "/admin/stories/story/",
        {
            "action": action,
            ACTION_CHECKBOX_NAME: [story.pk],
            "reason": reason,
            "apply": "1",
        },
    )


def webhook_calls(endpoints: AgencyServer) -> list:
    """Send the webhooks due now; return what the endpoint on 127.0.0.1 received."""
    http = make_client()
    try:
        deliver_due(http)
    finally:
        http.close()
    return [r for r in endpoints.requests if r.path == "/hook"]


def test_a_hand_kill_asks_why_then_reaches_every_surface_with_a_tombstone_and_a_webhook(
    feeds, client, editor
):
    endpoints = AgencyServer().start()
    endpoints.routes["/hook"] = lambda h: h.reply(200)
    Webhook.objects.create(url=endpoints.base_url + "/hook", secret="k", events=["story.killed"])
    try:
        story = publish(feeds)
        assert surfaces(client, story) == VISIBLE
        asked = client.post(
            "/admin/stories/story/", {"action": "kill", ACTION_CHECKBOX_NAME: [story.pk]}
        )
        assert asked.status_code == 200 and b"Kill these stories for good?" in asked.content
        assert Story.objects.get(pk=story.pk).state == "published"  # nothing without a reason
        assert act(client, story, "kill", "").status_code == 200  # refused: the form again
        assert Story.objects.get(pk=story.pk).state == "published"
        done = act(client, story, "kill", "Court order 2021/451")
        assert done.status_code == 302
        assert surfaces(client, story) == GONE  # at once: the caches were told
        story.refresh_from_db()
        assert story.killed_at is not None
        api = client.get(f"/api/v1/stories/{story.pk}")
        assert api.status_code == 410 and api.json()["killed_at"]
        ns = {"at": "http://purl.org/atompub/tombstones/1.0"}
        for feed in ("/feeds/atom.xml", "/agency/ians/atom.xml"):
            atom = lxml.etree.fromstring(client.get(feed).content)
            [tombstone] = atom.findall("at:deleted-entry", ns)
            assert tombstone.get("ref") == f"https://news.example/story/{story.pk}/"
            assert tombstone.get("when")
        [call] = webhook_calls(endpoints)
        assert call.headers["x-wiredesk-event"] == "story.killed"
        assert json.loads(call.body)["story"]["state"] == "killed"
    finally:
        endpoints.stop()
    [event] = LifecycleEvent.objects.filter(story=story)
    assert (event.kind, event.user, event.reason) == ("killed", editor, "Court order 2021/451")
    assert event.actor == "editor alice"


def test_a_hand_kill_in_the_admin_asks_what_readers_are_told_as_the_desk_does(
    feeds, client, editor
):
    story = publish(feeds)
    asked = client.post(
        "/admin/stories/story/", {"action": "kill", ACTION_CHECKBOX_NAME: [story.pk]}
    )
    assert asked.status_code == 200
    form = lxml.html.fromstring(asked.content).xpath("//form[.//input[@name='apply']]")[0]
    [reason] = form.xpath(".//textarea[@name='reason']")
    [note] = form.xpath(".//textarea[@name='note']")
    assert reason.get("required") is not None and note.get("required") is None
    readers = {"note": "It named a minor."}
    # No reason: the page again, and nothing stored, the readers' note neither.
    refused = client.post(
        "/admin/stories/story/",
        {"action": "kill", ACTION_CHECKBOX_NAME: [story.pk], "apply": "1", **readers},
    )
    assert refused.status_code == 200
    story.refresh_from_db()
    assert (story.state, story.withdrawn_note) == ("published", "")
    done = client.post(
        "/admin/stories/story/",
        {
            "action": "kill",
            ACTION_CHECKBOX_NAME: [story.pk],
            "apply": "1",
            "reason": "Court order 1234/2026",
            **readers,
        },
    )
    assert done.status_code == 302
    story.refresh_from_db()
    assert (story.state, story.killed_by_desk) == ("killed", True)
    assert story.withdrawn_note == "It named a minor."
    [event] = LifecycleEvent.objects.filter(story=story)
    assert (event.kind, event.reason) == ("killed", "Court order 1234/2026")
    client.logout()
    gone = client.get(story.get_absolute_url())
    assert gone.status_code == 410
    page = lxml.html.fromstring(gone.content)
    assert page.xpath("string(//p[@class='withdrawn-note'])") == "It named a minor."
    assert "Court order" not in page.xpath("string(//main)")


def test_a_hand_withhold_hides_the_story_and_outlasts_the_agency_s_next_version(
    feeds, client, editor
):
    story = publish(feeds)
    assert act(client, story, "withhold", "Checking a claim in paragraph 3").status_code == 302
    assert surfaces(client, story) == HIDDEN
    assert Story.objects.get(pk=story.pk).killed_at is None  # withheld is not killed
    # The agency sends a new version: kept, but the story stays withheld.
    publish(feeds, version=2, headline="Monsoon withdraws from all of north India")
    story.refresh_from_db()
    assert story.state == "withheld" and story.version_count == 2
    assert surfaces(client, story) == HIDDEN
    assert act(client, story, "restore", "Claim checked with the agency").status_code == 302
    story.refresh_from_db()
    assert story.state == "published"
    assert story.headline == "Monsoon withdraws from all of north India"  # the newest version
    assert surfaces(client, story) == VISIBLE
    kinds = list(
        LifecycleEvent.objects.filter(story=story)
        .order_by("at", "id")
        .values_list("kind", "reason")
    )
    assert kinds == [
        ("withheld", "Checking a claim in paragraph 3"),
        ("restored", "Claim checked with the agency"),
    ]


def test_an_agency_kill_and_an_ended_embargo_are_in_the_log_too(feeds, client):
    story = publish(feeds)
    ingest_bytes(
        feeds["ians"],
        g2_item("urn:hand", 9, T0 + timedelta(hours=1), status="canceled"),
        "kill.xml",
    )
    [event] = LifecycleEvent.objects.filter(story=story)
    assert event.kind == "killed" and event.actor == "agency IANS (feed ians-inbox)"
    assert event.delivery is not None and event.user is None


def test_the_log_is_filterable_and_read_only_in_the_admin(feeds, client, editor):
    story = publish(feeds)
    act(client, story, "withhold", "Legal review")
    page = client.get("/admin/stories/lifecycleevent/", {"kind": "withheld"})
    assert page.status_code == 200 and b"Legal review" in page.content
    event = LifecycleEvent.objects.get()
    assert client.get("/admin/stories/lifecycleevent/add/").status_code == 403
    change = client.post(f"/admin/stories/lifecycleevent/{event.pk}/change/", {"reason": "edited"})
    assert change.status_code == 403
    assert client.post(f"/admin/stories/lifecycleevent/{event.pk}/delete/").status_code == 403
    assert LifecycleEvent.objects.get().reason == "Legal review"


def test_deliveries_versions_and_quarantine_cannot_be_added_or_edited_in_the_admin(
    feeds, client, editor
):
    story = publish(feeds)
    for model in ("stories/delivery", "ingest/quarantine", "stories/storyversion", "stories/story"):
        assert client.get(f"/admin/{model}/add/").status_code == 403, model
        assert client.post(f"/admin/{model}/add/", {}).status_code == 403, model
    version = story.versions.get()
    assert (
        client.post(
            f"/admin/stories/storyversion/{version.pk}/change/", {"headline": "x"}
        ).status_code
        == 403
    )


def test_saving_through_every_admin_form_keeps_the_agency_s_bytes(feeds, client, editor):
    # LF line ends inside a paragraph, as the agency sent them.
    data = g2_item("urn:bytes", 1, T0, paragraphs=("First line.\nSecond line.",))
    ingest_bytes(feeds["ians"], data, "bytes.xml")
    story = Story.objects.get(item_id="urn:bytes")
    before = {
        "body_text": hashlib.sha256(story.body_text.encode()).hexdigest(),
        "body_html": hashlib.sha256(story.body_html.encode()).hexdigest(),
        "delivery": hashlib.sha256(Delivery.objects.get().data).hexdigest(),
    }
    assert "\n" in story.body_html
    for url in (
        f"/admin/stories/story/{story.pk}/change/",
        f"/admin/stories/storyversion/{story.versions.get().pk}/change/",
        f"/admin/stories/delivery/{Delivery.objects.get().pk}/change/",
    ):
        page = client.get(url)
        assert page.status_code == 200  # shown ...
        assert b"<textarea" not in page.content  # ... with nothing a browser would rewrite
        client.post(url, {"body_text": story.body_text.replace("\n", "\r\n"), "_save": "Save"})
    story.refresh_from_db()
    after = {
        "body_text": hashlib.sha256(story.body_text.encode()).hexdigest(),
        "body_html": hashlib.sha256(story.body_html.encode()).hexdigest(),
        "delivery": hashlib.sha256(Delivery.objects.get().data).hexdigest(),
    }
    assert after == before


def text_within(url: str, text: str, seconds: float) -> bool:
    """Say whether the page at `url` shows `text` within `seconds`."""
    import time

    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if text in httpx.get(url).text:
            return True
        time.sleep(0.01)
    return False


class WebNode:
    """A separate `wiredesk serve` process, asked as `surfaces()` asks Django's test client."""

    def __init__(self, base: str) -> None:
        import httpx

        self.http = httpx.Client(base_url=base, timeout=10)

    def get(self, url: str, params: dict | None = None):
        return self.http.get(url, params=params)


def test_hand_actions_reach_a_separate_web_node_within_a_second(feeds, client, editor):
    import time

    import httpx

    from wiredesk.stories.releases import release_embargoes

    from .test_commands_live import wait_for
    from .test_several_nodes import start_web_node, status_within

    story = publish(feeds)
    node, base = start_web_node()
    try:
        url = base + f"/story/{story.pk}/{story.slug}/"
        wait_for(url, lambda r: r.status_code == 200, timeout=30)
        web = WebNode(base)
        assert surfaces(web, story) == VISIBLE
        act(client, story, "withhold", "Legal review")
        assert status_within(url, 404, 1.0)
        assert surfaces(web, story) == HIDDEN
        act(client, story, "restore", "Cleared")
        assert status_within(url, 200, 1.0)
        assert surfaces(web, story) == VISIBLE
        # A correction: the desk's headline on the node's page and home within a second.
        client.post(
            "/admin/stories/story/",
            {
                "action": "correct",
                ACTION_CHECKBOX_NAME: [story.pk],
                "apply": "1",
                "headline": "Monsoon withdraws, IMD says",
                "byline": "",
                "body_text": story.body_text,
                "reason": "The source was left out",
            },
        )
        story.refresh_from_db()
        url = base + f"/story/{story.pk}/{story.slug}/"
        for page in (url, base + "/"):
            assert text_within(page, "Monsoon withdraws, IMD says", 1.0), page
        act(client, story, "kill", "Court order 2021/451")
        assert status_within(url, 410, 1.0)
        assert surfaces(web, story) == GONE
        # Held over its embargo's end, then released by hand.
        held = embargoed(feeds, 0.5, "urn:node-held")
        act(client, held, "hold", "Figures disputed")
        time.sleep(0.6)
        release_embargoes(datetime.now(UTC))
        held.refresh_from_db()
        held_url = base + f"/story/{held.pk}/{held.slug}/"
        assert httpx.get(held_url).status_code == 404
        act(client, held, "release", "")
        assert status_within(held_url, 200, 1.0)
        assert surfaces(web, held) == VISIBLE
        web.http.close()
    finally:
        node.terminate()
        node.wait(timeout=10)


def test_one_signal_for_every_change_and_batch_whoever_makes_it(feeds, client, editor):
    from wiredesk.stories.signals import stories_changed

    from .conftest import DATA

    heard: list[tuple[str, int]] = []

    def listener(sender, stories, change, **kwargs):
        heard.append((change, len(stories)))

    stories_changed.connect(listener, dispatch_uid="test-listener")
    try:
        message = (DATA / "quirks" / "newsmlg2-message-three-items.xml").read_bytes()
        ingest_bytes(feeds["ians"], message, "three.xml")  # one delivery: two new stories, a kill
        story = publish(feeds)
        publish(feeds, version=2, headline="Monsoon withdraws from all of north India")
        act(client, story, "withhold", "Legal review")
        act(client, story, "restore", "Cleared")
        act(client, story, "kill", "Court order")
    finally:
        stories_changed.disconnect(dispatch_uid="test-listener")
    assert heard == [
        ("published", 2),
        ("published", 1),
        ("updated", 1),
        ("updated", 1),
        ("published", 1),
        ("killed", 1),
    ]


def test_a_hand_correction_is_the_desk_s_own_version_and_the_page_says_so(feeds, client, editor):
    import lxml.html

    story = publish(feeds)
    agency_text = story.body_text
    asked = client.post(
        "/admin/stories/story/", {"action": "correct", ACTION_CHECKBOX_NAME: [story.pk]}
    )
    assert asked.status_code == 200 and story.headline.encode() in asked.content  # prefilled
    corrected_text = agency_text.replace("withdrawn", "fully withdrawn")
    done = client.post(
        "/admin/stories/story/",
        {
            "action": "correct",
            ACTION_CHECKBOX_NAME: [story.pk],
            "apply": "1",
            "headline": "Monsoon withdraws from north India, IMD says",
            "byline": "",
            "body_text": corrected_text.replace("\n", "\r\n"),  # as a browser sends it
            "reason": "The agency's copy left out the source",
        },
    )
    assert done.status_code == 302
    story.refresh_from_db()
    assert story.headline == "Monsoon withdraws from north India, IMD says"
    assert story.body_text == corrected_text and "\r" not in story.body_text
    page = lxml.html.fromstring(client.get(story.get_absolute_url()).content)
    assert page.findtext(".//h1") == "Monsoon withdraws from north India, IMD says"
    disclaimer = page.find('.//p[@class="disclaimer"]').text_content()
    assert (
        "without any modifications" not in disclaimer and "corrected by our editors" in disclaimer
    )
    versions = lxml.html.fromstring(client.get(story.get_absolute_url() + "versions/").content)
    [desk] = [
        li
        for li in versions.findall('.//ol[@class="versions"]/li')
        if "By the desk" in li.findtext("h2/span", "")
    ]
    assert "The agency's copy left out the source" in desk.text_content()
    assert [el.text for el in desk.iter("ins")] == ["fully"]  # what changed, against the agency's
    assert (
        "Monsoon withdraws from north India, IMD says"
        in client.get("/feeds/rss.xml").content.decode()
    )
    # The agency's words stay as delivered, and the log says who and why.
    assert story.versions.exclude(delivery=None).get().body_text == agency_text
    event = LifecycleEvent.objects.get(story=story, kind="corrected")
    assert event.user == editor and "left out the source" in event.reason


def test_an_agency_version_after_a_correction_is_held_until_an_editor_accepts_it(
    feeds, client, editor
):
    from wiredesk.stories import editorial

    story = publish(feeds)
    editorial.correct(story.pk, editor, "Name misspelt", headline="Monsoon leaves north India")
    publish(feeds, version=2, headline="Monsoon withdraws from all of north India")
    story.refresh_from_db()
    assert story.headline == "Monsoon leaves north India"  # the correction is not overwritten
    assert story.version_count == 3
    assert LifecycleEvent.objects.filter(story=story, kind="held").exists()
    assert act(client, story, "accept_agency", "The agency fixed it in v2").status_code == 302
    story.refresh_from_db()
    assert (
        story.headline == "Monsoon withdraws from all of north India"
        and not story.corrected_by_desk
    )
    page = client.get(story.get_absolute_url()).content.decode()
    assert "without any modifications" in page  # the agency's words again, and its disclaimer


def test_a_correction_that_changes_nothing_is_refused(feeds, client, editor):
    story = publish(feeds)
    answer = client.post(
        "/admin/stories/story/",
        {
            "action": "correct",
            ACTION_CHECKBOX_NAME: [story.pk],
            "apply": "1",
            "headline": story.headline,
            "byline": story.byline,
            "body_text": story.body_text,
            "reason": "No change",
        },
    )
    assert answer.status_code == 200 and b"nothing changed" in answer.content
    assert Story.objects.get(pk=story.pk).version_count == 1


def test_accepting_the_agency_s_version_never_brings_a_killed_story_back(feeds, client, editor):
    from wiredesk.stories import editorial

    story = publish(feeds)
    editorial.correct(story.pk, editor, "Typo", headline="Monsoon leaves north India")
    editorial.kill([story.pk], editor, "Court order")
    assert editorial.accept_agency([story.pk], editor, "Accept v1") == []
    assert surfaces(client, story) == GONE


def test_rejecting_the_agency_s_version_keeps_the_correction_and_says_so(feeds, client, editor):
    from wiredesk.stories import editorial

    story = publish(feeds)
    editorial.correct(story.pk, editor, "Name misspelt", headline="Monsoon leaves north India")
    publish(feeds, version=2, headline="Monsoon withdraws from all of north India")
    assert act(client, story, "reject_agency", "v2 repeats the misspelling").status_code == 302
    story.refresh_from_db()
    assert story.headline == "Monsoon leaves north India" and story.corrected_by_desk
    event = LifecycleEvent.objects.get(story=story, kind="rejected")
    assert event.user == editor and event.reason == "v2 repeats the misspelling"


def embargoed(feeds, seconds: float, guid: str = "urn:held") -> Story:
    """Deliver a story under an embargo that ends `seconds` from now (real time)."""
    from django.utils import timezone

    end = timezone.now() + timedelta(seconds=seconds)
    ingest_bytes(
        feeds["ians"],
        g2_item(guid, 1, T0, headline="Budget figures under embargo", embargo=end),
        f"{guid}.xml",
    )
    return Story.objects.get(item_id=guid)


def test_a_held_story_stays_off_every_surface_past_its_embargo_until_an_editor_releases_it(
    feeds, client, editor
):
    import time

    from wiredesk.stories.releases import release_embargoes

    endpoints = AgencyServer().start()
    endpoints.routes["/hook"] = lambda h: h.reply(200)
    Webhook.objects.create(url=endpoints.base_url + "/hook", secret="k", events=["story.published"])
    try:
        story = embargoed(feeds, 1.0)
        assert story.state == "embargoed" and surfaces(client, story) == HIDDEN
        assert act(client, story, "hold", "").status_code == 200  # a hold must say why
        assert act(client, story, "hold", "Figures disputed").status_code == 302
        story.refresh_from_db()
        assert story.state == "held" and story.held_for_editor
        time.sleep(1.1)
        assert release_embargoes(datetime.now(UTC)) == []  # the embargo ended; the hold stands
        # The agency's next version is kept; the story stays held.
        ingest_bytes(
            feeds["ians"],
            g2_item("urn:held", 2, T0 + timedelta(minutes=5), headline="Budget figures, revised"),
            "v2.xml",
        )
        story.refresh_from_db()
        assert (story.state, story.version_count) == ("held", 2)
        assert surfaces(client, story) == HIDDEN
        assert act(client, story, "release", "").status_code == 302  # a note is optional
        story.refresh_from_db()
        assert story.state == "published" and not story.held_for_editor
        assert story.headline == "Budget figures, revised"
        assert surfaces(client, story) == VISIBLE  # at once: the caches were told
        assert story.first_published_at > T0 + timedelta(days=365)  # public from its release
        [call] = webhook_calls(endpoints)
        assert call.headers["x-wiredesk-event"] == "story.published"
        assert json.loads(call.body)["story"]["id"] == story.pk
    finally:
        endpoints.stop()
    kinds = list(
        LifecycleEvent.objects.filter(story=story)
        .order_by("at", "id")
        .values_list("kind", "actor", "reason")
    )
    assert kinds == [
        ("on_hold", "editor alice", "Figures disputed"),
        ("released", "editor alice", ""),
    ]


def test_a_public_story_cannot_be_held_it_is_withheld_instead(feeds, client, editor):
    story = publish(feeds)
    reply = act(client, story, "hold", "Too late for a hold")
    assert reply.status_code == 302
    story.refresh_from_db()
    assert story.state == "published" and not story.held_for_editor
    assert surfaces(client, story) == VISIBLE
    assert not LifecycleEvent.objects.filter(story=story).exists()


def test_releasing_a_held_story_still_under_embargo_leaves_it_to_the_embargo(feeds, client, editor):
    story = embargoed(feeds, 3600)
    act(client, story, "hold", "Check the figures")
    act(client, story, "release", "Figures checked")
    story.refresh_from_db()
    assert story.state == "embargoed" and surfaces(client, story) == HIDDEN
