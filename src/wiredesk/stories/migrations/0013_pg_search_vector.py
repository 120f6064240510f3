"""PostgreSQL: the search vector as a stored column under its GIN index.

With the vector only in an expression index, a search for a common word
walked the newest stories computing each one's vector again (to_tsvector of
the whole text, 30 us a row): 110 ms for "monsoon" at 1,000,000 stories, and
past the 250 ms limit with ranking, so the search answered nothing
(benchmarks/desk.py). Stored, each row's vector is read, not computed.
SQLite keeps its FTS5 table.
"""

from django.db import migrations

VECTOR = (
    "(setweight(to_tsvector('simple', COALESCE(headline, '')), 'A') || "
    "setweight(to_tsvector('simple', COALESCE(body_text, '')), 'B'))"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "ALTER TABLE stories_story ADD COLUMN IF NOT EXISTS search_vector tsvector "
        f"GENERATED ALWAYS AS {VECTOR} STORED"
    )
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS story_search_vector ON stories_story USING GIN (search_vector)"
    )
    schema_editor.execute("DROP INDEX IF EXISTS story_search_gin")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS story_search_gin ON stories_story USING GIN ({VECTOR})"
    )
    schema_editor.execute("ALTER TABLE stories_story DROP COLUMN IF EXISTS search_vector")


class Migration(migrations.Migration):
    dependencies = [("stories", "0012_desk")]
    operations = [migrations.RunPython(forwards, backwards)]
