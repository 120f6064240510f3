"""Story lifecycle on every surface, with the clock under the test's control.

Versions, provenance, corrections, kills (by status, signal and notice; before
and after the story), withheld, embargo, advisories, duplicates, and caches.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import lxml.html
import pytest
import time_machine

from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.stories.models import KillNotice, Story
from wiredesk.stories.releases import release_embargoes

from .helpers import visible_text
from .options import with_options
from .surfaces import GONE, HIDDEN, VISIBLE, surfaces
from .wire_builder import g2_item

T0 = datetime(2021, 10, 14, 4, 0, tzinfo=UTC)
GUID = "urn:newsml:wire.example:20211014:monsoon"


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def deliver(feeds, clock):
    """Deliver bytes through an agency's feed at the current (controlled) time."""

    def _deliver(data: bytes, agency: str = "ians"):
        return ingest_bytes(feeds[agency], data, origin="test.xml")

    return _deliver


def story() -> Story:
    return Story.objects.get(item_id=GUID)


def page_text(client, s: Story) -> str:
    s.refresh_from_db()
    return visible_text(lxml.html.fromstring(client.get(s.get_absolute_url()).content))


# 1. Versions ------------------------------------------------------------------


def test_later_version_replaces_text_and_shows_updated(client, deliver, clock):
    deliver(g2_item(GUID, 1, T0, paragraphs=("NEW DELHI, Oct 14 First take.",)))
    clock.shift(timedelta(minutes=11))
    deliver(
        g2_item(GUID, 2, T0 + timedelta(minutes=11), paragraphs=("NEW DELHI, Oct 14 Full story.",))
    )
    text = page_text(client, story())
    assert "Full story." in text and "First take." not in text
    assert "Updated: October 14, 2021 09:41 AM" in text
    assert surfaces(client, story()) == VISIBLE


def test_older_version_arriving_late_never_overwrites_newer(client, deliver, clock):
    deliver(g2_item(GUID, 2, T0 + timedelta(minutes=11), paragraphs=("NEW DELHI, Oct 14 Newer.",)))
    clock.shift(timedelta(minutes=20))
    report = deliver(g2_item(GUID, 1, T0, paragraphs=("NEW DELHI, Oct 14 Older.",)))
    assert report.actions == {"stored": 1}
    assert "Newer." in page_text(client, story())
    assert story().version_count == 2


# 2. Provenance -----------------------------------------------------------------


def test_provenance_page_lists_versions_with_hashes_and_a_readable_diff(client, deliver, clock):
    import hashlib

    v1 = g2_item(
        GUID,
        1,
        T0,
        paragraphs=("NEW DELHI, Oct 14 The monsoon has withdrawn.",),
        ednote="Desk only: do not publish this note",
    )
    v2 = g2_item(
        GUID,
        2,
        T0 + timedelta(minutes=5),
        paragraphs=(
            "NEW DELHI, Oct 14 The monsoon has fully withdrawn.",
            "More rain is not expected.",
        ),
    )
    deliver(v1)
    clock.shift(timedelta(minutes=5))
    deliver(v2)
    s = story()
    response = client.get(f"/story/{s.pk}/{s.slug}/versions/")
    assert response.status_code == 200
    tree = lxml.html.fromstring(response.content)
    codes = tree.xpath("//dd/code/text()")
    assert hashlib.sha256(v1).hexdigest() in codes and hashlib.sha256(v2).hexdigest() in codes
    expected_text = (
        "NEW DELHI, Oct 14 The monsoon has fully withdrawn.\n\nMore rain is not expected."
    )
    assert hashlib.sha256(expected_text.encode()).hexdigest() in codes
    assert [e.text_content() for e in tree.xpath("//div[@class='diff']//ins")] == [
        "fully",
        "More rain is not expected.",
    ]
    assert "Desk only" not in response.content.decode()  # editor's notes are never shown
    assert len(tree.xpath("//ol[@class='versions']/li")) == 2


# 3. Corrections -----------------------------------------------------------------


