"""Every hand action goes through the same steps (stories/editorial.py `_act`): among them, a
grouped story's change elects its group's lead anew, whichever action changed it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model

from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.stories import editorial
from wiredesk.stories.models import LifecycleEvent, Story

from .options import with_options
from .surfaces import HIDDEN, VISIBLE, surfaces
from .wire_builder import g2_item

T0 = datetime(2021, 10, 14, 4, 0, tzinfo=UTC)
SAME_EVENT = (
    "NEW DELHI, Oct 14 The south-west monsoon has withdrawn from most of north India, the "
    "India Meteorological Department said on Thursday, and is expected to withdraw from the "
    "rest of the country by the end of the month as dry northerly winds set in."
)
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def editor():
    return get_user_model().objects.create_superuser("alice", "alice@news.example", "pw-123456789")


@pytest.fixture
def first_policy(settings):
    """Readers see only the first story of a group of near-duplicates."""
    with_options(settings, duplicates={"policy": "first"})


def _grouped(feeds, clock) -> tuple[Story, Story]:
    """Two agencies' copies of one event: Harbour's first (the lead), IANS's three minutes on."""
    ingest_bytes(feeds["harbour"], g2_item("urn:hns:1", 1, T0, paragraphs=(SAME_EVENT,)), "h.xml")
    clock.shift(timedelta(minutes=3))
    ingest_bytes(
        feeds["ians"],
        g2_item("urn:ians:1", 1, T0 + timedelta(minutes=3), paragraphs=(SAME_EVENT,)),
        "i.xml",
    )
    harbour, ians = Story.objects.get(item_id="urn:hns:1"), Story.objects.get(item_id="urn:ians:1")
    assert harbour.group_id is not None and harbour.group_id == ians.group_id
    assert (harbour.is_lead, ians.is_lead) == (True, False)
    return harbour, ians


def _leads(*stories: Story) -> tuple[bool, ...]:
    return tuple(Story.objects.get(pk=s.pk).is_lead for s in stories)


def test_accepting_the_agency_s_version_of_a_grouped_story_elects_the_group_s_lead(
    feeds, clock, editor, client, first_policy
):
    harbour, ians = _grouped(feeds, clock)
    clock.shift(timedelta(minutes=2))
    editorial.correct(
        ians.pk, editor, "Spelling of the department", body_text=SAME_EVENT + " Fixed."
    )
    # IANS's next version says it was first written before Harbour's: the desk's
    # correction stands, so its words (and that date) wait for an editor.
    clock.shift(timedelta(minutes=5))
    ingest_bytes(
        feeds["ians"],
        g2_item(
            "urn:ians:1",
            2,
            T0 + timedelta(minutes=10),
            paragraphs=(SAME_EVENT,),
            first_created=T0 - timedelta(minutes=10),
        ),
        "i2.xml",
    )
    assert _leads(harbour, ians) == (True, False)
    [accepted] = editorial.accept_agency([ians.pk], editor, "The agency's words are right")
    accepted.refresh_from_db()
    assert accepted.first_published_at == T0 - timedelta(minutes=10)
    assert not accepted.corrected_by_desk
    # IANS's copy is the first now: it leads the group, as after any other action.
    assert _leads(harbour, ians) == (False, True)
    assert surfaces(client, ians) == VISIBLE and surfaces(client, harbour) == HIDDEN
    assert LifecycleEvent.objects.filter(story=ians, kind="accepted").exists()


@pytest.mark.parametrize(
    ("action", "back"), [(editorial.withhold, editorial.restore), (editorial.kill, None)]
)
def test_taking_a_group_s_lead_off_the_site_elects_the_next_and_back_again(
    feeds, clock, editor, client, first_policy, action, back
):
    harbour, ians = _grouped(feeds, clock)
    assert action([harbour.pk], editor, "Checking a claim")
    assert _leads(harbour, ians) == (False, True)
    assert surfaces(client, ians) == VISIBLE
    if back is not None:
        assert back([harbour.pk], editor, "Claim checked")
        assert _leads(harbour, ians) == (True, False)
        assert surfaces(client, harbour) == VISIBLE and surfaces(client, ians) == HIDDEN


