"""LSH bands move to an index of their own, and signatures hash with CRC-32.

SQLite: a contentless FTS5 table, a story's band keys as its tokens (rowid =
story id): FTS5 takes new keys in sorted runs, where a B-tree of hashed keys
took them at random places (stories/duplicates.py). PostgreSQL: a row a key
under a B-tree index, as before but without a row id and a story index (a GIN
index over arrays was tried: its planner estimates made every lookup a scan).
Neither refers to the story table: a deleted story's keys find nothing
(lookups join the story table), and ids are never reused.

Signatures now hash shingles with CRC-32, so stored ones no longer compare
with new ones: those of the stories a new story may still be grouped with
(the last 48 hours') are computed again and indexed; older ones are cleared.
"""

from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone

RECENT = timedelta(hours=48)

PG_TABLE = "CREATE TABLE IF NOT EXISTS story_bands (story_id bigint NOT NULL, band bigint NOT NULL)"
PG_INDEX = "CREATE INDEX IF NOT EXISTS story_bands_band ON story_bands (band)"
SQLITE_TABLE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS story_bands USING fts5("
    "bands, content='', detail=none, columnsize=0)"
)


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_TABLE)
    elif vendor == "postgresql":
        schema_editor.execute(PG_TABLE)
        schema_editor.execute(PG_INDEX)
    else:
        return
    # Imported here: the app's code as it is when this runs, for the new hashes.
    from wiredesk.stories.duplicates import _bands
    from wiredesk.stories.storage import band_index
    from wiredesk.wire.similarity import signature

    Story = apps.get_model("stories", "Story")
    since = timezone.now() - RECENT
    Story.objects.filter(created_at__lt=since).exclude(minhash=None).update(minhash=None)
    threshold = settings.WIREDESK.duplicates.threshold
    recent = Story.objects.filter(created_at__gte=since).exclude(minhash=None)
    entries = []
    for story in recent.only("pk", "body_text").iterator():
        values = signature(story.body_text)
        Story.objects.filter(pk=story.pk).update(
            minhash=values.tobytes() if values is not None else None
        )
        if values is not None:
            entries.append((story.pk, _bands(values, threshold)))
    band_index.add(entries)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor in ("sqlite", "postgresql"):
        schema_editor.execute("DROP TABLE IF EXISTS story_bands")


class Migration(migrations.Migration):
    dependencies = [("stories", "0005_list_indexes_integer_bands")]
    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.DeleteModel(name="StoryBand"),
    ]
