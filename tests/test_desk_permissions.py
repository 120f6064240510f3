"""Who may do what on the desk: every page, action and download asks the model permission the
admin asks for the same thing; a staff user without it gets a 403 and changes nothing, and the
pages offer no link or button the user may not use."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import lxml.html
import pytest
from django.contrib.auth import get_user_model
from django.urls import resolve

from wiredesk.desk import urls as desk_urls
from wiredesk.desk.models import SavedFilter, StoryPresence
from wiredesk.ingest.models import Quarantine
from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.site import translations
from wiredesk.site.models import StoryTranslation
from wiredesk.sources.models import Agency, Feed
from wiredesk.stories import editorial
from wiredesk.stories.models import Delivery, LifecycleEvent, Section, Story
from wiredesk.syndication.models import AlertDestination

from .conftest import DATA, SEED_V1, SEED_V2
from .desk_users import DESK_PERMISSIONS, staff

pytestmark = pytest.mark.django_db

# Sent by its agency as UTF-8 but in Latin-1: quarantined under a feed that insists on UTF-8.
LATIN1 = DATA / "quirks" / "newsmlg2-declares-utf8-sends-latin1.xml"

VIEW_STORY, CHANGE_STORY = ("stories.view_story",), ("stories.change_story",)
CHANGE_FEED = ("sources.change_feed",)
CHANGE_AGENCY = ("sources.change_agency", "sources.change_feed")
PAUSE = ("sources.pause_feed",)
VIEW_QUARANTINE, CHANGE_QUARANTINE = ("ingest.view_quarantine",), ("ingest.change_quarantine",)
VIEW_ALERTS = ("wiredesk_syndication.view_alertdestination",)

# What each of the desk's URLs asks for (docs/desk.md): the test's own copy, not the code's.
NEEDS = {
    "wire": VIEW_STORY,
    "wire_rows": VIEW_STORY,
    "wire_action": CHANGE_STORY,  # hand actions on the stories picked on the wire
    "saved_filters": VIEW_STORY,  # a reader's own saved filters of the wire
    "story": VIEW_STORY,
    "story_action": CHANGE_STORY,
    "story_kill": CHANGE_STORY,
    "story_presence": CHANGE_STORY,  # "being edited by": an editor's heartbeat
    "story_translation": CHANGE_STORY,
    "delivery_raw": ("stories.view_delivery",),
    "feeds": ("sources.view_feed",),
    "feed_action": PAUSE,  # a pause or a resume; a feed's or an agency's settings, below
    "agency_action": PAUSE,
    "quarantine": VIEW_QUARANTINE,
    "quarantine_raw": VIEW_QUARANTINE,
    "quarantine_bytes": VIEW_QUARANTINE,
    "quarantine_action": CHANGE_QUARANTINE,
    "audit": ("stories.view_lifecycleevent",),
    "alerts": VIEW_ALERTS,
    "alerts_action": (*VIEW_ALERTS, "wiredesk_syndication.add_alertdestination"),
    "language": (),  # any staff user's own: the language the desk is read in
}
# The actions of a URL that ask more than NEEDS says: configuration.
ACTION_NEEDS = {
    ("feed_action", "settings"): CHANGE_FEED,
    ("agency_action", "settings"): CHANGE_AGENCY,
    ("alerts_action", "test"): (*VIEW_ALERTS, "wiredesk_syndication.change_alertdestination"),
    ("alerts_action", "enable"): (*VIEW_ALERTS, "wiredesk_syndication.change_alertdestination"),
    ("alerts_action", "disable"): (*VIEW_ALERTS, "wiredesk_syndication.change_alertdestination"),
    ("alerts_action", "delete"): (*VIEW_ALERTS, "wiredesk_syndication.delete_alertdestination"),
}


class Desk:
    """What the desk's endpoints act on, made from the real wire samples; each returns it."""

    def __init__(self, feeds) -> None:
        self.feed = feeds["ians"]
        self.chief = get_user_model().objects.create_superuser("chief", "chief@news.example")

    def _ingest(self, path, **feed_settings) -> None:
        Feed.objects.filter(pk=self.feed.pk).update(**feed_settings)
        feed = Feed.objects.select_related("agency").get(pk=self.feed.pk)  # as the poller reads it
        ingest_bytes(feed, path.read_bytes(), origin=path.name)

    def published(self) -> Story:
        self._ingest(SEED_V1)
        Section.objects.create(name="World", slug="world")
        return Story.objects.get()

    def withheld(self) -> Story:
        story = self.published()
        editorial.withhold([story.pk], self.chief, "Legal review")
        return story

    def linked(self) -> Story:
        """A story linked by the agency's identifier to its Hindi version."""
        story = self.published()
        item = {"uri": "urn:hi", "language": "hi", "headline": "हिन्दी", "body_text": "पाठ।"}
        ingest_bytes(self.feed, json.dumps(item).encode(), origin="hi.json")
        hindi = Story.objects.get(item_id="urn:hi")
        translations.link(story, hindi, "agency")
        return story

    def alert_destination(self) -> AlertDestination:
        return AlertDestination.objects.create(kind="slack", target="https://chat.example/T0")

    def delayed(self) -> Story:
        """A story waiting for its feed's publishing delay."""
        self._ingest(SEED_V1, publishing="delay")
        return Story.objects.get()

    def held(self) -> Story:
        self._ingest(SEED_V1, publishing="hold")
        return Story.objects.get()

    def behind_a_correction(self) -> Story:
        """A story the desk corrected, with the agency's next version held behind it."""
        story = self.published()
        editorial.correct(story.pk, self.chief, "Name misspelt", headline="Seoul and US talk")
        self._ingest(SEED_V2)
        return story

    def delivery(self) -> Delivery:
        self.published()
        return Delivery.objects.get()

    def enabled_feed(self) -> Feed:
        return self.feed

    def paused_feed(self) -> Feed:
        Feed.objects.filter(pk=self.feed.pk).update(enabled=False)
        return self.feed

    def agency(self) -> Agency:
        return self.feed.agency

    def agency_with_a_live_story(self) -> Agency:
        self.published()
        return self.feed.agency

    def paused_agency(self) -> Agency:
        Feed.objects.filter(agency=self.feed.agency).update(enabled=False)
        return self.feed.agency

    def quarantined(self) -> Quarantine:
        """A refused delivery, its feed fixed since: a retry stores it."""
        self._ingest(LATIN1, encoding="utf-8")
        Feed.objects.filter(pk=self.feed.pk).update(encoding="iso-8859-1")
        return Quarantine.objects.get()


