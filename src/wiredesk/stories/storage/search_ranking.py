"""A search's reads of the full-text index (search_index.py): the desk's relevance and
the readers' ranked pages, on SQLite's FTS5 and PostgreSQL's own.

Each ranks only the newest CANDIDATES matches of the words, inside the engine,
and stops after MAX_QUERY_MS (search_time_limit.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from wiredesk.wire.folding import fold_for_search as fold

from ..models import Story
from .prepared import CompiledReads
from .search_index import HEADLINE_TABLE, SEARCH_TABLE, SLAB
from .search_time_limit import time_limited

# The desk's relevance (`relevance`): bm25's weights of the columns headline,
# body, latin (the slug's words).
WEIGHTS = "5.0, 1.0, 5.0"
# The newest matches: relevance is computed for these only, and a reader pages
# through their best (docs/benchmarks.md, The cost of a search page).
CANDIDATES = 200
# SQLite: the candidates' visibility, language and time by their key (migration
# 0022), read to rank them rather than each one's row.
CANDIDATES_INDEX = "story_candidates"
# A story holding every word in its headline (or its slug's words) ranks this
# many times one holding them in its text, as old (both engines).
HEADLINE_WEIGHT = 5.0
# PostgreSQL: the stored vector column under its GIN index (migrations 0013,
# 0019 and 0024), read rather than computed for each row a search looks at.
PG_VECTOR = "search_vector"
# PostgreSQL: the candidates are read a window of the newest slabs of ids at a
# time (SLAB, the search index's first key: migration 0024), this many slabs a
# window, newest first; then the rest at once.
WINDOW_SLABS = (1, 1, 2, 4, 8, 16, 32)
# PostgreSQL: the search's own query (websearch_to_tsquery's words and
# operators: "or", "-word", quoted phrases) with weight A on each of its
# lexemes, so that only the headline's and the slug's words meet it. Its text
# form quotes each lexeme ('' for a quote inside); the cast reads it back as it is.
PG_IN_HEADLINE = (
    "regexp_replace(websearch_to_tsquery('simple', %s)::text, "
    "'''((?:[^'']|'''')*)''', '''\\1'':A', 'g')::tsquery"
)


def relevance(q: str) -> dict[int, float]:
    """Return {story id: relevance} of the newest CANDIDATES matches (higher is better).

    Bounded cost, whatever the words: walked newest first from the index,
    never every match ranked and sorted, and stopped after MAX_QUERY_MS
    (SearchTimedOut).
    """
    params: list[str | int]
    q = fold(q)
    if not q.strip():  # only characters folding drops: no word to look for
        return {}
    if connection.vendor == "sqlite":
        # Newest first by rowid (the story id), bm25 only for the rows returned:
        # a match in the headline (or its slug) counts five times one in the body.
        sql = (
            f"SELECT rowid, -bm25({SEARCH_TABLE}, {WEIGHTS}) FROM {SEARCH_TABLE} "
            f"WHERE {SEARCH_TABLE} MATCH %s ORDER BY rowid DESC LIMIT %s"
        )
        params = [_fts5_query(q), CANDIDATES]
    else:
        sql = (
            f"SELECT id, ts_rank({PG_VECTOR}, query) FROM {Story._meta.db_table}, "
            "websearch_to_tsquery('simple', %s) AS query "
            f"WHERE {PG_VECTOR} @@ query ORDER BY id DESC LIMIT %s"
        )
        params = [q, CANDIDATES]
    with time_limited(q), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


def ranked(
    stories: QuerySet[Story],
    q: str,
    now: datetime,
    limit: int,
    half_life_days: float,
    offset: int = 0,
) -> list[Story]:
    """Return the best `limit` of `stories` among the newest CANDIDATES matches of `q`,
    after the best `offset`.

    Ranked in the engine, in one statement (on SQLite after one that finds
    where the newest CANDIDATES matches start): where the words are (all of them
    in the headline or the slug's words: HEADLINE_WEIGHT; else 1) times a
    recency weight halving every `half_life_days`, the top `limit` taken by
    the engine, the same rule on both engines. Only the newest CANDIDATES
    matches are ranked (never every match sorted), nothing is read of the
    rest of the index (bm25's rarity of a word counts every story holding
    it, a search's cost growing with the archive), and the read stops after
    MAX_QUERY_MS (SearchTimedOut).
    """
    if not fold(q).strip():
        return []
    with time_limited(q, newest=True) as top:
        found = _ranking(stories, q, now, half_life_days, top)
        return list(found[offset : offset + limit])


def ranked_rows(
    stories: QuerySet[Story] | Callable[[datetime], QuerySet[Story]],
    q: str,
    now: datetime,
    limit: int,
    half_life_days: float,
    fields: tuple[str, ...],
    offset: int = 0,
    shape: Hashable = None,
) -> list[dict[str, Any]]:
    """Return `ranked`'s stories as rows of `fields` only (`values()` names, `agency__name`).

    The same statement, reading only the columns a results page shows: no
    story's text or metadata is read, and no model instance built. `stories`
    may be a function of the moment returning them, named by `shape`: on
    SQLite the statement is then compiled once for each shape, fields, page
    and size, and later searches put their words, candidates and moment in
    it (prepared.py; Django's compiling of it cost as much as running it):
    one that ranks the candidates from their index, one that reads the
    page's stories.
    """
    if not fold(q).strip():
        return []
    if shape is not None and callable(stories) and connection.vendor == "sqlite":
        found = _compiled_rows(stories, q, now, limit, half_life_days, fields, offset, shape)
        if found is not None:
            return found
    within = stories(now) if callable(stories) else stories
    # The score is named: values() after extra() leaves out what it does not name,
    # and the order is by it.
    with time_limited(q, newest=True) as top:
        ranking = _ranking(within, q, now, half_life_days, top)
        return list(ranking.values(*fields, "score")[offset : offset + limit])


def _compiled_rows(
    stories: Callable[[datetime], QuerySet[Story]],
    q: str,
    now: datetime,
    limit: int,
    half_life_days: float,
    fields: tuple[str, ...],
    offset: int,
    shape: Hashable,
) -> list[dict[str, Any]] | None:
    """Return `ranked_rows`'s rows by its reads compiled once (SQLite): the page's ids
    and scores ranked from the candidates' index, then those stories' `fields`.

    None where a story of the page was gone by the second read (killed or
    withheld in between: each statement reads the database as it is then),
    for the caller to read the page again in one statement rather than show
    it with a hole.
    """
    fts = _fts5_query(fold(q))
    with time_limited(q):
        newest = _newest_matches(fts)
        if not newest:
            return []
        _stories_of[shape] = stories
        best = _ranked_reads.rows(
            (shape, half_life_days, offset, limit),
            now,
            numbers=(newest[-1],),
            texts=(fts, json.dumps(newest)),
        )
        if not best:
            return []
        names = fields if "id" in fields else ("id", *fields)
        shown = _shown_reads.rows((shape, names), now, texts=(json.dumps([pk for pk, _ in best]),))
    at = names.index("id")
    by_id = {row[at]: dict(zip(names, row, strict=True)) for row in shown}
    if len(by_id) < len(best):
        return None
    return [{**{name: by_id[pk][name] for name in fields}, "score": score} for pk, score in best]


def _compiled_ranking(
    key: tuple[Hashable, float, int, int],
    moment: datetime,
    lowest: int,
    fts: str,
    newest: str,
) -> QuerySet[Any]:
    """Return the ranked read `_compiled_rows` compiles: `_sqlite_ranking`'s ids and
    scores, of `key`'s page and size."""
    shape, half_life_days, offset, limit = key
    adapted = connection.ops.adapt_datetimefield_value(moment)
    ranking = _sqlite_ranking(
        _stories_of[shape](moment), fts, lowest, newest, adapted, half_life_days
    )
    return ranking.order_by("-score", "-id").values_list("id", "score")[offset : offset + limit]


def _compiled_shown(
    key: tuple[Hashable, tuple[str, ...]], moment: datetime, ids: str
) -> QuerySet[Any]:
    """Return the read of a ranked page's stories (ids as a JSON array), as `key`'s
    columns: the stories a reader may see at `moment`, by their keys."""
    shape, names = key
    table = Story._meta.db_table
    return (
        _stories_of[shape](moment)
        .extra(where=[f"{table}.id IN (SELECT value FROM json_each(%s))"], params=[ids])
        .order_by()  # put in the ranking's order by the caller
        .values_list(*names)
    )


def _by_candidates_index(sql: str) -> str:
    """Return the ranked read's SQL with the story table read through CANDIDATES_INDEX.

    SQLite's planner finds stories by their key in the table itself even
    where every column a statement reads is in a smaller index; named, the
    index is read instead, a few dozen bytes a story rather than its row's
    page (migration 0022).
    """
    table = f'FROM "{Story._meta.db_table}" WHERE'
    if sql.count(table) != 1:  # not the shape this was written for: left to the planner
        return sql
    return sql.replace(
        table, f'FROM "{Story._meta.db_table}" INDEXED BY "{CANDIDATES_INDEX}" WHERE'
    )


def _ranking(
    stories: QuerySet[Story], q: str, now: datetime, half_life_days: float, top: int | None
) -> QuerySet[Story]:
    """Return `stories` among the newest CANDIDATES matches of `q` (words to look for),
    best first, each with its `score`; `top`: the newest story id (PostgreSQL)."""
    table = Story._meta.db_table
    moment = connection.ops.adapt_datetimefield_value(now)
    q = fold(q)
    # The recency weight's exponent is capped: PostgreSQL refuses a power that
    # underflows to zero (a story some nine years old), where Python gave 0.
    if connection.vendor == "sqlite":
        fts = _fts5_query(q)
        newest = _newest_matches(fts)
        if not newest:  # no match: nothing to rank (the score named for values())
            return stories.extra(select={"score": "0.0"}).none()
        found: QuerySet[Any] = _sqlite_ranking(
            stories, fts, newest[-1], json.dumps(newest), moment, half_life_days
        )
    else:
        # The candidates by id, then each ranked from its stored vector. As an
        # array, so each is found by its key: with plain index scans off, a join
        # to them was planned as a read of every visible story.
        candidates, candidate_params = _pg_candidates(q, top or 0)
        # Relevance as on SQLite: the query met by the headline's and the
        # slug's words alone (the vector's weight A) counts HEADLINE_WEIGHT
        # times a match in the text.
        found = stories.extra(
            select={
                "score": f"(CASE WHEN {PG_VECTOR} @@ {PG_IN_HEADLINE} "
                f"THEN {HEADLINE_WEIGHT} ELSE 1.0 END) "
                "* POWER(0.5::float8, LEAST(1000.0, GREATEST(0.0, EXTRACT(EPOCH FROM "
                f"(%s - {table}.first_published_at)) / 86400.0) / %s)::float8)"
            },
            select_params=[q, moment, half_life_days],
            where=[f"{table}.id = ANY(ARRAY({candidates}))"],
            params=candidate_params,
        )
    return found.order_by("-score", "-id")


def _sqlite_ranking(
    stories: QuerySet[Story],
    fts: str,
    lowest: int,
    newest: str,
    moment: str | None,
    half_life_days: float,
) -> QuerySet[Any]:
    """Return `stories` among the `newest` matches (ids as a JSON array, the oldest
    `lowest`), each with its `score` at `moment` (as the database writes it).

    The stories are read by their keys, and the words (`fts`) looked up once
    more in the headlines' index. Relevance is where the words are: all of
    them in the headline or the slug's words counts HEADLINE_WEIGHT times a
    match in the text, one FTS5 walk of HEADLINE_TABLE from the oldest
    candidate on (ascending: FTS5 walks a bounded range newest first only by
    reading the whole list), which holds no text's words to step over. No
    statistic of the whole index (bm25's count of every story holding each
    word) is read.
    """
    table = Story._meta.db_table
    headline = (
        f"{table}.id IN (SELECT rowid FROM {HEADLINE_TABLE} "
        f"WHERE {HEADLINE_TABLE} MATCH %s AND rowid >= %s)"
    )
    return stories.extra(
        select={
            "score": f"(CASE WHEN {headline} THEN {HEADLINE_WEIGHT} ELSE 1.0 END) "
            "* POWER(0.5, MIN(1000.0, MAX(0.0, julianday(%s) - "
            f"julianday({table}.first_published_at)) / %s))"
        },
        select_params=[fts, lowest, moment, half_life_days],
        where=[f"{table}.id IN (SELECT value FROM json_each(%s))"],
        params=[newest],
    )


# The ranked reads of `ranked_rows`, by the stories' shape and the page's, and
# the reads of the stories they rank; the stories of each shape, as its caller
# gave them.
_ranked_reads = CompiledReads(_compiled_ranking, numbers=1, texts=2, edit=_by_candidates_index)
_shown_reads = CompiledReads(_compiled_shown, texts=1)
_stories_of: dict[Hashable, Callable[[datetime], QuerySet[Story]]] = {}


def _newest_matches(fts: str) -> list[int]:
    """Return the ids of the newest CANDIDATES matches of `fts`, newest first: FTS5's
    walk of its index newest first, stopped there."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rowid FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH %s "
            "ORDER BY rowid DESC LIMIT %s",
            [fts, CANDIDATES],
        )
        return [row[0] for row in cursor.fetchall()]


def _pg_candidates(q: str, newest: int) -> tuple[str, list[str | int]]:
    """Return the SQL and parameters of the ids of `q`'s newest CANDIDATES matches.

    Read a window of SLABs at a time, newest first: the one holding `newest`,
    the one before it, then two, four, ... (WINDOW_SLABS), each from the
    GIN index keyed by slab and words (migration 0024), which gives only the
    window's matches. A GIN index alone gives every match of the words in
    the archive, a bitmap built a match at a time, for each window that
    asked: a common word's cost grew with the archive (docs/benchmarks.md).
    Then the rest at once, for words that matched fewer than CANDIDATES in
    the windows' slabs (64: under one story in 300): the index's matches by
    words alone, each one's id tested on its row (`id + 0`, which no index of
    the key answers: a range of hundreds of thousands of ids cost more than
    those words' every match). UNION ALL runs its branches in
    order and the LIMIT stops it once CANDIDATES came, so a later branch is
    read only while fewer matched. Run with plain index scans off
    (`time_limited`, search_time_limit.py): a walk of the key tests each
    row's vector, read from its TOAST table, which the planner counts as
    nothing.
    """
    table = Story._meta.db_table
    match = f"{PG_VECTOR} @@ websearch_to_tsquery('simple', %s)"
    branches: list[str] = []
    params: list[str | int] = []
    slab = newest // SLAB  # the newest slab not yet read
    for width in WINDOW_SLABS:
        slabs = range(slab, max(slab - width, -1), -1)
        if not slabs:
            break
        # The slabs as numbers in the SQL: the planner matches them with the
        # index's key, its expression written as in migration 0024.
        listed = ",".join(str(number) for number in slabs)
        branches.append(
            f"(SELECT id FROM {table} WHERE id / {SLAB} = ANY('{{{listed}}}'::bigint[]) "
            f"AND {match} ORDER BY id DESC LIMIT %s)"
        )
        params += [q, CANDIDATES]
        slab -= width
    if slab >= 0:
        branches.append(
            f"(SELECT id FROM {table} WHERE {match} AND id + 0 < {(slab + 1) * SLAB} "
            "ORDER BY id DESC LIMIT %s)"
        )
        params += [q, CANDIDATES]
    sql = f"SELECT id FROM ({' UNION ALL '.join(branches)}) AS newest LIMIT %s"
    return sql, [*params, CANDIDATES]


def _fts5_query(q: str) -> str:
    # Every word as a quoted term: user input never reaches FTS5's query syntax.
    return " ".join('"' + word.replace('"', '""') + '"' for word in q.split())
