"""PostgreSQL: the search's GIN index keyed by slab of ids, then the words.

A GIN index answers a query with every match in the archive, a bitmap built
one match at a time, whatever range of ids the query asks for: each of a
search's windows of the newest ids paid for a common word's every match
(docs/benchmarks.md, PostgreSQL's search by slabs of ids). Keyed by `id / 1000` first (btree_gin's operators for
the number), the index gives only the matches of the slabs a window names
(stories/storage/search_ranking.py, `_pg_candidates`). It answers a query of
the words alone too (the desk's relevance), so it takes the place of
`story_search_vector`. Without GIN's pending list (`fastupdate = off`): a
search reads each slab of its windows in a scan of its own, and every scan
reads the whole pending list first (a few thousand stories ingested there
made a search several times slower); a story's words go into the index as
it is stored instead. SQLite's FTS5 walks its index newest first and needs none of
this.
"""

from django.db import migrations

# stories/storage/search_index.py's SLAB: the index's expression is the one
# the search's statements name, or the planner does not use it.
SLAB = 1000


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # A trusted extension (PostgreSQL 13 and later): the database's owner may add it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS story_search_slab ON stories_story "
        f"USING GIN ((id / {SLAB}), search_vector) WITH (fastupdate = off)"
    )
    schema_editor.execute("DROP INDEX IF EXISTS story_search_vector")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS story_search_vector ON stories_story USING GIN (search_vector)"
    )
    schema_editor.execute("DROP INDEX IF EXISTS story_search_slab")


class Migration(migrations.Migration):
    dependencies = [("stories", "0023_headline_search")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