def everything() -> dict:
    """Return what any desk action could change: stories, feeds, agencies, quarantine, log."""
    return {
        "stories": list(
            Story.objects.order_by("pk").values(
                "pk",
                "state",
                "held_by_desk",
                "held_for_editor",
                "release_at",
                "corrected_by_desk",
                "headline",
                "sections",
                "sections_by_desk",
                "version_count",
            )
        ),
        "feeds": list(
            Feed.objects.order_by("pk").values(
                "pk",
                "enabled",
                "publishing",
                "publish_delay_minutes",
                "hold_urgency",
                "hold_keywords",
                "encoding",
            )
        ),
        "agencies": list(
            Agency.objects.order_by("pk").values(
                "pk", "publishing", "publish_delay_minutes", "hold_urgency", "hold_keywords"
            )
        ),
        "quarantine": list(
            Quarantine.objects.order_by("pk").values("pk", "resolved_at", "resolution")
        ),
        "log": LifecycleEvent.objects.count(),
        "saved filters": list(SavedFilter.objects.values_list("pk", "name", "query")),
        "presence": list(StoryPresence.objects.values_list("pk", "last_seen")),
        "alert destinations": list(AlertDestination.objects.values_list("pk", "enabled")),
    }


def story() -> Story:
    return Story.objects.get()


def ians_feed() -> Feed:
    return Feed.objects.get(slug="ians-inbox")


@dataclass(frozen=True)
class Case:
    """One request to the desk: what it needs, what it acts on, and how it shows it worked."""

    name: str
    url: str  # formatted with the target's pk and slug
    needs: tuple[str, ...]
    given: str  # a method of Desk
    post: dict | None = None  # None: a GET
    worked: Callable[[], bool] | None = None  # an action's effect
    body: bytes | None = None  # a download's bytes
    status: int = 302  # an action's answer: back to the page, with what happened
    logged: bool = True  # an action on the news: the log says who

    def target_url(self, target) -> str:
        return self.url.format(pk=target.pk, slug=getattr(target, "slug", ""))

    def form(self, target) -> dict:
        """Return the posted fields, "{pk}" replaced by the target's."""
        assert self.post is not None
        return {
            k: v.format(pk=target.pk) if k in ("story", "key") else v for k, v in self.post.items()
        }


