"""Property: any sequence of deliveries leaves every surface consistent with the rules.

Versions out of order, repeats, corrections, kills before and after, embargoes
and withheld versions, with the clock moving forward between deliveries. A small
model of the rules says what each surface must show; the real pipeline must agree.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.stories.models import Delivery, KillNotice, Story, StoryVersion
from wiredesk.stories.releases import release_embargoes

from .surfaces import GONE, HIDDEN, VISIBLE, surfaces
from .wire_builder import g2_item

T0 = datetime(2021, 10, 14, 4, 0, tzinfo=UTC)
GUIDS = ("urn:wire:a", "urn:wire:b")


@dataclass
class Model:
    """The rules, written plainly: what a reader may see of each item."""

    versions: dict[str, dict[int, dict]] = field(default_factory=dict)
    killed: set[str] = field(default_factory=set)

    def deliver(self, guid: str, version: int, status: str, embargo: datetime | None) -> None:
        if status == "canceled":
            self.killed.add(guid)  # a kill is final, whenever it comes
            return
        self.versions.setdefault(guid, {}).setdefault(
            version, {"status": status, "embargo": embargo}
        )

    def expected(self, guid: str, now: datetime) -> dict | None:
        """Return the expected surfaces, or None when no story should exist at all."""
        if guid not in self.versions:
            return None  # only kills arrived: nothing was ever published
        if guid in self.killed:
            return GONE
        current = self.versions[guid][max(self.versions[guid])]
        if current["status"] == "withheld" or (current["embargo"] and current["embargo"] > now):
            return HIDDEN
        return VISIBLE

    def text(self, guid: str) -> str:
        return f"take {max(self.versions[guid])}"


DELIVERY = st.tuples(
    st.sampled_from(GUIDS),
    st.integers(1, 4),  # agency version; its versionCreated grows with it
    st.sampled_from(["usable", "usable", "usable", "withheld", "canceled"]),
    st.sampled_from([None, None, -30, 30, 90]),  # embargo, minutes after T0
    st.sampled_from([None, "correction"]),
    st.integers(0, 60),  # minutes the clock moves before this delivery
)


@pytest.mark.django_db
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(DELIVERY, min_size=1, max_size=7))
def test_any_sequence_of_deliveries_leaves_every_surface_consistent(client, feeds, steps):
    for model_class in (StoryVersion, KillNotice, Story, Delivery):
        model_class.objects.all().delete()
    model = Model()
    with time_machine.travel(T0, tick=False) as clock:
        for guid, version, status, embargo, signal, wait in steps:
            clock.shift(timedelta(minutes=wait))
            now = datetime.now(UTC)
            embargo_at = T0 + timedelta(minutes=embargo) if embargo is not None else None
            data = g2_item(
                guid,
                version,
                T0 + timedelta(minutes=version),
                status=status,
                signal=signal,
                embargo=embargo_at,
                paragraphs=(f"NEW DELHI, Oct 14 take {version}",),
            )
            ingest_bytes(feeds["ians"], data, origin="step.xml")
            release_embargoes(now)  # as the ingest loop does every tick
            model.deliver(guid, version, status, embargo_at)
            for each in GUIDS:
                expected = model.expected(each, now)
                story = Story.objects.filter(item_id=each).first()
                if expected is None:
                    assert story is None or surfaces(client, story) in (GONE, HIDDEN)
                    continue
                assert story is not None
                assert surfaces(client, story) == expected, repr((each, steps))
                if expected == VISIBLE:
                    assert story.body_text.endswith(model.text(each))


HAND = st.tuples(
    st.just("hand"),
    st.sampled_from(GUIDS),
    st.sampled_from(
        [
            "kill",
            "withhold",
            "withhold",
            "restore",
            "restore",
            "correct",
            "correct",
            "accept_agency",
            "hold",
            "hold",
            "release",
        ]
    ),
)
STEP = st.one_of(DELIVERY.map(lambda d: ("agency", *d)), HAND)


@pytest.mark.django_db
@settings(
    max_examples=int(os.environ.get("WIREDESK_LIFECYCLE_EXAMPLES", "30")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(STEP, min_size=1, max_size=8))
def test_any_interleaving_of_agency_deliveries_and_hand_actions_keeps_every_override(
    client, feeds, steps
):
    """An editor's kill is final, an editor's withhold or hold outlasts the agency's next
    versions, and so do an editor's words (the agency's status is still obeyed)."""
    from wiredesk.stories import editorial

    for model_class in (StoryVersion, KillNotice, Story, Delivery):
        model_class.objects.all().delete()
    model = Model()
    held: set[str] = set()  # withheld by the desk
    on_hold: set[str] = set()  # held by the desk before they were public
    corrected: dict[str, str] = {}  # guid -> the desk's words
    with time_machine.travel(T0, tick=False) as clock:
        for step in steps:
            if step[0] == "hand":
                _, guid, action = step
                story = Story.objects.filter(item_id=guid).first()
                if story is not None and action == "correct":
                    if guid not in model.killed:
                        words = f"{story.body_text} (desk {len(corrected) + 1})"
                        editorial.correct(story.pk, None, "property test", body_text=words)
                        corrected[guid] = words
                elif story is not None:
                    public = model.expected(guid, datetime.now(UTC)) == VISIBLE
                    getattr(editorial, action)([story.pk], None, f"{action} by the property test")
                    if action == "hold":
                        # Only a story not yet public, and not withheld by the desk.
                        if not (guid in model.killed or guid in held or public):
                            on_hold.add(guid)
                    elif action == "release":
                        on_hold.discard(guid)
                    elif guid not in model.killed:
                        if action == "kill":
                            model.killed.add(guid)
                        elif action == "withhold":
                            held.add(guid)
                        elif action == "restore":
                            held.discard(guid)
                        else:
                            corrected.pop(guid, None)
                now = datetime.now(UTC)
            else:
                _, guid, version, status, embargo, signal, wait = step
                clock.shift(timedelta(minutes=wait))
                now = datetime.now(UTC)
                embargo_at = T0 + timedelta(minutes=embargo) if embargo is not None else None
                data = g2_item(
                    guid,
                    version,
                    T0 + timedelta(minutes=version),
                    status=status,
                    signal=signal,
                    embargo=embargo_at,
                    paragraphs=(f"NEW DELHI, Oct 14 take {version}",),
                )
                ingest_bytes(feeds["ians"], data, origin="step.xml")
                release_embargoes(now)
                model.deliver(guid, version, status, embargo_at)
            for each in GUIDS:
                expected = model.expected(each, now)
                story = Story.objects.filter(item_id=each).first()
                if expected is None:
                    assert story is None or surfaces(client, story) in (GONE, HIDDEN)
                    continue
                if expected != GONE and (each in held or each in on_hold):
                    expected = HIDDEN  # the editor's hand, whatever the agency sent since
                assert story is not None
                assert surfaces(client, story) == expected, repr((each, steps))
                if expected == VISIBLE and each in corrected:
                    assert story.body_text == corrected[each]  # the desk's words stand
                elif expected == VISIBLE:
                    assert story.body_text.endswith(model.text(each))
