"""Bulk actions on the wire (docs/desk.md, Shortcuts, bulk actions and saved filters): stories
picked on the wire are held, released, withheld, restored or killed with one reason, each
through the same lifecycle function as the story page's action and logged once; a kill asks
first, listing the headlines and where they will disappear; only a duty editor may."""

from __future__ import annotations

import lxml.html
import pytest

from wiredesk.desk.words import KILL_SURFACES
from wiredesk.stories import editorial
from wiredesk.stories.models import LifecycleEvent, Story

from .comfort_helpers import person, stories
from .test_desk_permissions import everything

pytestmark = pytest.mark.django_db

ACT = "/desk/wire/act"
Kind = LifecycleEvent.Kind


def log_in(client, role: str):
    user = person(role)
    if user is not None:
        client.force_login(user)
    return user


def events(kind: str) -> list[tuple[int, str, str]]:
    """Return the log's (story, actor, reason) for `kind` by an editor, by story."""
    found = LifecycleEvent.objects.filter(kind=kind, user__isnull=False).order_by("story_id")
    return list(found.values_list("story_id", "actor", "reason"))


def state(*picked: Story) -> list[str]:
    return [Story.objects.get(pk=s.pk).state for s in picked]


def messages_of(reply) -> list[str]:
    return [str(m) for m in reply.context["messages"]] if reply.context else []


def test_hold_three_stories_with_one_reason_logs_each_once(client, feeds):
    picked = stories(feeds["ians"], 3, publishing="delay")  # waiting for the feed's delay
    log_in(client, "duty editor")
    reply = client.post(
        ACT,
        {"action": "hold", "reason": "Figures disputed", "story": [s.pk for s in picked]},
        follow=True,
    )
    assert reply.redirect_chain == [("/desk/", 302)]
    assert [s.release_at for s in Story.objects.filter(pk__in=[s.pk for s in picked])] == [None] * 3
    assert events(Kind.ON_HOLD) == [
        (s.pk, "editor duty-editor", "Figures disputed") for s in picked
    ]
    assert messages_of(reply) == ["Hold: done for 3 of 3 stories."]


def test_release_needs_no_reason_and_keeps_the_wire_s_filters(client, feeds):
    picked = stories(feeds["ians"], 2, publishing="hold")
    log_in(client, "duty editor")
    reply = client.post(
        ACT,
        {
            "action": "release",
            "reason": "",
            "story": [s.pk for s in picked],
            # The wire's filters come back; anything else (an address to go to) does not.
            "filters": "state=held&next=https://evil.example/&q=monsoon&before=9",
        },
    )
    assert reply.status_code == 302 and reply["Location"] == "/desk/?state=held&q=monsoon"
    assert state(*picked) == ["published", "published"]
    assert [e[0] for e in events(Kind.RELEASED)] == [s.pk for s in picked]


def test_withhold_then_restore_in_bulk(client, feeds):
    picked = stories(feeds["ians"], 3)
    log_in(client, "duty editor")
    ids = [s.pk for s in picked]
    client.post(ACT, {"action": "withhold", "reason": "Legal review", "story": ids})
    assert state(*picked) == ["withheld"] * 3
    client.post(ACT, {"action": "restore", "reason": "Cleared", "story": ids[:2]})
    assert state(*picked) == ["published", "published", "withheld"]
    assert len(events(Kind.WITHHELD)) == 3 and len(events(Kind.RESTORED)) == 2


def test_a_bulk_action_logs_what_the_story_page_s_action_logs(client, feeds):
    """One path: the wire's bulk action and the story page's action leave the same trace."""
    one, other = stories(feeds["ians"], 2)
    editor = log_in(client, "duty editor")
    client.post(f"/desk/story/{one.pk}/act", {"action": "withhold", "reason": "Legal review"})
    client.post(ACT, {"action": "withhold", "reason": "Legal review", "story": [other.pk]})
    logged = LifecycleEvent.objects.filter(kind=Kind.WITHHELD).order_by("story_id")
    fields = [(e.actor, e.user_id, e.reason) for e in logged]
    assert fields == [("editor duty-editor", editor.pk, "Legal review")] * 2
    assert state(one, other) == ["withheld", "withheld"]


def test_hold_without_a_reason_is_refused_and_changes_nothing(client, feeds):
    picked = stories(feeds["ians"], 2, publishing="delay")
    log_in(client, "duty editor")
    before = everything()
    reply = client.post(
        ACT, {"action": "hold", "reason": "  ", "story": [s.pk for s in picked]}, follow=True
    )
    assert everything() == before
    assert messages_of(reply) == ["Hold: say why: the reason is kept in the lifecycle log"]