STORY_ACT = "/desk/story/{pk}/act"
WIRE_ACT = "/desk/wire/act"
FEED_ACT = "/desk/feeds/{pk}/act"
AGENCY_ACT = "/desk/agency/{slug}/act"
QUARANTINE_ACT = "/desk/quarantine/{pk}/act"
FEED_SETTINGS = {
    "action": "settings",
    "publishing": "hold",
    "publish_delay_minutes": "10",
    "hold_urgency": "",
    "hold_keywords": "",
}

CASES = [
    Case("wire", "/desk/", VIEW_STORY, "published"),
    Case("wire rows", "/desk/wire/rows?after=0", VIEW_STORY, "published"),
    Case("story page", "/desk/story/{pk}/", VIEW_STORY, "published"),
    Case(
        "delivery download",
        "/desk/delivery/{pk}/raw",
        NEEDS["delivery_raw"],
        "delivery",
        body=SEED_V1.read_bytes(),
    ),
    Case("feeds board", "/desk/feeds/", NEEDS["feeds"], "enabled_feed"),
    Case("desk language", "/desk/language", NEEDS["language"], "enabled_feed"),
    Case("quarantine list", "/desk/quarantine/", VIEW_QUARANTINE, "quarantined"),
    Case(
        "quarantine download",
        "/desk/quarantine/{pk}/raw",
        VIEW_QUARANTINE,
        "quarantined",
        body=LATIN1.read_bytes(),
    ),
    Case("quarantined bytes, read", "/desk/quarantine/{pk}/", VIEW_QUARANTINE, "quarantined"),
    Case("audit log", "/desk/audit/", NEEDS["audit"], "withheld"),
    Case("kill confirmation", "/desk/story/{pk}/kill", CHANGE_STORY, "published"),
    Case(
        "kill",
        STORY_ACT,
        CHANGE_STORY,
        "published",
        {"action": "kill", "reason": "Court order"},
        lambda: story().state == "killed",
    ),
    Case(
        "withhold",
        STORY_ACT,
        CHANGE_STORY,
        "published",
        {"action": "withhold", "reason": "Legal review"},
        lambda: story().state == "withheld",
    ),
    Case(
        "restore",
        STORY_ACT,
        CHANGE_STORY,
        "withheld",
        {"action": "restore", "reason": "Cleared"},
        lambda: story().state == "published",
    ),
    Case(
        "hold",
        STORY_ACT,
        CHANGE_STORY,
        "delayed",
        {"action": "hold", "reason": "Figures disputed"},
        lambda: story().release_at is None,
    ),
    Case(
        "release",
        STORY_ACT,
        CHANGE_STORY,
        "held",
        {"action": "release", "reason": ""},
        lambda: story().state == "published",
    ),
    Case(
        "accept",
        STORY_ACT,
        CHANGE_STORY,
        "behind_a_correction",
        {"action": "accept", "reason": "Fixed in v2"},
        lambda: not story().corrected_by_desk,
    ),
    Case(
        "reject",
        STORY_ACT,
        CHANGE_STORY,
        "behind_a_correction",
        {"action": "reject", "reason": "v2 repeats it"},
        lambda: LifecycleEvent.objects.filter(kind="rejected").exists(),
    ),
    Case(
        "correct",
        STORY_ACT,
        CHANGE_STORY,
        "published",
        {"action": "correct", "reason": "Name misspelt", "headline": "Seoul and US talk"},
        lambda: story().headline == "Seoul and US talk",
    ),
    Case(
        "sections",
        STORY_ACT,
        CHANGE_STORY,
        "published",
        {"action": "sections", "section": ["world"], "reason": ""},
        lambda: story().sections == "|world|",
    ),
    Case(
        "feed pause",
        FEED_ACT,
        PAUSE,
        "enabled_feed",
        {"action": "pause", "reason": "Noise"},
        lambda: not ians_feed().enabled,
    ),
    Case(
        "feed resume",
        FEED_ACT,
        PAUSE,
        "paused_feed",
        {"action": "resume", "reason": ""},
        lambda: ians_feed().enabled,
    ),
    Case(
        "feed settings",
        FEED_ACT,
        CHANGE_FEED,
        "enabled_feed",
        {**FEED_SETTINGS, "encoding": ""},
        lambda: ians_feed().publishing == "hold",
    ),
    Case(
        "agency pause",
        AGENCY_ACT,
        PAUSE,
        "agency",
        {"action": "pause", "reason": "Contract ended"},
        lambda: not ians_feed().enabled,
    ),
    Case(
        "agency pause withholding its stories",
        AGENCY_ACT,
        PAUSE + CHANGE_STORY,
        "agency_with_a_live_story",
        {"action": "pause", "reason": "Contract ended", "withhold": "on"},
        lambda: not ians_feed().enabled and story().state == "withheld",
    ),
    Case(
        "agency resume",
        AGENCY_ACT,
        PAUSE,
        "paused_agency",
        {"action": "resume", "reason": ""},
        lambda: ians_feed().enabled,
    ),
    Case(
        "agency settings",
        AGENCY_ACT,
        CHANGE_AGENCY,
        "agency",
        FEED_SETTINGS,
        lambda: Agency.objects.get(slug="ians").publishing == "hold",
    ),
    Case(
        "translation unlink",
        "/desk/story/{pk}/translation",
        CHANGE_STORY,
        "linked",
        {"action": "unlink"},
        lambda: not StoryTranslation.objects.exists(),
    ),
    Case(
        "bulk hold",
        WIRE_ACT,
        CHANGE_STORY,
        "delayed",
        {"action": "hold", "reason": "Figures disputed", "story": "{pk}"},
        lambda: story().release_at is None,
    ),
    Case(
        "bulk kill",
        WIRE_ACT,
        CHANGE_STORY,
        "published",
        {"action": "kill", "confirmed": "yes", "reason": "Court order", "story": "{pk}"},
        lambda: story().state == "killed",
    ),
    Case(
        "save a filter",
        "/desk/wire/filters",
        VIEW_STORY,
        "published",
        {"action": "save", "name": "Held", "query": "state=held"},
        SavedFilter.objects.exists,
        logged=False,
    ),
    Case(
        "being edited by",
        "/desk/story/{pk}/presence",
        CHANGE_STORY,
        "published",
        {},
        StoryPresence.objects.exists,
        status=200,
        logged=False,
    ),
    Case("alerts page", "/desk/alerts/", VIEW_ALERTS, "alert_destination"),
    Case(
        "alert destination added",
        "/desk/alerts/act",
        NEEDS["alerts_action"],
        "enabled_feed",
        {"action": "add", "kind": "slack", "target": "https://chat.example/T1", "name": "Desk"},
        lambda: AlertDestination.objects.filter(name="Desk").exists(),
        logged=False,
    ),
    Case(
        "alert destination turned off",
        "/desk/alerts/act",
        ACTION_NEEDS[("alerts_action", "disable")],
        "alert_destination",
        {"action": "disable", "source": "desk", "key": "{pk}"},
        lambda: not AlertDestination.objects.get().enabled,
        logged=False,
    ),
    Case(
        "quarantine retry",
        QUARANTINE_ACT,
        CHANGE_QUARANTINE,
        "quarantined",
        {"action": "retry"},
        lambda: Quarantine.objects.get().resolved_at is not None and Story.objects.exists(),
    ),
    Case(
        "quarantine dismiss",
        QUARANTINE_ACT,
        CHANGE_QUARANTINE,
        "quarantined",
        {"action": "dismiss", "reason": "Test file"},
        lambda: Quarantine.objects.get().resolution == "dismissed: Test file",
    ),
]


