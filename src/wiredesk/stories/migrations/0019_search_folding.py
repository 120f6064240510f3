"""Search folds the spellings readers type interchangeably, in every script (wire/folding.py).

SQLite: the FTS5 table again, its words whole with their vowel signs (the
categories of letters, numbers and marks: unicode61 alone split a Hindi word
at each matra) and a third column for the slug's words the headline lacks,
filled from the stories it held, folded. PostgreSQL: `wiredesk_search_fold`,
wire/folding.py's rules in SQL, and the generated vector built from the
folded headline, text and slug (tests/test_search_folding.py holds the two
to each other, code point by code point).
"""

from django.db import migrations

TOKENIZE = "unicode61 remove_diacritics 2 categories 'L* N* Co M*'"
OLD_TOKENIZE = "unicode61 remove_diacritics 2"
CHUNK = 500

# wire/folding.py's DROPPED, LETTERS and SPELLED, as PostgreSQL's Unicode escapes.
DROPPED = (
    r"\00AD\034F\061C\115F-\1160\17B4-\17B5\180B-\180F\200C-\200F\202A-\202E"
    r"\2060-\206F\3164\FE00-\FE0F\FEFF\FFA0\FFF0-\FFF8\+01BCA0-\+01BCA3"
    r"\+01D173-\+01D17A\+0E0000-\+0E0FFF"
    r"\093C\09BC\0A3C\0ABC\0B3C\0C3C\0CBC"
    r"\0610-\061A\0640\064B-\0652\0656-\065F\0670\06D6-\06DC\06DF-\06E4\06E7-\06E8"
    r"\06EA-\06ED"
)
FOLD = rf"""
CREATE OR REPLACE FUNCTION wiredesk_search_fold(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
SELECT CASE WHEN octet_length(t) = char_length(t) THEN t ELSE replace(translate(
    regexp_replace(normalize(t, NFD), U&'[{DROPPED}]', '', 'g'),
    U&'\064A\0649\0643\0647\0629\200B', U&'\06CC\06CC\06A9\06C1\06C3 '),
  U&'\09CE', U&'\09A4\09CD') END
$$
"""
VECTOR = (
    "(setweight(to_tsvector('simple', wiredesk_search_fold(COALESCE(headline, ''))), 'A') || "
    "setweight(to_tsvector('simple', wiredesk_search_fold(COALESCE(body_text, ''))), 'B') || "
    "setweight(ts_delete(to_tsvector('simple', wiredesk_search_fold(translate(slug, '-', ' '))), "
    "tsvector_to_array(to_tsvector('simple', wiredesk_search_fold(COALESCE(headline, ''))))), "
    "'A'))"
)
OLD_VECTOR = (
    "(setweight(to_tsvector('simple', COALESCE(headline, '')), 'A') || "
    "setweight(to_tsvector('simple', COALESCE(body_text, '')), 'B'))"
)


def _vector(schema_editor, vector):
    # A generated column's expression cannot be changed before PostgreSQL 17:
    # the column is made again (its index goes with it).
    schema_editor.execute("ALTER TABLE stories_story DROP COLUMN IF EXISTS search_vector")
    schema_editor.execute(
        "ALTER TABLE stories_story ADD COLUMN search_vector tsvector "
        f"GENERATED ALWAYS AS {vector} STORED"
    )
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS story_search_vector ON stories_story USING GIN (search_vector)"
    )


def _fts5(schema_editor, columns, tokenize, row):
    """Make the FTS5 table again with `columns`, refilled by `row` from the stories it held."""
    cursor = schema_editor.connection.cursor()
    cursor.execute("SELECT rowid FROM story_search ORDER BY rowid")
    ids = [pk for (pk,) in cursor.fetchall()]
    cursor.execute("DROP TABLE story_search")
    cursor.execute(
        f"CREATE VIRTUAL TABLE story_search USING fts5({', '.join(columns)}, "
        f'tokenize = "{tokenize}")'
    )
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        cursor.execute(
            "SELECT id, headline, body_text, slug FROM stories_story "
            f"WHERE id IN ({', '.join(['%s'] * len(chunk))})",
            chunk,
        )
        rows = [(pk, *row(headline, body, slug)) for pk, headline, body, slug in cursor.fetchall()]
        if not rows:
            continue
        # One statement for the chunk: FTS5 writes what it holds at each statement.
        values = "(" + ", ".join(["%s"] * (len(columns) + 1)) + ")"
        cursor.execute(
            f"INSERT INTO story_search (rowid, {', '.join(columns)}) "
            f"VALUES {', '.join([values] * len(rows))}",
            [value for row_values in rows for value in row_values],
        )


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        from wiredesk.stories.storage.search_index import document

        _fts5(schema_editor, ["headline", "body", "latin"], TOKENIZE, document)
    elif vendor == "postgresql":
        schema_editor.execute(FOLD)
        _vector(schema_editor, VECTOR)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _fts5(schema_editor, ["headline", "body"], OLD_TOKENIZE, lambda h, b, s: (h, b))
    elif vendor == "postgresql":
        _vector(schema_editor, OLD_VECTOR)
        schema_editor.execute("DROP FUNCTION IF EXISTS wiredesk_search_fold(text)")


class Migration(migrations.Migration):
    dependencies = [("stories", "0018_delivery_received")]
    operations = [migrations.RunPython(forwards, backwards)]