def test_correction_is_labelled_and_bumps_the_modified_time(client, deliver, clock):
    deliver(g2_item(GUID, 1, T0))
    clock.shift(timedelta(hours=1))
    deliver(
        g2_item(
            GUID,
            2,
            T0 + timedelta(hours=1),
            signal="correction",
            paragraphs=("NEW DELHI, Oct 14 Corrected text.",),
        )
    )
    s = story()
    assert s.is_correction
    tree = lxml.html.fromstring(client.get(s.get_absolute_url()).content)
    assert tree.xpath("//p[@class='meta']/span[@class='badge']/text()") == ["Correction"]
    assert tree.xpath("//meta[@property='article:modified_time']/@content") == [
        "2021-10-14T10:30:00+05:30"
    ]


# 4. Kills --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kill",
    [
        {"status": "canceled"},
        {"signal": "kill"},
        {"headline": "KILL - Monsoon withdraws from north India"},
        {"ednote": "Please kill this story. A kill is mandatory."},
    ],
    ids=["canceled", "kill-signal", "kill-headline", "mandatory-kill-note"],
)
def test_kill_takes_the_story_off_every_surface_for_good(client, deliver, clock, kill):
    deliver(g2_item(GUID, 1, T0))
    assert surfaces(client, story()) == VISIBLE
    clock.shift(timedelta(minutes=30))
    deliver(g2_item(GUID, 2, T0 + timedelta(minutes=30), **kill))
    assert story().state == Story.State.KILLED
    assert surfaces(client, story()) == GONE
    # A later usable version does not bring it back, and its URL stays 410.
    clock.shift(timedelta(minutes=30))
    deliver(g2_item(GUID, 3, T0 + timedelta(hours=1)))
    assert surfaces(client, story()) == GONE


def test_kill_advisory_as_a_separate_item_kills_the_story_it_names(client, deliver, clock):
    deliver(g2_item(GUID, 1, T0, headline="Ferry capsizes off the coast of Kerala"))
    clock.shift(timedelta(minutes=30))
    report = deliver(
        g2_item(
            "urn:newsml:wire.example:advisory-77",
            1,
            T0 + timedelta(minutes=30),
            headline="Advisory",
            paragraphs=(
                'Please kill the story "Ferry capsizes off the coast of Kerala". '
                "A kill is mandatory.",
            ),
        )
    )
    assert report.actions == {"killed": 1}
    assert surfaces(client, story()) == GONE
    assert not Story.objects.filter(item_id__contains="advisory").exists()  # never a story


def test_per_source_kill_pattern(client, deliver, clock, feeds):
    agency = feeds["ians"].agency
    agency.kill_patterns = [r"(?i)^\s*ELIMINAR\b"]
    agency.save()
    deliver(g2_item(GUID, 1, T0))
    clock.shift(timedelta(minutes=5))
    deliver(g2_item(GUID, 2, T0 + timedelta(minutes=5), headline="Eliminar: noticia retirada"))
    assert surfaces(client, story()) == GONE


def test_a_story_reporting_a_killing_is_not_a_kill_notice(client, deliver):
    deliver(
        g2_item(
            GUID,
            1,
            T0,
            headline="Tiger kills two in Sundarbans",
            paragraphs=("KOLKATA, Oct 14 A tiger killed two fishermen, officials said.",),
        )
    )
    assert surfaces(client, story()) == VISIBLE


def test_kill_before_its_story_means_it_is_never_published(client, deliver, clock, caplog):
    with caplog.at_level(logging.WARNING, logger="wiredesk.stories"):
        report = deliver(g2_item(GUID, 2, T0, status="canceled"))
    assert report.actions == {"skipped": 1}
    assert "kill for unknown story" in caplog.text and GUID in caplog.text
    assert KillNotice.objects.filter(item_id=GUID).exists()
    clock.shift(timedelta(minutes=5))
    deliver(g2_item(GUID, 1, T0 - timedelta(minutes=5)))
    assert story().state == Story.State.KILLED
    assert surfaces(client, story()) == GONE


def test_killed_url_is_never_given_to_another_story(client, deliver, clock):
    deliver(g2_item(GUID, 1, T0))
    killed = story()
    deliver(g2_item(GUID, 2, T0 + timedelta(minutes=1), status="canceled"))
    deliver(g2_item("urn:other", 1, T0 + timedelta(minutes=2), headline=killed.headline))
    other = Story.objects.get(item_id="urn:other")
    assert other.pk != killed.pk
    assert client.get(f"/story/{killed.pk}/{killed.slug}/").status_code == 410
    assert client.get(other.get_absolute_url()).status_code == 200