def send(client, case: Case, target):
    url = case.target_url(target)
    return client.get(url) if case.post is None else client.post(url, case.form(target))


def content(reply) -> bytes:
    return b"".join(reply.streaming_content) if reply.streaming else reply.content


def short_of(case: Case):
    """Yield the permissions a user is denied with: none, and every desk one but one needed."""
    if case.needs:  # what needs none is any staff user's
        yield pytest.param(case, (), id=f"{case.name}, no permission")
    for missing in case.needs:
        others = tuple(p for p in DESK_PERMISSIONS if p != missing)
        yield pytest.param(case, others, id=f"{case.name}, all but {missing}")


@pytest.mark.parametrize(("case", "held"), [p for case in CASES for p in short_of(case)])
def test_a_staff_user_without_the_permission_gets_403_and_nothing_changes(
    client, feeds, case, held
):
    target = getattr(Desk(feeds), case.given)()
    before = everything()
    client.force_login(staff("bob", *held))
    reply = send(client, case, target)
    assert reply.status_code == 403
    assert everything() == before
    if case.body is not None:
        assert case.body not in content(reply)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_staff_user_with_exactly_the_permission_succeeds(client, feeds, case):
    target = getattr(Desk(feeds), case.given)()
    user = staff("bob", *case.needs)
    client.force_login(user)
    reply = send(client, case, target)
    if case.post is None:
        assert reply.status_code == 200
        if case.body is not None:
            assert content(reply) == case.body
        return
    assert reply.status_code == case.status
    assert case.worked is not None and case.worked()
    assert LifecycleEvent.objects.filter(user=user).exists() == case.logged