def test_stories_the_action_does_not_apply_to_are_passed_over_and_counted(client, feeds):
    waiting = stories(feeds["ians"], 1, publishing="delay")
    public = stories(feeds["harbour"], 1)
    log_in(client, "duty editor")
    reply = client.post(
        ACT,
        {"action": "hold", "reason": "Check", "story": [waiting[0].pk, public[0].pk]},
        follow=True,
    )
    assert [e[0] for e in events(Kind.ON_HOLD)] == [waiting[0].pk]
    assert messages_of(reply) == [
        "Hold: done for 1 of 2 stories.",
        "Hold does not apply now to 1 of the stories picked.",
    ]


def confirmation(reply):
    assert reply.status_code == 200
    return lxml.html.document_fromstring(reply.content)


def test_a_bulk_kill_asks_first_listing_headlines_and_surfaces(client, feeds):
    picked = stories(feeds["ians"], 3)
    editorial.kill([picked[2].pk], None, "Earlier takedown")
    log_in(client, "duty editor")
    before = everything()
    page = confirmation(
        client.post(ACT, {"action": "kill", "reason": "", "story": [s.pk for s in picked]})
    )
    assert everything() == before  # asked, nothing done
    listed = page.xpath("//ul[@class='headlines']/li/strong/text()")
    assert sorted(listed) == sorted(s.headline for s in picked[:2])  # the killed one: passed over
    assert page.xpath("//ul[@class='surfaces']/li/text()") == [
        str(surface) for surface in KILL_SURFACES
    ]
    [form] = page.xpath("//form[@action='/desk/wire/act']")
    assert form.xpath(".//input[@name='story']/@value") == [str(picked[1].pk), str(picked[0].pk)]
    assert form.xpath(".//input[@name='confirmed']/@value") == ["yes"]
    assert form.xpath(".//textarea[@name='reason'][@required]")


def test_a_confirmed_bulk_kill_without_a_reason_is_refused(client, feeds):
    picked = stories(feeds["ians"], 2)
    log_in(client, "duty editor")
    before = everything()
    post = {"action": "kill", "confirmed": "yes", "reason": "", "story": [s.pk for s in picked]}
    client.post(ACT, post)
    assert everything() == before


def test_a_confirmed_bulk_kill_kills_each_with_the_one_reason_and_note(client, feeds):
    picked = stories(feeds["ians"], 2)
    log_in(client, "duty editor")
    client.post(
        ACT,
        {
            "action": "kill",
            "confirmed": "yes",
            "reason": "Court order",
            "note": "It repeated an allegation.",
            "story": [s.pk for s in picked],
        },
    )
    assert state(*picked) == ["killed", "killed"]
    assert events(Kind.KILLED) == [(s.pk, "editor duty-editor", "Court order") for s in picked]
    assert [s.withdrawn_note for s in Story.objects.filter(pk__in=[s.pk for s in picked])] == [
        "It repeated an allegation."
    ] * 2


@pytest.mark.parametrize("role", ["viewer", "anonymous", "not staff"])
@pytest.mark.parametrize("action", ["hold", "release", "withhold", "kill"])
def test_only_a_duty_editor_may_act_in_bulk(client, feeds, role, action):
    picked = stories(feeds["ians"], 2, publishing="delay")
    log_in(client, role)
    before = everything()
    post = {
        "action": action,
        "confirmed": "yes",
        "reason": "Why not",
        "story": [s.pk for s in picked],
    }
    reply = client.post(ACT, post)
    if role == "viewer":
        assert reply.status_code == 403
    else:
        assert reply.status_code == 302 and reply["Location"].startswith("/admin/login/")
    assert everything() == before


def test_an_unknown_action_or_a_get_is_refused(client, feeds):
    picked = stories(feeds["ians"], 1)
    log_in(client, "duty editor")
    before = everything()
    assert client.post(ACT, {"action": "correct", "story": [picked[0].pk]}).status_code == 404
    assert client.get(ACT).status_code == 405
    assert everything() == before


@pytest.mark.parametrize("role", ["viewer", "duty editor"])
def test_the_wire_offers_picking_and_bulk_actions_to_a_duty_editor_only(client, feeds, role):
    picked = stories(feeds["ians"], 2)
    log_in(client, role)
    page = lxml.html.document_fromstring(client.get("/desk/").content)
    boxes = page.xpath("//table[@id='wire']//td[@class='pick']/input[@type='checkbox']")
    bulk = page.xpath("//form[@id='bulk']")
    if role == "viewer":
        assert boxes == [] and bulk == []
        return
    assert sorted(int(b.get("value")) for b in boxes) == sorted(s.pk for s in picked)
    assert {b.get("form") for b in boxes} == {"bulk"}
    [form] = bulk
    assert form.xpath(".//button[@name='action']/@value") == [
        "hold",
        "release",
        "withhold",
        "restore",
        "kill",
    ]
    rows = client.get("/desk/wire/rows?after=0").json()["html"]  # polled rows: picked alike
    fragment = lxml.html.fromstring(f"<table>{rows}</table>")
    assert len(fragment.xpath("//td[@class='pick']/input[@form='bulk']")) == 2