# 5. Withheld -------------------------------------------------------------------------------


def test_withheld_hides_the_story_until_a_usable_version_arrives(client, deliver, clock):
    deliver(g2_item(GUID, 1, T0))
    clock.shift(timedelta(minutes=5))
    deliver(g2_item(GUID, 2, T0 + timedelta(minutes=5), status="withheld"))
    assert surfaces(client, story()) == HIDDEN
    clock.shift(timedelta(minutes=5))
    deliver(
        g2_item(GUID, 3, T0 + timedelta(minutes=10), paragraphs=("NEW DELHI, Oct 14 Cleared.",))
    )
    assert surfaces(client, story()) == VISIBLE
    assert "Cleared." in page_text(client, story())


def test_withheld_first_version_is_never_shown(client, deliver):
    deliver(g2_item(GUID, 1, T0, status="withheld"))
    assert surfaces(client, story()) == HIDDEN


# 6. Embargo ---------------------------------------------------------------------------------


def test_nothing_is_visible_before_the_embargo_ends_then_it_is_released(client, deliver, clock):
    embargo = T0 + timedelta(hours=2)
    deliver(g2_item(GUID, 1, T0, embargo=embargo))
    assert story().state == Story.State.EMBARGOED
    assert surfaces(client, story()) == HIDDEN
    clock.move_to(embargo - timedelta(seconds=1))
    assert release_embargoes(datetime.now(UTC)) == []
    assert surfaces(client, story()) == HIDDEN
    clock.move_to(embargo)
    assert surfaces(client, story()) == VISIBLE  # visible at the second it ends
    assert [s.pk for s in release_embargoes(datetime.now(UTC))] == [story().pk]
    assert story().state == Story.State.PUBLISHED
    # Published at the end of its embargo, not before.
    assert story().first_published_at == embargo


def test_an_update_during_embargo_stays_embargoed(client, deliver, clock):
    embargo = T0 + timedelta(hours=2)
    deliver(g2_item(GUID, 1, T0, embargo=embargo))
    clock.shift(timedelta(minutes=30))
    deliver(
        g2_item(
            GUID,
            2,
            T0 + timedelta(minutes=30),
            embargo=embargo,
            paragraphs=("NEW DELHI, Oct 14 Updated under embargo.",),
        )
    )
    assert surfaces(client, story()) == HIDDEN


# 7. Advisories and editor notes ----------------------------------------------------------------


@pytest.mark.parametrize(
    "headline", ["ADVISORY: Budget coverage plans", "EDITORS NOTE: corrected slug"]
)
def test_advisories_are_never_published(client, deliver, headline):
    report = deliver(g2_item(GUID, 1, T0, headline=headline))
    assert report.actions == {"skipped": 1}
    assert not Story.objects.exists()


def test_editor_notes_are_never_published(client, deliver):
    deliver(g2_item(GUID, 1, T0, ednote="Note to desk: second take follows"))
    assert "second take follows" not in client.get(story().get_absolute_url()).content.decode()


# 8. Duplicates ------------------------------------------------------------------------------------

SAME_EVENT = (
    "NEW DELHI, Oct 14 The south-west monsoon has withdrawn from most of north India, the "
    "India Meteorological Department said on Thursday, and is expected to withdraw from the "
    "rest of the country by the end of the month as dry northerly winds set in."
)


def test_same_item_through_two_feeds_of_an_agency_is_one_story(feeds, clock):
    from wiredesk.sources.models import Feed

    second = Feed.objects.create(
        agency=feeds["ians"].agency,
        slug="ians-rss",
        transport="http",
        location="https://ians.example/rss",
    )
    ingest_bytes(feeds["ians"], g2_item(GUID, 1, T0), "ftp.xml")
    assert ingest_bytes(second, g2_item(GUID, 1, T0), "rss.xml").actions == {"unchanged": 1}
    assert Story.objects.count() == 1


