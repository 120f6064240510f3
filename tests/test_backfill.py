"""The bulk path: a delivery's run of new stories is written in a few statements, with the
same outcome as storing its items one by one; `wiredesk backfill` ingests an archive."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection

from wiredesk.ingest.prepare import PrepareOptions, prepare
from wiredesk.stories.duplicates import indexed_story_ids
from wiredesk.stories.models import KillNotice, Story, StoryVersion
from wiredesk.stories.search import search_stories
from wiredesk.stories.services import get_or_create_delivery, store_item, store_items
from wiredesk.syndication.models import OutboundMessage

from .test_lifecycle import SAME_EVENT
from .wire_builder import g2_item

T0 = datetime(2021, 10, 14, 4, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db(transaction=True)  # on_commit receivers run (outbox)


def _text(n: int) -> tuple[str, ...]:
    return (f"NEW DELHI, Oct 14 Story number {n} tells of the harvest in district {n} and "
            f"the rains that came late to village {n * 7} this year.",)  # fmt: skip


def _items():
    """One delivery's items, in order, touching every rule the bulk path must keep."""
    later = T0 + timedelta(minutes=5)
    parts = [
        g2_item("urn:a", 1, T0, headline="First story", paragraphs=_text(1)),
        g2_item("urn:b", 1, T0, headline="Embargoed story", paragraphs=_text(2),
                embargo=T0 + timedelta(days=3650)),
        g2_item("urn:c", 1, T0, headline="Withheld story", paragraphs=_text(3), status="withheld"),
        g2_item("urn:a", 2, later, headline="First story, updated", paragraphs=_text(11)),
        g2_item("urn:d", 1, T0, headline="Monsoon withdraws", paragraphs=(SAME_EVENT,)),
        g2_item("urn:e", 2, later, headline="Killed in advance", status="canceled"),
        g2_item("urn:e", 1, T0, headline="Killed in advance", paragraphs=_text(5)),
        g2_item("urn:f", 1, T0, headline="Sent twice", paragraphs=_text(6)),
        g2_item("urn:f", 1, T0, headline="Sent twice", paragraphs=_text(6)),
        g2_item("urn:g", 1, T0, headline="Last story", paragraphs=_text(7)),
    ]  # fmt: skip
    return [item for part in parts for item in prepare(part, PrepareOptions()).items]


def _snapshot(agency) -> dict:
    stories = Story.objects.filter(agency=agency).order_by("item_id")
    return {
        "stories": [(s.item_id, s.state, s.headline, s.version_count, s.is_lead,
                     s.group_id is not None, s.minhash is not None) for s in stories],
        "versions": sorted(StoryVersion.objects.filter(story__agency=agency)
                           .values_list("story__item_id", "version")),
        "banded": len(indexed_story_ids([s.pk for s in stories])),
        "found": sorted(s.item_id for s in search_stories("harvest")),
        "outbox": Counter(OutboundMessage.objects.values_list("event", flat=True)),
        "notices": KillNotice.objects.filter(agency=agency).count(),
    }  # fmt: skip


def _forget(agency, other: Story) -> None:
    """Undo a run: remove the agency's stories (and their search rows) and the outbox."""
    ids = list(Story.objects.filter(agency=agency).values_list("pk", flat=True))
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for pk in ids:
                cursor.execute("DELETE FROM story_search WHERE rowid = %s", [pk])
    KillNotice.objects.filter(agency=agency).delete()
    StoryVersion.objects.filter(story__agency=agency).delete()
    Story.objects.filter(pk__in=ids).delete()
    OutboundMessage.objects.all().delete()
    Story.objects.filter(pk=other.pk).update(group_id=None, is_lead=True)


def test_store_items_gives_the_outcome_of_one_by_one(feeds, settings):
    settings.WIREDESK = {**settings.WIREDESK, "INDEXNOW_KEY": "k" * 32}
    harbour = feeds["harbour"]
    from wiredesk.ingest.pipeline import ingest_bytes

    ingest_bytes(harbour, g2_item("urn:hns:1", 1, T0, paragraphs=(SAME_EVENT,)), "hns.xml")
    other = Story.objects.get(item_id="urn:hns:1")
    OutboundMessage.objects.all().delete()  # count only what the runs below queue
    agency = feeds["ians"].agency
    delivery = get_or_create_delivery(b"delivery", feeds["ians"], "d.xml", T0)
    now = T0 + timedelta(minutes=10)

    bulk = [o.action for o in store_items(agency, _items(), delivery, now)]
    in_bulk = _snapshot(agency)
    _forget(agency, other)
    one_by_one = [store_item(agency, item, delivery, now).action for item in _items()]

    assert bulk == one_by_one == ["published", "stored", "stored", "updated", "published",
                                  "skipped", "killed", "published", "unchanged", "published"]  # fmt: skip
    assert in_bulk == _snapshot(agency)
    # And what both did is right: grouped with the other agency's story, found by search
    # only while visible, one ping per published story or update.
    assert ("urn:d", "published", "Monsoon withdraws", 1, True, True, True) in in_bulk["stories"]
    assert in_bulk["found"] == ["urn:a", "urn:f", "urn:g"]
    assert in_bulk["outbox"] == {"story.published": 4, "story.updated": 1}


def test_backfill_command_ingests_an_archive_in_name_order(feeds, tmp_path, capsys):
    archive = tmp_path / "archive"
    (archive / "2021").mkdir(parents=True)
    (archive / "2021" / "0001.xml").write_bytes(g2_item("urn:a", 1, T0, paragraphs=_text(1)))
    (archive / "2021" / "0002.xml").write_bytes(g2_item("urn:b", 1, T0, paragraphs=_text(2)))
    (archive / "2021" / "0003.xml").write_bytes(b"<newsItem><broken")
    (archive / "2021" / "0004.xml").write_bytes(
        g2_item("urn:a", 2, T0 + timedelta(minutes=1), status="canceled")
    )
    (archive / ".hidden.xml").write_bytes(g2_item("urn:z", 1, T0))
    call_command("backfill", "ians-inbox", str(archive), "--workers", "1")
    out = capsys.readouterr()
    assert "4 deliveries (1 quarantined): 1 killed, 2 published" in out.out
    assert "quarantined 0003.xml" in out.err
    states = dict(Story.objects.values_list("item_id", "state"))
    assert states == {"urn:a": "killed", "urn:b": "published"}  # the kill came after, in order


def test_backfill_refuses_an_unknown_feed(feeds, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no feed 'nope'"):
        call_command("backfill", "nope", str(tmp_path))