@pytest.mark.parametrize("who", ["anonymous", "not staff"])
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_anyone_but_staff_is_sent_to_the_login_and_changes_nothing(client, feeds, case, who):
    target = getattr(Desk(feeds), case.given)()
    before = everything()
    if who == "not staff":  # every permission does not make a reader an editor
        user = staff("reader", *DESK_PERMISSIONS)
        user.is_staff = False
        user.save()
        client.force_login(user)
    reply = send(client, case, target)
    assert reply.status_code == 302 and reply["Location"].startswith("/admin/login/")
    assert everything() == before


def test_every_desk_url_is_in_the_table_and_has_a_case():
    names = {pattern.name for pattern in desk_urls.urlpatterns}
    assert names == set(NEEDS)
    cased = {resolve(case.url.format(pk=1, slug="x").split("?")[0]).url_name for case in CASES}
    assert cased == names


# -- What the pages offer -------------------------------------------------------------------

VIEWS = tuple(p for p in DESK_PERMISSIONS if ".view_" in p)
PROFILES = {
    **{perm: (perm,) for perm in DESK_PERMISSIONS},
    "every view permission": VIEWS,
    **{f"every view permission and {p}": (*VIEWS, p) for p in DESK_PERMISSIONS if p not in VIEWS},
    "every desk permission": DESK_PERMISSIONS,
}


def offered(html) -> list[tuple[str, str | None]]:
    """Return the desk's addresses a page links to, posts to or polls, each with the
    action a form's button or hidden field posts (None for a link)."""
    found: list[tuple[str, str | None]] = []
    for url in html.xpath("//a/@href | //@data-rows | //@data-presence"):
        found.append((str(url), None))
    for form in html.xpath("//form[@action]"):
        actions = form.xpath(".//input[@name='action']/@value | .//button[@name='action']/@value")
        found += [(form.get("action"), str(action)) for action in actions or [None]]
    return [(url.split("?")[0], action) for url, action in found if url.startswith("/desk/")]


@pytest.mark.parametrize("profile", list(PROFILES))
def test_pages_offer_only_links_and_buttons_the_user_may_use(client, feeds, profile):
    desk = Desk(feeds)
    held = desk.held()  # a Release button on the wire, and actions on its page
    editorial.withhold([held.pk], desk.chief, "Legal review")  # a log entry
    editorial.restore([held.pk], desk.chief, "Cleared")
    desk.quarantined()
    perms = PROFILES[profile]
    user = staff("bob", *perms)
    client.force_login(user)
    seen = set()
    for page in (
        "/desk/",
        "/desk/?q=seoul",  # filters on screen: an offer to save them
        f"/desk/story/{held.pk}/",
        "/desk/feeds/",
        "/desk/quarantine/",
        "/desk/audit/",
        "/desk/alerts/",
        "/desk/wire/rows?after=0",
    ):
        name = resolve(page.split("?")[0]).url_name
        if not set(NEEDS[name]) <= set(perms):
            continue
        reply = client.get(page)
        assert reply.status_code == 200, page
        if name == "wire_rows":
            html = lxml.html.fromstring(f"<table>{reply.json()['html']}</table>")
        else:
            html = lxml.html.document_fromstring(reply.content)
        for url, action in offered(html):
            target = resolve(url).url_name
            needs = ACTION_NEEDS.get((target, action), NEEDS[target])
            assert set(needs) <= set(perms), (page, url, action)
            seen.add(target)
        withhold = html.xpath("//input[@name='withhold']")
        assert bool(withhold) == (name == "feeds" and set(PAUSE + CHANGE_STORY) <= set(perms))
    if profile == "every desk permission":  # the pages still offer everything to an editor
        assert seen == set(NEEDS)
