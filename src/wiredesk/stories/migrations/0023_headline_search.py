"""SQLite: the headlines' own full-text index, beside the stories'.

A search counts a story holding every word in its headline (or its slug's
words) five times one holding them in its text (stories/storage/
search_ranking.py). FTS5 answered that with a column filter on the stories'
index, walking each word's every occurrence, the text's too, across the
span of the newest matches: a common word's thousands. `story_headline_search`
holds the same folded headline and slug words, by the same story ids, and
nothing else, so the walk reads the headlines' occurrences only.

Filled from the stories' index, which holds both columns as they were
folded. PostgreSQL weighs the headline's words in its stored vector and
needs none.
"""

from django.db import migrations

TABLE = "story_headline_search"
# Migration 0019's tokenizer: the two indexes split words alike.
TOKENIZE = "unicode61 remove_diacritics 2 categories 'L* N* Co M*'"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    schema_editor.execute(
        f'CREATE VIRTUAL TABLE {TABLE} USING fts5(headline, latin, tokenize = "{TOKENIZE}")'
    )
    schema_editor.execute(
        f"INSERT INTO {TABLE} (rowid, headline, latin) "
        "SELECT rowid, headline, latin FROM story_search"
    )
    schema_editor.execute(f"INSERT INTO {TABLE} ({TABLE}) VALUES ('optimize')")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"DROP TABLE IF EXISTS {TABLE}")


class Migration(migrations.Migration):
    dependencies = [
        ("stories", "0022_search_candidates_index"),
    ]

    operations = [migrations.RunPython(create, drop)]
