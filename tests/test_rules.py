"""The lifecycle's rules alone: plain functions, no database (no `db` fixture anywhere here)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wiredesk.stories import rules
from wiredesk.stories.rules import Action, Incoming, Known, Step, decide_hand, decide_item

NOW = datetime(2021, 10, 14, 12, 0, tzinfo=UTC)
EARLIER, LATER = NOW - timedelta(hours=1), NOW + timedelta(hours=1)


def item(status="usable", signal=None, advisory=False, at=NOW, embargo=None) -> Incoming:
    return Incoming(status, signal, advisory, at, embargo)


def test_a_canceled_item_or_a_kill_signal_kills_whatever_is_stored():
    for incoming in (item("canceled"), item(signal="kill")):
        for known in (None, Known(rules.PUBLISHED), Known(rules.HELD, held_for_editor=True)):
            assert decide_item(known, incoming, NOW).step == Step.KILL


def test_an_advisory_never_becomes_a_story():
    decision = decide_item(None, item(advisory=True), NOW)
    assert (decision.step, decision.reason) == (Step.SKIP, "advisory")


@pytest.mark.parametrize(
    ("incoming", "state"),
    [
        (item(), rules.PUBLISHED),
        (item("withheld"), rules.WITHHELD),
        (item(embargo=LATER), rules.EMBARGOED),
        (item(embargo=EARLIER), rules.PUBLISHED),  # an embargo already over
    ],
)
def test_a_new_story_takes_the_state_its_first_version_gives(incoming, state):
    assert decide_item(None, incoming, NOW) == rules.Decision(Step.CREATE, state)


def test_a_story_killed_before_it_arrived_is_created_killed_never_published():
    decision = decide_item(None, item(), NOW, killed_in_advance=True)
    assert (decision.step, decision.state) == (Step.CREATE, rules.KILLED)


def test_the_same_version_again_changes_nothing():
    known = Known(rules.PUBLISHED, newest_at=NOW)
    assert decide_item(known, item(), NOW, version_stored=True).step == Step.REPEAT


def test_a_newer_version_is_shown_an_older_one_arriving_late_is_kept():
    known = Known(rules.PUBLISHED, newest_at=NOW)
    assert decide_item(known, item(at=LATER), NOW) == rules.Decision(Step.SHOW, rules.PUBLISHED)
    late = decide_item(known, item(at=EARLIER), NOW)
    assert (late.step, late.state) == (Step.KEEP, rules.PUBLISHED)


def test_a_killed_story_stays_killed_whatever_comes_after():
    decision = decide_item(Known(rules.KILLED, newest_at=NOW), item(at=LATER), NOW)
    assert (decision.step, decision.state) == (Step.KEEP, rules.KILLED)


def test_the_desk_s_withhold_and_hold_outlast_the_agency_s_next_version():
    withheld = Known(rules.WITHHELD, held_by_desk=True, newest_at=NOW)
    assert decide_item(withheld, item(at=LATER), NOW).state == rules.WITHHELD
    held = Known(rules.HELD, held_for_editor=True, newest_at=NOW)
    assert decide_item(held, item(at=LATER), NOW).state == rules.HELD


def test_a_version_after_a_desk_correction_waits_for_an_editor_but_its_status_is_obeyed():
    corrected = Known(rules.PUBLISHED, corrected_by_desk=True, newest_at=NOW)
    usable = decide_item(corrected, item(at=LATER), NOW)
    assert (usable.step, usable.state) == (Step.KEEP_FOR_EDITOR, rules.PUBLISHED)
    withheld = decide_item(corrected, item("withheld", at=LATER), NOW)
    assert (withheld.step, withheld.state) == (Step.KEEP_FOR_EDITOR, rules.WITHHELD)
    # An older version's status says nothing of the story now.
    late = decide_item(corrected, item("withheld", at=EARLIER), NOW)
    assert (late.step, late.state) == (Step.KEEP_FOR_EDITOR, rules.PUBLISHED)


def test_hand_actions_on_a_killed_story_never_apply():
    killed = Known(rules.KILLED)
    for action in Action:
        decision = decide_hand(action, killed)
        assert not decision.applies and decision.known == killed


def test_withhold_then_restore_gives_the_state_the_agency_s_newest_version_gives():
    published = Known(rules.PUBLISHED, newest_state=rules.PUBLISHED)
    withheld = decide_hand(Action.WITHHOLD, published)
    assert withheld.applies and withheld.known.state == rules.WITHHELD
    assert not decide_hand(Action.WITHHOLD, withheld.known).applies  # once is enough
    restored = decide_hand(Action.RESTORE, withheld.known)
    assert restored.known == published
    embargoed = Known(rules.WITHHELD, held_by_desk=True, newest_state=rules.EMBARGOED)
    assert decide_hand(Action.RESTORE, embargoed).known.state == rules.EMBARGOED


def test_hold_is_for_stories_not_yet_public_and_release_lets_them_go():
    refused = decide_hand(Action.HOLD, Known(rules.PUBLISHED))
    assert not refused.applies and "withhold it instead" in refused.reason
    embargoed = Known(rules.EMBARGOED, newest_state=rules.EMBARGOED)
    held = decide_hand(Action.HOLD, embargoed)
    assert held.applies and held.known.state == rules.HELD
    # The embargo ended while it was held: released, it is public at once.
    over = Known(rules.HELD, held_for_editor=True, newest_state=rules.PUBLISHED)
    assert decide_hand(Action.RELEASE, over).known.state == rules.PUBLISHED
    assert not decide_hand(Action.RELEASE, embargoed).applies  # nothing to release


def test_accept_drops_the_correction_reject_keeps_it():
    corrected = Known(rules.PUBLISHED, corrected_by_desk=True, newest_state=rules.PUBLISHED)
    accepted = decide_hand(Action.ACCEPT, corrected)
    assert accepted.applies and not accepted.known.corrected_by_desk
    rejected = decide_hand(Action.REJECT, corrected)
    assert rejected.applies and rejected.known.corrected_by_desk
    assert not decide_hand(Action.ACCEPT, Known(rules.PUBLISHED)).applies


def test_every_hand_action_but_a_release_asks_why():
    assert set(Action) - rules.REASON_REQUIRED == {Action.RELEASE}


def test_an_unknown_hand_action_is_an_error_naming_the_known_ones():
    with pytest.raises(ValueError, match="kill, withhold"):
        decide_hand("publish-everything", Known(rules.PUBLISHED))


@pytest.mark.parametrize(
    ("notice", "named"),
    [
        ("KILL: urn:ians:123 withdrawn", True),
        ("Kill the story slugged MONSOON-NORTH please", True),
        ("Kill the story slugged MONSOON-NORTH-2 please", False),  # another slug
        ("Please kill: Monsoon withdraws from north India", True),
        ("Please kill: Monsoon", False),  # too short a headline to match by chance
    ],
)
def test_a_kill_notice_names_a_story_by_id_slugline_or_whole_headline(notice, named):
    args = ("urn:ians:123", "MONSOON-NORTH", "Monsoon withdraws from north India")
    assert rules.words_name_story(notice, *args) is named


def member(pk, agency, state=rules.PUBLISHED, minutes=0):
    return rules.Member(pk, agency, state, NOW + timedelta(minutes=minutes))


def test_a_group_s_lead_under_each_duplicate_policy():
    group = [member(1, "ians", minutes=5), member(2, "pti", minutes=0), member(3, "ani", minutes=9)]
    assert rules.leads(group, "all") == {1, 2, 3}
    assert rules.leads(group, "first") == {2}
    assert rules.leads(group, "preferred", ["ani", "ians"]) == {3}
    assert rules.leads(group, "preferred", ["reuters"]) == {2}  # none preferred: the first


def test_a_killed_withheld_or_held_story_never_leads_its_group():
    for state in (rules.KILLED, rules.WITHHELD, rules.HELD):
        group = [member(1, "pti", state, minutes=0), member(2, "ians", minutes=5)]
        assert rules.leads(group, "first") == {2}
        assert rules.leads(group, "preferred", ["pti"]) == {2}


VERSION_STATES = st.sampled_from([rules.PUBLISHED, rules.EMBARGOED, rules.WITHHELD])


@st.composite
def stored_stories(draw) -> Known:
    """A story as the lifecycle can leave it: its state agrees with the desk's flags."""
    held_by_desk, held_for_editor = draw(st.booleans()), draw(st.booleans())
    shown = draw(VERSION_STATES)
    return Known(
        state=rules.shown_state(shown, held_by_desk, held_for_editor),
        held_by_desk=held_by_desk,
        held_for_editor=held_for_editor,
        corrected_by_desk=draw(st.booleans()),
        newest_at=draw(st.sampled_from([None, EARLIER, NOW, LATER])),
        newest_state=draw(VERSION_STATES),
    )


KNOWN = stored_stories()
INCOMING = st.builds(
    Incoming,
    pub_status=st.sampled_from(["usable", "withheld", "canceled"]),
    signal=st.sampled_from([None, "kill", "correction", "update"]),
    is_advisory=st.booleans(),
    effective_at=st.sampled_from([EARLIER, NOW, LATER]),
    embargoed_until=st.sampled_from([None, EARLIER, LATER]),
)


@given(KNOWN, INCOMING)
def test_an_agency_never_undoes_an_editor_s_withhold_or_hold(known, incoming):
    decision = decide_item(known, incoming, NOW)
    if decision.step in (Step.KILL, Step.SKIP, Step.REPEAT):
        return
    if known.held_by_desk:
        assert decision.state == rules.WITHHELD
    elif known.held_for_editor:
        assert decision.state == rules.HELD
    if decision.state == rules.PUBLISHED:
        assert not (known.held_by_desk or known.held_for_editor)


@given(KNOWN, st.sampled_from(list(Action)))
def test_a_hand_action_leaves_a_state_the_flags_agree_with(known, action):
    after = decide_hand(action, known).known
    if after.state == rules.KILLED:
        return
    assert after.state == rules.shown_state(after.state, after.held_by_desk, after.held_for_editor)