def test_an_action_that_does_not_apply_changes_and_logs_nothing(feeds, clock, editor, first_policy):
    harbour, _ians = _grouped(feeds, clock)
    assert editorial.restore([harbour.pk], editor, "Not withheld") == []
    assert editorial.reject_agency([harbour.pk], editor, "No correction") == []
    assert not LifecycleEvent.objects.filter(kind__in=["restored", "rejected"]).exists()


def test_the_desk_and_the_admin_offer_exactly_the_hand_actions_of_the_table(
    feeds, clock, editor, client, rf, first_policy
):
    from django.contrib import admin

    from wiredesk.desk import story_actions
    from wiredesk.stories import rules
    from wiredesk.stories.hand_actions import HAND_ACTIONS

    # Every action the rules know is the table's, but a correction (a form of its own).
    assert set(rules.Action) == {*HAND_ACTIONS, rules.Action.CORRECT}
    assert {hand.name for hand in HAND_ACTIONS.values()} == set(HAND_ACTIONS)
    # The desk: a story's page posts the table's names, and no other hand action is taken.
    assert {name: hand.operation for name, hand in HAND_ACTIONS.items()} == story_actions.HAND
    harbour, _ians = _grouped(feeds, clock)
    client.force_login(editor)
    for name in HAND_ACTIONS:
        posted = client.post(f"/desk/story/{harbour.pk}/act", {"action": name, "reason": "x"})
        assert posted.status_code == 302, name
    for name in ("accept_agency", "reject_agency", "delete_selected"):
        posted = client.post(f"/desk/story/{harbour.pk}/act", {"action": name, "reason": "x"})
        assert posted.status_code == 404, name
    # The admin: the table's actions under the editorial functions' names, and a correction.
    request = rf.get("/admin/stories/story/")
    request.user = editor
    offered = admin.site.get_model_admin(Story).get_actions(request)
    assert set(offered) == {*(hand.admin_name for hand in HAND_ACTIONS.values()), "correct"}
    for hand in HAND_ACTIONS.values():
        _function, name, description = offered[hand.admin_name]
        assert description.startswith(f"{hand.verb} the selected stories")
        assert ("asks why" in description) == hand.reason_required
        assert hand.reason_required == (hand.name in rules.REASON_REQUIRED)


def test_a_correction_runs_through_the_same_steps_as_every_hand_action(
    feeds, clock, editor, first_policy, monkeypatch
):
    harbour, ians = _grouped(feeds, clock)
    steps = []
    real_act = editorial._act

    def counted(action, *args, **kwargs):
        steps.append(action)
        return real_act(action, *args, **kwargs)

    monkeypatch.setattr(editorial, "_act", counted)
    version = editorial.correct(ians.pk, editor, "The agency's headline misspelt the city", "Fixed")
    assert steps == [editorial.rules.Action.CORRECT]
    assert version.signal == "correction" and Story.objects.get(pk=ians.pk).headline == "Fixed"
    logged = LifecycleEvent.objects.filter(story=ians, kind=LifecycleEvent.Kind.CORRECTED).get()
    assert logged.reason == "The agency's headline misspelt the city (changed: headline)"
    # The same steps: the group's lead is elected anew (the first copy still leads).
    assert _leads(harbour, ians) == (True, False)
    editorial.kill([ians.pk], editor, "Court order")
    with pytest.raises(editorial.NothingToCorrect, match="killed"):
        editorial.correct(ians.pk, editor, "Too late", "Again")
    assert steps == [
        editorial.rules.Action.CORRECT,
        editorial.rules.Action.KILL,
        editorial.rules.Action.CORRECT,
    ]
