"""SQLite: the search candidates' index, what ranking them reads of each.

A search ranks the newest 200 matches of its words (stories/storage/
search_ranking.py). Deciding whether a reader may see each (its state, lead,
embargo and language) and how recent it is read each candidate's whole row,
some 32 KB page of the story table apiece, for the 20 a page shows. This
index holds those columns by the story's key, a few dozen bytes a story, so
the 200 are ranked from it and only the page's 20 rows are read.

PostgreSQL ranks its candidates from their stored vectors and needs none.
"""

from django.db import migrations

INDEX = "story_candidates"
COLUMNS = "id, state, is_lead, embargoed_until, first_published_at, language"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"CREATE INDEX {INDEX} ON stories_story ({COLUMNS})")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("stories", "0021_story_labels"),
    ]

    operations = [migrations.RunPython(create, drop)]
