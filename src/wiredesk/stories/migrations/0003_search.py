"""Full-text search indexes: an FTS5 table on SQLite, a GIN expression index on PostgreSQL."""

from django.db import migrations

PG_INDEX = (
    "CREATE INDEX IF NOT EXISTS story_search_gin ON stories_story USING GIN "
    "((setweight(to_tsvector('simple', COALESCE(headline, '')), 'A') || "
    "setweight(to_tsvector('simple', COALESCE(body_text, '')), 'B')))"
)


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS story_search USING fts5("
            "headline, body, tokenize = 'unicode61 remove_diacritics 2')"
        )
        # Index what is already stored.
        schema_editor.execute(
            "INSERT INTO story_search (rowid, headline, body) "
            "SELECT id, headline, body_text FROM stories_story"
        )
    elif vendor == "postgresql":
        schema_editor.execute(PG_INDEX)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS story_search")
    elif vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS story_search_gin")


class Migration(migrations.Migration):
    dependencies = [("stories", "0002_lifecycle")]
    operations = [migrations.RunPython(forwards, backwards)]
