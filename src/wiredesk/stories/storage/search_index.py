"""The full-text index: SQLite FTS5 on the embedded engine, PostgreSQL's own at scale.

On SQLite the `story_search` table (migrations 0003 and 0019) holds each
story's headline and text by its id, folded (wire/folding.py) and written
here; on PostgreSQL the story table's generated `search_vector` column
(migrations 0013 and 0019) keeps itself, folded by the database's
`wiredesk_search_fold`, the same rules in SQL, so there is nothing to write;
its GIN index is keyed by the story's SLAB of ids first, then the words
(migration 0024).
Both take the words of a story's slug that its headline lacks: a Latin-letter
query finds a headline in any script on a site whose slugs are transliterated.

Here, what writes the index; what reads it for a search is search_ranking.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import regex
from django.db import connection
from django.db.backends.utils import CursorWrapper

from wiredesk.wire.folding import fold_for_search as fold

from ..models import Story
from .rows import execute_marked, placeholders

if TYPE_CHECKING:
    from .batch import Batch

SEARCH_TABLE = "story_search"  # FTS5
# FTS5 too: the headline's and the slug's words alone, by the same ids
# (migration 0023), for the headline's weight in a search's ranking.
HEADLINE_TABLE = "story_headline_search"
TABLES = (SEARCH_TABLE, HEADLINE_TABLE)
# PostgreSQL: ids a slab, the GIN index's first key (`id / SLAB`, written so in
# migration 0024): a search reads the matches of a few slabs of the newest ids.
SLAB = 1000
CHUNK = 500  # story ids a statement
# What the tokenizers take for a word's letters: FTS5's categories (migration
# 0019) and PostgreSQL's parser alike, with the vowel signs (marks) inside it.
_WORD = regex.compile(r"[\p{L}\p{M}\p{N}\p{Co}]+")


def add(stories: list[Story], new: bool = False, batch: Batch | None = None) -> None:
    """Put stories' current text in the index (`new`: with no entry yet to replace).

    With a `batch`, only noted: the batch writes them when it ends.
    """
    if connection.vendor != "sqlite" or not stories:
        return
    if batch is not None:
        for story in stories:
            batch.search[story.pk] = batch.search.get(story.pk, True) and new
        return
    with connection.cursor() as cursor:
        if not new:
            _delete(cursor, [story.pk for story in stories])
        rows = [(story.pk, story.headline, story.body_text, story.slug) for story in stories]
        _insert(cursor, rows)


def remove(story: Story, batch: Batch | None = None) -> None:
    """Take a story out of the index."""
    if connection.vendor != "sqlite":
        return
    if batch is not None:
        batch.search[story.pk] = False  # its entry, if any, goes
        return
    with connection.cursor() as cursor:
        _delete(cursor, [story.pk])


def entries() -> int:
    """Return how many stories the index holds (SQLite; 0 on PostgreSQL)."""
    if connection.vendor != "sqlite":
        return 0
    with connection.cursor() as cursor:
        # FTS5's row of sizes a story: a plain table, counted without reading the index.
        cursor.execute(f"SELECT count(*) FROM {SEARCH_TABLE}_docsize")
        return int(cursor.fetchone()[0])


def segments() -> int:
    """Return how many segments the index is in (SQLite; 0 on PostgreSQL).

    A search looks each of its words up in every segment.
    """
    if connection.vendor != "sqlite":
        return 0
    with connection.cursor() as cursor:
        # FTS5 keeps a row in %_idx for the first leaf of every segment, at least.
        cursor.execute(f"SELECT count(DISTINCT segid) FROM {SEARCH_TABLE}_idx")
        return int(cursor.fetchone()[0])


def optimize() -> None:
    """Merge each index into one segment (SQLite's FTS5 'optimize'; nothing on PostgreSQL).

    Rewrites every entry, with the leaf size FTS5 is set to at the time.
    """
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"INSERT INTO {table} ({table}) VALUES ('optimize')")


def write_held(held: dict[int, bool]) -> None:
    """Write the entries a batch held back ({story id: new}), from the stories as stored.

    Read back from the story table, so the index gets what was stored, even
    where a savepoint inside the batch was rolled back.
    """
    if connection.vendor != "sqlite" or not held:
        return
    with connection.cursor() as cursor:
        _delete(cursor, [pk for pk, new in held.items() if not new])
        ids = list(held)
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            # Every story but a killed one is in the index (search shows only
            # what `visible_stories` does).
            cursor.execute(
                f"SELECT id, headline, body_text, slug FROM {Story._meta.db_table} "
                f"WHERE id IN ({placeholders(chunk)}) AND state <> %s",
                [*chunk, Story.State.KILLED],
            )
            _insert(cursor, cursor.fetchall())


def document(headline: str, body: str, slug: str) -> tuple[str, str, str]:
    """Return what the index holds of a story: headline, text, and its slug's other words.

    The headline and text folded (wire/folding.py); the slug's words the
    headline lacks, in the index's third column: on a site with Latin slugs,
    the headline's transliteration (`dilli` finds दिल्ली), and nothing from
    an English headline or a Unicode slug, whose words the headline has.
    """
    headline = fold(headline)
    known = set(_WORD.findall(headline.lower()))
    latin = [w for w in _WORD.findall(fold(slug.replace("-", " ")).lower()) if w not in known]
    return headline, fold(body), " ".join(latin)


def _insert(cursor: CursorWrapper, stories: list[tuple[int, str, str, str]]) -> None:
    """Index stories given as (id, headline, body text, slug), CHUNK a statement.

    One statement for many rows: FTS5 writes what it holds at each
    statement's savepoint, so a statement a row costs more
    (docs/benchmarks.md).
    """
    for start in range(0, len(stories), CHUNK):
        chunk = stories[start : start + CHUNK]
        params: list[int | str] = []
        headlines: list[int | str] = []
        for pk, headline, body, slug in chunk:
            folded, text, latin = document(headline, body, slug)
            params += (pk, folded, text, latin)
            headlines += (pk, folded, latin)
        execute_marked(
            cursor,
            f"INSERT INTO {SEARCH_TABLE} (rowid, headline, body, latin) VALUES "
            + ", ".join(["(?, ?, ?, ?)"] * len(chunk)),
            params,
        )
        execute_marked(
            cursor,
            f"INSERT INTO {HEADLINE_TABLE} (rowid, headline, latin) VALUES "
            + ", ".join(["(?, ?, ?)"] * len(chunk)),
            headlines,
        )


def _delete(cursor: CursorWrapper, ids: list[int]) -> None:
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        for table in TABLES:
            cursor.execute(f"DELETE FROM {table} WHERE rowid IN ({placeholders(chunk)})", chunk)
