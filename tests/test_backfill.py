"""The bulk path: a delivery's run of new stories is written in a few statements, with the
same outcome as storing its items one by one; `wiredesk backfill` ingests an archive."""

from __future__ import annotations

import os
from collections import Counter
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, transaction

from wiredesk.ingest import backfill as backfill_module
from wiredesk.ingest.backfill import backfill
from wiredesk.ingest.prepare import PrepareOptions, prepare
from wiredesk.stories import storage
from wiredesk.stories.duplicates import _bands
from wiredesk.stories.models import KillNotice, Story, StoryVersion
from wiredesk.stories.search import search_stories
from wiredesk.stories.services import get_or_create_delivery, store_item, store_items
from wiredesk.stories.storage import bulk_load as bulk_load_module
from wiredesk.stories.storage.band_index import stories_sharing
from wiredesk.syndication.models import OutboundMessage
from wiredesk.wire.similarity import signature

from .bands import EPOCH, indexed_story_ids
from .options import with_options
from .test_lifecycle import SAME_EVENT
from .wire_builder import g2_item

T0 = datetime(2021, 10, 14, 4, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db(transaction=True)  # on_commit receivers run (outbox)


def _text(n: int) -> tuple[str, ...]:
    return (
        f"NEW DELHI, Oct 14 Story number {n} tells of the harvest in district {n} and "
        f"the rains that came late to village {n * 7} this year.",
    )


def _items():
    """One delivery's items, in order, touching every rule the bulk path must keep."""
    return [item for part in _parts() for item in prepare(part, PrepareOptions()).items]


def _parts() -> list[bytes]:
    """The deliveries of `_items`, one item each."""
    later = T0 + timedelta(minutes=5)
    parts = [
        g2_item("urn:a", 1, T0, headline="First story", paragraphs=_text(1)),
        g2_item(
            "urn:b",
            1,
            T0,
            headline="Embargoed story",
            paragraphs=_text(2),
            embargo=T0 + timedelta(days=3650),
        ),
        g2_item("urn:c", 1, T0, headline="Withheld story", paragraphs=_text(3), status="withheld"),
        g2_item("urn:a", 2, later, headline="First story, updated", paragraphs=_text(11)),
        g2_item("urn:d", 1, T0, headline="Monsoon withdraws", paragraphs=(SAME_EVENT,)),
        g2_item("urn:e", 2, later, headline="Killed in advance", status="canceled"),
        g2_item("urn:e", 1, T0, headline="Killed in advance", paragraphs=_text(5)),
        g2_item("urn:f", 1, T0, headline="Sent twice", paragraphs=_text(6)),
        g2_item("urn:f", 1, T0, headline="Sent twice", paragraphs=_text(6)),
        g2_item("urn:g", 1, T0, headline="Last story", paragraphs=_text(7)),
    ]
    return parts


def _snapshot(agency) -> dict:
    stories = Story.objects.filter(agency=agency).order_by("item_id")
    return {
        "stories": [
            (
                s.item_id,
                s.state,
                s.headline,
                s.version_count,
                s.is_lead,
                s.group_id is not None,
                s.minhash is not None,
            )
            for s in stories
        ],
        "versions": sorted(
            StoryVersion.objects.filter(story__agency=agency).values_list(
                "story__item_id", "version"
            )
        ),
        "banded": len(indexed_story_ids([s.pk for s in stories])),
        "found": sorted(s.item_id for s in search_stories("harvest")),
        "outbox": Counter(OutboundMessage.objects.values_list("event", flat=True)),
        "notices": KillNotice.objects.filter(agency=agency).count(),
    }


def _forget(agency, other: Story) -> None:
    """Undo a run: remove the agency's stories (and their search rows) and the outbox."""
    ids = list(Story.objects.filter(agency=agency).values_list("pk", flat=True))
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for pk in ids:
                cursor.execute("DELETE FROM story_search WHERE rowid = %s", [pk])
                cursor.execute("DELETE FROM story_headline_search WHERE rowid = %s", [pk])
    KillNotice.objects.filter(agency=agency).delete()
    StoryVersion.objects.filter(story__agency=agency).delete()
    Story.objects.filter(pk__in=ids).delete()
    OutboundMessage.objects.all().delete()
    Story.objects.filter(pk=other.pk).update(group_id=None, is_lead=True)


def test_store_items_gives_the_outcome_of_one_by_one(feeds, settings):
    with_options(settings, site={"indexnow_key": "k" * 32})
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

    assert (
        bulk
        == one_by_one
        == [
            "published",
            "stored",
            "stored",
            "updated",
            "published",
            "skipped",
            "killed",
            "published",
            "unchanged",
            "published",
        ]
    )
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


def test_a_backfill_refreshes_the_planner_statistics_on_either_engine(feeds):
    """Without them the lists' plans after a big import read every story (on PostgreSQL
    until autovacuum came by: 2 s a feed at 1,000,000 stories)."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        backfill(
            feeds["ians"],
            [(f"{n}.xml", g2_item(f"urn:{n}", 1, T0, paragraphs=_text(n))) for n in range(3)],
        )
    assert "ANALYZE" in [q["sql"] for q in queries]
    assert Story.objects.count() == 3


def test_backfill_refuses_an_unknown_feed(feeds, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no feed 'nope'"):
        call_command("backfill", "nope", str(tmp_path))


@pytest.mark.parametrize(
    ("batch_stories", "batch_seconds", "commit_after"),
    [(2, 3600, [2, 4, 6, 8, 10]), (2_000, 3600, [10]), (2_000, 0, list(range(1, 11)))],
)
def test_backfill_in_batches_gives_the_outcome_of_one_by_one(
    feeds, monkeypatch, batch_stories, batch_seconds, commit_after
):
    # Deliveries are committed a batch at a time and the search and band
    # indexes written at the end of each batch: a kill, an update and a repeat
    # within a batch, and across batches, end as ingesting one by one ends.
    from wiredesk.ingest.pipeline import ingest_bytes

    monkeypatch.setattr(backfill_module, "BATCH_STORIES", batch_stories)
    monkeypatch.setattr(backfill_module, "BATCH_SECONDS", batch_seconds)
    harbour, ians = feeds["harbour"], feeds["ians"]
    ingest_bytes(harbour, g2_item("urn:hns:1", 1, T0, paragraphs=(SAME_EVENT,)), "hns.xml")
    other = Story.objects.get(item_id="urn:hns:1")
    OutboundMessage.objects.all().delete()
    deliveries = [(f"{n}.xml", part) for n, part in enumerate(_parts())]

    commits: list[int] = []  # deliveries stored when each commit happens
    stored: list[str] = []

    def on_stored(report):
        stored.append(report.origin)
        transaction.on_commit(lambda: commits.append(len(stored)))

    backfill(ians, deliveries, workers=0, on_stored=on_stored)
    in_batches = _snapshot(ians.agency)
    _forget(ians.agency, other)
    for origin, data in deliveries:
        ingest_bytes(ians, data, origin)

    assert in_batches == _snapshot(ians.agency)
    assert in_batches["found"] == ["urn:a", "urn:f", "urn:g"]
    assert in_batches["banded"] == 5  # the published stories and the embargoed one
    # One commit a batch (the deliveries hold one item each): a delivery's
    # on_commit callbacks run at its batch's end.
    assert sorted(set(commits)) == commit_after


def test_backfill_of_a_full_text_feed_commits_each_delivery(feeds):
    # Its deliveries fetch articles before storing: never inside an open batch.
    feed = feeds["ians"]
    feed.full_text = True
    feed.save()
    commits: list[int] = []
    stored: list[str] = []

    def on_stored(report):
        stored.append(report.origin)
        transaction.on_commit(lambda: commits.append(len(stored)))

    parts = [g2_item(f"urn:{n}", 1, T0, paragraphs=_text(n)) for n in range(3)]
    backfill(feed, [(f"{n}.xml", part) for n, part in enumerate(parts)], 0, on_stored)
    assert sorted(set(commits)) == [1, 2, 3]
    assert Story.objects.filter(agency=feed.agency).count() == 3


def test_a_batch_s_held_index_writes_keep_nothing_of_a_rolled_back_savepoint(feeds):
    # A savepoint rolled back inside a batch (a repeat-safe retry does this)
    # takes its stories away: their search text and band keys must go too,
    # even where the next story stored takes the same id (SQLite reuses it).
    agency = feeds["ians"].agency
    delivery = get_or_create_delivery(b"d", feeds["ians"], "d.xml", T0)
    ghost = prepare(
        g2_item(
            "urn:ghost",
            1,
            T0,
            headline="Ghost",
            paragraphs=("NEW DELHI, Oct 14 Quetzalcoatl " + SAME_EVENT,),
        ),
        PrepareOptions(),
    ).items
    kept = prepare(
        g2_item("urn:kept", 1, T0, headline="Kept", paragraphs=_text(1)), PrepareOptions()
    ).items
    with transaction.atomic(), storage.batch() as batch:
        with pytest.raises(RuntimeError), transaction.atomic():
            ghost_id = store_items(agency, ghost, delivery, T0, batch=batch)[0].story.pk
            raise RuntimeError("rolled back")  # the savepoint goes; the batch commits
        kept_id = store_items(agency, kept, delivery, T0, batch=batch)[0].story.pk
        if connection.vendor == "sqlite":  # PostgreSQL's index is the story table itself
            # Held by the batch until it ends: not in the search index yet.
            assert kept_id in batch.search
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM story_search WHERE headline = 'Kept'")
                assert cursor.fetchone() == (0,)
    assert not Story.objects.filter(item_id="urn:ghost").exists()
    assert search_stories("Quetzalcoatl", now=T0) == []
    assert [s.item_id for s in search_stories("harvest", now=T0)] == ["urn:kept"]
    ghost_bands = _bands(signature(ghost[0].body_text), 0.6)
    assert [row[0] for row in stories_sharing(ghost_bands, EPOCH, None)] == []
    assert indexed_story_ids([kept_id]) == {kept_id}
    if connection.vendor == "sqlite":
        assert kept_id == ghost_id  # the case the read-back guards against


def test_bulk_build_makes_the_instance_the_constructor_makes(feeds):
    from django.db.models.signals import post_init

    from wiredesk.stories.models import Delivery
    from wiredesk.stories.storage.rows import build, insert_returning_ids

    values = {
        "feed_id": feeds["ians"].pk,
        "sha256": "a" * 64,
        "origin": "x.xml",
        "received_at": T0,
        "size": 3,
        "data": b"abc",
        "repairs": [],
    }
    built = build(Delivery, values)
    made = Delivery(**values)
    assert built.__dict__.keys() - {"_state"} == made.__dict__.keys() - {"_state"}
    assert all(getattr(built, name) == getattr(made, name) for name in values)
    assert built.pk is None and built._state.adding and built.feed == feeds["ians"]
    insert_returning_ids([built])
    assert not built._state.adding
    stored = Delivery.objects.get(pk=built.pk)
    assert (stored.sha256, stored.received_at, bytes(stored.data)) == ("a" * 64, T0, b"abc")
    with pytest.raises(KeyError):  # every field is given: none is left to a default
        build(Delivery, {k: v for k, v in values.items() if k != "size"})

    # Something listening for the model's construction: the constructor runs.
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(receiver, sender=Delivery)
    try:
        listened = build(Delivery, values)
    finally:
        post_init.disconnect(receiver, sender=Delivery)
    assert seen == [listened]


def test_bulk_insert_writes_the_row_the_orm_writes(feeds):
    """Times (any zone, microseconds, naive UTC text on SQLite) and JSON lists
    (non-ASCII too) are stored exactly as `Model.save` stores them."""
    from zoneinfo import ZoneInfo

    from wiredesk.stories.storage.rows import build, insert_returning_ids

    kolkata = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=ZoneInfo("Asia/Kolkata"))
    values = {
        "agency_id": feeds["ians"].agency_id,
        "item_id": "urn:row",
        "state": "published",
        "slug": "row",
        "headline": "Zoë\u2019s \u201crow\u201d",
        "slugline": "",
        "byline": "",
        "dateline": "",
        "located": "",
        "language": "hi",
        "teaser": "",
        "body_html": "<p>नमस्ते</p>",
        "body_text": "नमस्ते",
        "subjects": [{"code": "medtop:1", "name": "économie"}],
        "keywords": ["बाज़ार", 'a"b'],
        "link": "",
        "embargoed_until": None,
        "topics": "",
        "is_correction": False,
        "killed_at": None,
        "killed_by_desk": False,
        "withdrawn_note": "",
        "held_by_desk": False,
        "held_for_editor": False,
        "release_at": None,
        "published_at": None,
        "sections": "",
        "sections_by_desk": False,
        "corrected_by_desk": False,
        "first_published_at": kolkata,
        "modified_at": T0,
        "group_id": None,
        "is_lead": True,
        "minhash": b"\x00\x01",
        "version_count": 1,
        "created_at": T0,
    }
    bulk = build(Story, values)
    orm = Story(**{**values, "item_id": "urn:orm"})
    with time_machine.travel(T0, tick=False):  # created_at is set on insert
        insert_returning_ids([bulk])
        orm.save()
    columns = [f.column for f in Story._meta.concrete_fields if not f.primary_key]
    rows = {}
    with connection.cursor() as cursor:
        for pk in (bulk.pk, orm.pk):
            cursor.execute(f"SELECT {', '.join(columns)} FROM stories_story WHERE id = %s", [pk])
            rows[pk] = dict(zip(columns, cursor.fetchone(), strict=True))
    assert rows[bulk.pk].pop("item_id") == "urn:row" and rows[orm.pk].pop("item_id") == "urn:orm"
    assert rows[bulk.pk] == rows[orm.pk]
    stored = Story.objects.get(pk=bulk.pk)
    assert stored.first_published_at == kolkata and stored.keywords == ["बाज़ार", 'a"b']


def test_backfill_checkpoints_beside_the_storing_and_writes_large_search_leaves(feeds, monkeypatch):
    # Checkpoints run in a thread of their own after each commit, and the log
    # starts again from its beginning once past RESTART_LOG_BYTES: it stays
    # near that size however much is stored (SQLite's own checkpoints are off).
    import sqlite3
    from types import SimpleNamespace

    from wiredesk.stories.storage import checkpoints as checkpoints_module
    from wiredesk.stories.storage.checkpoints import BackgroundCheckpoints

    made: list[BackgroundCheckpoints] = []
    done: Counter = Counter()  # the background thread's checkpoints, and the storing thread's

    class Recorded(BackgroundCheckpoints):
        def __init__(self, path, page_size, restart_bytes, checkpoint_here):
            def here():
                done["restarts"] += 1
                checkpoint_here()

            super().__init__(path, page_size, restart_bytes, here)
            made.append(self)

    class Counted(sqlite3.Connection):  # the background thread's connection
        def execute(self, sql, *args):
            done["runs"] += "wal_checkpoint" in sql
            return super().execute(sql, *args)

    def connect(*args, **kwargs):
        return sqlite3.connect(*args, factory=Counted, **kwargs)

    monkeypatch.setattr(
        checkpoints_module, "sqlite3", SimpleNamespace(connect=connect, Error=sqlite3.Error)
    )
    monkeypatch.setattr(bulk_load_module, "BackgroundCheckpoints", Recorded)
    monkeypatch.setattr(backfill_module, "BATCH_STORIES", 1)  # a commit a delivery
    if connection.vendor != "sqlite":
        # PostgreSQL checkpoints by itself: a backfill starts no thread for it.
        parts = [g2_item(f"urn:{n}", 1, T0, paragraphs=_text(n)) for n in range(3)]
        backfill(feeds["ians"], [(f"{n}.xml", p) for n, p in enumerate(parts)], 0)
        assert made == []
        assert Story.objects.filter(agency=feeds["ians"].agency).count() == 3
        return
    monkeypatch.setattr(bulk_load_module, "RESTART_LOG_BYTES", 2**20)
    wal = f"{connection.settings_dict['NAME']}-wal"
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the file is as long as it ever was
    sizes: list[int] = []
    parts = [g2_item(f"urn:{n}", 1, T0, paragraphs=_text(n) * 40) for n in range(60)]

    leaves: set[int] = set()
    band_leaves: set[int] = set()

    def on_stored(report):
        transaction.on_commit(lambda: sizes.append(os.path.getsize(wal)))
        leaves.update(_leaf_sizes())
        band_leaves.update(_leaf_sizes("story_bands"))

    backfill(feeds["ians"], [(f"{n}.xml", p) for n, p in enumerate(parts)], 0, on_stored)
    # Every commit writes several 32 KB pages (the story, its version, the
    # bytes, the indexes): without starting again, the log would be past 8 MB.
    assert max(sizes) < 4 * 2**20, max(sizes)
    assert len(made) == 1
    assert done["runs"] > 0 and done["restarts"] > 0
    assert Story.objects.filter(agency=feeds["ians"].agency).count() == 60
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        assert cursor.fetchone()[0] == 1000  # SQLite's own checkpoints are back
    # The search index's FTS5 leaves as large as a 32 KB page holds during the
    # backfill, its own size after.
    assert leaves == {32768 - 1024}
    assert _leaf_sizes() == {4050}
    # Never the band index's: each lookup reads a leaf a key.
    assert band_leaves == set()


def _leaf_sizes(table: str = "story_search") -> set[int]:
    """Return the FTS5 leaf size set for `table` (nothing: FTS5's own, 4,050)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT v FROM {table}_config WHERE k = 'pgsz'")
        return {int(v) for (v,) in cursor.fetchall()}


def _empty_search_index() -> None:
    """Empty SQLite's search index: a flush between tests leaves a virtual table's rows."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for table in ("story_search", "story_headline_search"):
                cursor.execute(f"DELETE FROM {table}")
                cursor.execute(f"INSERT INTO {table} ({table}) VALUES ('rebuild')")


def _backfill_one_a_commit(feed, first: int, count: int, on_stored=None) -> None:
    """Backfill `count` stories, a commit (and so a new search segment or more) each."""
    parts = [g2_item(f"urn:{n}", 1, T0, paragraphs=_text(n)) for n in range(first, first + count)]
    backfill(feed, [(f"{n}.xml", p) for n, p in enumerate(parts)], 0, on_stored)


def test_a_backfill_that_writes_most_of_the_search_index_leaves_it_in_one_segment(
    feeds, monkeypatch
):
    from wiredesk.stories.storage import search_index

    _empty_search_index()
    monkeypatch.setattr(backfill_module, "BATCH_STORIES", 1)
    if connection.vendor != "sqlite":  # PostgreSQL's index keeps itself
        _backfill_one_a_commit(feeds["ians"], 0, 3)
        assert len(search_stories("harvest")) == 3
        return
    during: list[int] = []
    _backfill_one_a_commit(
        feeds["ians"], 0, 40, lambda report: during.append(search_index.segments())
    )
    assert max(during) > 1  # each commit wrote a segment, merged sixteen at a time
    assert search_index.segments() == 1
    assert search_index.entries() == 40
    # Merged with FTS5's own leaf size, which stays set for live ingest.
    assert _leaf_sizes() == {4050}
    assert ["Story number 10 " in s.body_text for s in search_stories("village 70")] == [True]


def test_a_small_backfill_into_a_larger_search_index_leaves_its_segments_to_the_operator(
    feeds, monkeypatch
):
    from wiredesk.stories.storage import search_index

    _empty_search_index()
    monkeypatch.setattr(backfill_module, "BATCH_STORIES", 1)
    _backfill_one_a_commit(feeds["ians"], 0, 40)
    # Three stories are less than a tenth of the index: not worth rewriting all of it.
    _backfill_one_a_commit(feeds["ians"], 40, 3)
    if connection.vendor == "sqlite":
        assert search_index.segments() == 1 + 3  # the first backfill's, and one a commit
    out = StringIO()
    call_command("optimize_search", stdout=out)
    if connection.vendor != "sqlite":
        assert "nothing to do" in out.getvalue()
        return
    assert "segments: 4 before, 1 after" in out.getvalue(), out.getvalue()
    assert search_index.segments() == 1
    assert ["Story number 41 " in s.body_text for s in search_stories("village 287")] == [True]


def test_backfill_collects_garbage_less_often_while_storing_and_restores_the_collector(feeds):
    import gc

    before = gc.get_threshold()
    seen: list[tuple[int, int]] = []

    def on_stored(report):
        seen.append((gc.get_threshold()[0], gc.get_freeze_count()))

    parts = [g2_item(f"urn:{n}", 1, T0, paragraphs=_text(n)) for n in range(3)]
    backfill(feeds["ians"], [(f"{n}.xml", p) for n, p in enumerate(parts)], 0, on_stored)
    assert len(seen) == 3
    assert all(t == backfill_module.GC_ALLOCATIONS and frozen > 0 for t, frozen in seen)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_a_duplicate_row_from_the_bulk_insert_is_django_s_integrity_error(feeds):
    """Storage shortcuts raise what the ORM raises, on both engines."""
    import django.db
    from django.db import transaction

    from wiredesk.stories.models import Delivery
    from wiredesk.stories.storage.rows import build, insert_returning_ids

    def delivery():
        return build(
            Delivery,
            {
                "sha256": "ab" * 32,
                "feed_id": feeds["ians"].pk,
                "origin": "x",
                "received_at": T0,
                "size": 1,
                "data": b"x",
                "repairs": [],
            },
        )

    insert_returning_ids([delivery()])
    with pytest.raises(django.db.IntegrityError), transaction.atomic():
        insert_returning_ids([delivery()])