def _two_agencies(deliver, clock):
    deliver(g2_item("urn:hns:1", 1, T0, paragraphs=(SAME_EVENT,)), agency="harbour")
    clock.shift(timedelta(minutes=3))
    deliver(g2_item("urn:ians:1", 1, T0 + timedelta(minutes=3), paragraphs=(SAME_EVENT,)))
    clock.shift(timedelta(minutes=3))
    deliver(
        g2_item(
            "urn:nl:1",
            1,
            T0 + timedelta(minutes=6),
            paragraphs=(
                "SINGAPORE, Oct 14 A floating solar farm began supplying power on a "
                "reservoir in the west of the island on Thursday, the water agency said.",
            ),
        ),
        agency="northline",
    )
    return (
        Story.objects.get(item_id="urn:hns:1"),
        Story.objects.get(item_id="urn:ians:1"),
        Story.objects.get(item_id="urn:nl:1"),
    )


def test_near_duplicates_across_agencies_policy_all_shows_also_reported_by(client, deliver, clock):
    harbour, ians, other = _two_agencies(deliver, clock)
    assert harbour.group_id == ians.group_id == harbour.pk
    assert other.group_id is None
    assert surfaces(client, harbour) == VISIBLE and surfaces(client, ians) == VISIBLE
    text = page_text(client, ians)
    assert "Also reported by Harbour News Service" in text


def test_grouping_near_duplicates_is_written_in_the_lifecycle_log(deliver, clock):
    from wiredesk.stories.models import LifecycleEvent

    harbour, ians, _unrelated = _two_agencies(deliver, clock)
    events = LifecycleEvent.objects.filter(kind="grouped").order_by("story_id")
    assert [(e.story_id, e.agency.slug, e.actor) for e in events] == [
        (harbour.pk, "harbour", "duplicate grouping"),
        (ians.pk, "ians", "duplicate grouping"),
    ]
    assert all(f"group {harbour.pk}" in e.reason for e in events)


def test_near_duplicates_policy_first_shows_only_the_first(client, deliver, clock, settings):
    with_options(settings, duplicates={"policy": "first"})
    harbour, ians, other = _two_agencies(deliver, clock)
    assert surfaces(client, harbour) == VISIBLE
    assert surfaces(client, ians) == HIDDEN
    assert surfaces(client, other) == VISIBLE
    # If the first is killed, the next in the group is shown.
    deliver(g2_item("urn:hns:1", 2, T0 + timedelta(hours=1), status="canceled"), agency="harbour")
    assert surfaces(client, ians) == VISIBLE


def test_near_duplicates_policy_preferred_agency(client, deliver, clock, settings):
    with_options(settings, duplicates={"policy": "preferred", "preferred": ("ians",)})
    harbour, ians, _ = _two_agencies(deliver, clock)
    assert surfaces(client, ians) == VISIBLE
    assert surfaces(client, harbour) == HIDDEN
    assert "Also reported by Harbour News Service" in page_text(client, ians)


def test_another_agency_s_story_counts_for_grouping_within_the_window_only(deliver, clock):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from wiredesk.sources.models import Agency
    from wiredesk.stories.storage import band_index

    deliver(g2_item("urn:hns:1", 1, T0, paragraphs=(SAME_EVENT,)), agency="harbour")
    clock.shift(timedelta(hours=49))  # past the 48-hour window: no longer a candidate
    deliver(g2_item("urn:ians:1", 1, T0 + timedelta(hours=49), paragraphs=(SAME_EVENT,)))
    assert Story.objects.get(item_id="urn:ians:1").group_id is None
    clock.shift(timedelta(minutes=3))
    deliver(
        g2_item("urn:hns:2", 1, T0 + timedelta(hours=49, minutes=3), paragraphs=(SAME_EVENT,)),
        agency="harbour",
    )
    assert Story.objects.get(item_id="urn:hns:2").group_id is not None
    # Asked of every delivery, answered by the agencies' own note, never the stories.
    ians = Agency.objects.get(slug="ians")
    with CaptureQueriesContext(connection) as queries:
        assert band_index.others_since(ians.pk, timezone.now() - timedelta(hours=1))
    assert len(queries) == 1 and Story._meta.db_table not in queries[0]["sql"]
