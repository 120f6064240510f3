"""The long tail's reads keep their plans: each through the index meant for it, none a scan.

A reader's search, an app's poll (`since`), a crawler's walk of lists,
sitemaps and old stories: every address asked once, so no cache helps, and
each must cost a bounded amount of work whatever the archive's size
(docs/design.md, Bounded cost per request). On an archive of a few thousand
stories with the planner's statistics, each read's statements are captured
as a request runs them and explained by the engine in use (SQLite's EXPLAIN
QUERY PLAN rows; PostgreSQL's JSON plan, walked as a tree, with sequential
scans priced out so that a small table shows the index a large one would
use, and a scan shows only where no index serves): a later change that turns
an index walk into a scan, or sorts every match, fails here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wiredesk.sources.models import Agency, Feed
from wiredesk.stories.models import Section, Story, StoryLabel
from wiredesk.stories.storage.search_ranking import CANDIDATES
from wiredesk.stories.storage.statistics import analyze

from .options import with_options

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
STORIES = 2_000
TABLE = Story._meta.db_table
LABELS = StoryLabel._meta.db_table
LATE = range(40, 2_000, 200)  # old stories updated in the last five minutes
SINCE = "2026-12-01T11:30:00Z"  # half an hour before NOW


def words_of(n: int) -> str:
    # Every story has three of fifty common words; one in fifty has "rare pair".
    common = " ".join(f"word{(n * k) % 50}" for k in (1, 3, 7))
    return f"{common} rare pair" if n % 50 == 0 else common


@pytest.fixture
def archive(db: Any, settings: Any) -> list[Story]:
    """Store STORIES stories, one every five minutes back from NOW, with the planner's statistics.

    Two agencies share them but for a rare one (one story in 150); a tenth of
    a percent are in Hindi; half are under the topic "world", two in three in
    the section "world", one in 500 under the topic "korea" and one in 500 in
    the section "culture"; one in a hundred was killed. Returned newest first.
    """
    # The feed's read as Django runs it, so that it is captured with its values.
    with_options(settings, database={"prepared_statements": False})
    agencies = [
        Agency.objects.create(slug=slug, name=slug, byline=slug)
        for slug in ("wire", "press", "rare")
    ]
    Section.objects.create(name="World", slug="world")
    Section.objects.create(name="Culture", slug="culture")
    stories = []
    for n in reversed(range(STORIES)):  # oldest first: ids grow with time
        published = NOW - timedelta(minutes=5 * n + 1)
        stories.append(
            Story(
                agency=agencies[2] if n % 150 == 7 else agencies[n % 2],
                item_id=f"urn:{n}",
                slug=f"story-{n}",
                headline=f"Story {n} {words_of(n)}",
                body_html=f"<p>{words_of(n)}</p>",
                body_text=words_of(n),
                language="hi" if n % 1000 == 9 else "en",
                # One story in 500 is also under "korea", and in the section "culture".
                topics=("|korea|world|" if n % 500 == 3 else "|world|") if n % 2 else "|sport|",
                sections=("|culture|world|" if n % 500 == 5 else "|world|") if n % 3 else "",
                first_published_at=published,
                modified_at=NOW - timedelta(minutes=5) if n in LATE else published,
                published_at=published,
                # One in a hundred killed, a minute after it was published.
                state=Story.State.KILLED if n % 100 == 55 else Story.State.PUBLISHED,
                killed_at=published + timedelta(minutes=1) if n % 100 == 55 else None,
                version_count=1,
            )
        )
    Story.objects.bulk_create(stories, batch_size=500)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO story_search (rowid, headline, body) "
                f"SELECT id, headline, body_text FROM {TABLE}"
            )
            cursor.execute(
                f"INSERT INTO story_headline_search (rowid, headline) SELECT id, headline FROM {TABLE}"
            )
    analyze()
    return list(Story.objects.order_by("-first_published_at", "-id"))


@dataclass
class Step:
    """One step of a statement's plan: what it reads, through which index, and how."""

    table: str  # "" for a step that reads no table (a sort, a limit, a join)
    index: str  # the index it reads through; "pk" for the primary key; "" for none
    scan: bool  # reads every row of `table` in the table's order, through no index
    sort: bool  # sorts what reaches it
    detail: str


def plan(sql: str, bitmaps: bool = False) -> list[Step]:
    """Return the engine's plan of `sql` as steps.

    On PostgreSQL, a few thousand rows fit in a few pages, where reading all
    of them beats any index: sequential scans are priced out (one is still
    chosen where no index can serve the statement, and only there), and so are
    bitmap scans unless `bitmaps` (a full-text index has no other kind), which
    read a whole range in the table's order and sort it, as a scan would.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            return [_sqlite_step(row[3]) for row in cursor.fetchall()]
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(f"SET enable_bitmapscan = {'on' if bitmaps else 'off'}")
        try:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
            document = cursor.fetchone()[0]
        finally:
            cursor.execute("RESET enable_seqscan")
            cursor.execute("RESET enable_bitmapscan")
    tree = json.loads(document) if isinstance(document, str) else document
    return list(_postgres_steps(tree[0]["Plan"]))


def _sqlite_step(detail: str) -> Step:
    words = detail.split()
    reads = words[0] in ("SCAN", "SEARCH")
    index = ""
    if reads and "PRIMARY KEY" in detail:
        index = "pk"
    elif reads and "INDEX" in words and "VIRTUAL" not in words:
        index = words[words.index("INDEX") + 1]
    return Step(
        table=words[1] if reads else "",
        index=index,
        scan=words[0] == "SCAN" and not index,
        sort="TEMP B-TREE" in detail,
        detail=detail,
    )


def _postgres_steps(node: dict[str, Any]) -> Any:
    kind = node["Node Type"]
    index = node.get("Index Name", "")
    yield Step(
        table=node.get("Relation Name", ""),
        index="pk" if index.endswith("_pkey") else index,
        scan=kind == "Seq Scan",
        sort=kind in ("Sort", "Incremental Sort"),
        detail=f"{kind} {node.get('Relation Name', '')} {index} {node.get('Index Cond', '')}".strip(),
    )
    for child in node.get("Plans", []):
        yield from _postgres_steps(child)


@dataclass
class Read:
    """A statement a request ran on the story table, and its plan."""

    sql: str
    steps: list[Step]

    @property
    def limited(self) -> bool:
        return re.search(r"\bLIMIT\b", self.sql) is not None

    def indexes(self) -> set[str]:
        """Return the indexes it reads stories or their labels through."""
        return {step.index for step in self.steps if step.table in (TABLE, LABELS) and step.index}

    def sorts(self) -> bool:
        return any(step.sort for step in self.steps)

    def assert_no_scan(self) -> None:
        scans = [step.detail for step in self.steps if step.scan and step.table in (TABLE, LABELS)]
        assert scans == [], (self.sql, self.steps)


def story_reads(client: Any, url: str, bitmaps: bool = False) -> list[Read]:
    """Return each statement on the story table that GET `url` ran, with its plan."""
    with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    table = re.compile(rf'(?<![\w"]){TABLE}(?![\w"])|"{TABLE}"')
    sqls = [q["sql"] for q in queries.captured_queries if table.search(q["sql"])]
    selects = [sql for sql in sqls if sql.lstrip().upper().startswith("SELECT")]
    return [Read(sql, plan(sql, bitmaps)) for sql in selects]


def assert_newest_first_walk(read: Read, *indexes: str) -> None:
    """Assert `read` takes a page through one of `indexes` in order: no scan, no sort."""
    read.assert_no_scan()
    assert read.limited, read.sql
    assert read.indexes() & set(indexes), (read.sql, read.steps)
    assert not read.sorts(), (read.sql, read.steps)


def test_lists_read_a_page_through_the_newest_first_index(client, archive):
    first = client.get("/api/v1/stories", {"limit": 20}).json()
    cursor = first["next_cursor"]
    for url in ("/", "/?page=10", "/api/v1/stories", f"/api/v1/stories?cursor={cursor}"):
        [read] = story_reads(client, url)
        assert_newest_first_walk(read, "story_recent")


def test_a_deep_list_page_reads_a_range_from_the_story_that_names_it(client, archive):
    # A crawler walking a list to its oldest page: past the numbered pages each is
    # named by the story next to it and read as a range of the list's index from
    # that story's place, never counted from the top (OFFSET: every newer story).
    # An agency holding half the stories may be read by the newest-first index
    # as well as by its own (PostgreSQL's choice): a range either way.
    deep = archive[1_500].pk
    for url, indexes in (
        (f"/?before={deep}", {"story_recent"}),
        (f"/?after={deep}", {"story_recent"}),
        (f"/topic/world/?before={deep}", {"story_label_recent"}),
        (f"/topic/korea/?before={deep}", {"story_label_recent"}),
        (f"/agency/wire/?before={deep}", {"story_agency_recent", "story_recent"}),
    ):
        place, read = story_reads(client, url)
        assert place.indexes() == {"pk"} and place.limited, place.steps  # the story named
        assert_newest_first_walk(read, *indexes)
        assert not re.search(r"\bOFFSET\b", read.sql), read.sql
        ranges = [s for s in read.steps if s.index in indexes and "first_published_at" in s.detail]
        assert ranges, read.steps  # a range of the index from the story's place


def test_a_rare_agencys_list_and_feed_read_the_agencys_own_index(client, archive):
    # One story in 150 is the rare agency's: walking every story for them is the scan.
    for url in ("/agency/rare/", "/api/v1/stories?agency=rare"):
        [read] = story_reads(client, url)
        assert_newest_first_walk(read, "story_agency_recent")
    assert_feed_reads(story_reads(client, "/agency/rare/rss.xml"), "story_agency_recent")


@pytest.fixture
def one_agency(archive: list[Story]) -> list[Story]:
    """The archive as a site fed by one agency ("wire") has it: every story the agency's,
    no other agency, and the planner's statistics taken again."""
    wire = Agency.objects.get(slug="wire")
    Story.objects.update(agency=wire)
    Agency.objects.exclude(pk=wire.pk).delete()
    analyze()
    return archive


def test_the_only_agencys_list_and_feed_walk_an_index_newest_first_to_a_page(client, one_agency):
    # The statistics say one agency, holding every story: with the agency joined to
    # the list's read, SQLite read the agency first, then every story, and sorted
    # them all for a page. The list's read joins no agency.
    first = client.get("/api/v1/stories", {"agency": "wire", "limit": 20}).json()
    for url in (
        "/agency/wire/",
        "/agency/wire/?page=3",
        "/api/v1/stories?agency=wire&limit=77",
        f"/api/v1/stories?agency=wire&cursor={first['next_cursor']}",
    ):
        [read] = story_reads(client, url)
        assert_newest_first_walk(read, "story_agency_recent", "story_recent")
        assert not re.search(rf'JOIN "?{Agency._meta.db_table}\b', read.sql), read.sql
    # Every story being the agency's, PostgreSQL takes the feed's from the
    # newest-first index, as for the site's feed: as bounded.
    feed = story_reads(client, "/agency/wire/rss.xml")
    listing = "story_recent" if "story_recent" in feed[0].indexes() else "story_agency_recent"
    assert_feed_reads(feed, listing)


def test_the_sites_feed_reads_the_newest_and_the_recent_kills_through_their_indexes(
    client, archive
):
    assert_feed_reads(story_reads(client, "/feeds/rss.xml"), "story_recent")


def assert_feed_reads(reads: list[Read], listing: str) -> None:
    """Assert a feed's one read takes its stories and kills by index; the items by key."""
    feed, *items = reads
    feed.assert_no_scan()
    assert {listing, "story_killed_at"} <= feed.indexes(), feed.steps
    for read in items:  # the stories whose items are rendered, by id
        read.assert_no_scan()
        assert read.indexes() == {"pk"}, read.steps


def assert_label_walk(read: Read) -> None:
    """Assert `read` takes a page of one label's range newest first, each story by its key."""
    assert_newest_first_walk(read, "story_label_recent")
    labels = [step for step in read.steps if step.table == LABELS]
    assert labels and all(step.index == "story_label_recent" for step in labels), read.steps
    stories = [step for step in read.steps if step.table == TABLE]
    assert stories and all(step.index == "pk" for step in stories), read.steps


def test_a_topic_section_or_language_list_reads_its_own_index_in_one_read(
    client, archive, settings
):
    # A rare topic ("korea", one story in 500), section ("culture") or language
    # ("hi", one in 1,000) walked newest first read most of the archive before it
    # had a page: each reads its own range of the labels' index, as a common one
    # does. A topic page is one read: asking first whether the topic has stories
    # read the table a second time.
    with_options(settings, site={"editions": ["hi"]})
    korea = client.get("/api/v1/stories", {"topic": "korea", "limit": 1}).json()
    for url in (
        "/topic/korea/",
        "/topic/world/",
        "/section/culture/",
        "/section/world/",
        "/hi/",  # an edition's home: its language's stories
        "/api/v1/stories?topic=korea",
        f"/api/v1/stories?topic=korea&cursor={korea['next_cursor']}",
        "/api/v1/stories?topic=world",
        "/api/v1/stories?language=hi",
        "/api/v1/stories?language=en",
    ):
        [read] = story_reads(client, url)
        assert_label_walk(read)
    for url in ("/topic/korea/rss.xml", "/section/culture/atom.xml", "/hi/feeds/rss.xml"):
        assert_feed_reads(story_reads(client, url), "story_label_recent")


def test_an_apps_poll_since_its_last_reads_two_bounded_ranges(client, archive):
    reads = story_reads(client, f"/api/v1/stories?since={SINCE}")
    assert len(reads) == 2, [read.sql for read in reads]
    recent, older = reads
    # Published since: the newest-first index as a range from the top, to a page.
    assert_newest_first_walk(recent, "story_recent")
    # Published before and changed since: found by the change time, a page taken.
    older.assert_no_scan()
    assert older.limited
    assert "story_modified" in older.indexes(), older.steps


def test_a_poll_since_long_ago_reads_one_page_of_the_newest(client, archive):
    # A full page published since: the stories updated since, published before,
    # all come after it, and are not read (they were every story since, sorted).
    [read] = story_reads(client, "/api/v1/stories?since=2026-11-20T00:00:00Z")
    assert_newest_first_walk(read, "story_recent")


def test_an_apps_poll_lists_every_story_changed_since_newest_first_across_pages(client, archive):
    since = datetime(2026, 12, 1, 11, 30, tzinfo=UTC)
    shown = [s for s in archive if s.state == Story.State.PUBLISHED]
    expected = [s.pk for s in shown if s.modified_at >= since]
    assert len(expected) == 6 + len(LATE)  # the last half hour's and the late updates
    seen: list[int] = []
    params = {"since": SINCE, "limit": 7}
    with time_machine.travel(NOW, tick=False):
        while True:
            page = client.get("/api/v1/stories", params).json()
            seen += [item["id"] for item in page["items"]]
            if not page["next_cursor"]:
                break
            params["cursor"] = page["next_cursor"]
    assert seen == expected


@pytest.mark.parametrize("words", ["rare pair", "word1 word3"])
def test_search_is_ranked_in_the_engine_a_page_at_a_time(client, archive, words):
    later = f"/search?q={words}&page=2"  # a later page: the same read, further down
    for url in (f"/search?q={words}", later, f"/api/v1/stories?q={words}&agency=press"):
        reads = story_reads(client, url, bitmaps=True)
        if connection.vendor == "postgresql":
            # The newest id, read by the statement that sets the time limit (the
            # candidates' windows are numbers from it): the end of the key.
            newest, *reads = reads
            assert "MAX(id)" in newest.sql and "pk" in newest.indexes(), newest.steps
        if connection.vendor == "sqlite" and url.startswith("/search"):
            # The site's search, compiled once: its candidates ranked from their
            # index (visibility, language, time by key), never their rows; then
            # only the page's stories read, by their keys.
            read, shown = reads
            assert read.indexes() == {"story_candidates"}, read.steps
            shown.assert_no_scan()
            assert shown.indexes() == {"pk"} and "json_each" in shown.sql, shown.steps
            assert not shown.sorts(), shown.steps
        else:
            [read] = reads
        read.assert_no_scan()
        assert read.limited
        # The stories are reached by their key from the index's newest matches.
        assert read.indexes() & {"pk", "story_candidates"}, read.steps
        if connection.vendor == "sqlite":
            # The headline's weight from the headlines' own index, not a column
            # filter walking the text's every occurrence of the words too.
            assert any(s.table == "story_headline_search" for s in read.steps), read.steps


@pytest.mark.skipif(
    "connection.vendor != 'sqlite'", reason="the candidates' index is SQLite's search's"
)
def test_an_editions_search_ranks_its_candidates_from_their_index(client, archive, settings):
    # An edition's search (and the main one, with an edition's language left out)
    # filters its candidates on their own language, which their index holds, not
    # through the labels a list's walk joins: the candidates' rows are never read.
    with_options(settings, site={"editions": ["hi"]})
    for url in ("/hi/search?q=word1+word3", "/search?q=word1+word3"):
        ranked, *_ = story_reads(client, url)
        assert ranked.indexes() == {"story_candidates"}, ranked.steps
        assert not any(step.table == LABELS for step in ranked.steps), ranked.steps


def _explained(sql: str, words: str) -> Any:
    """Return PostgreSQL's plan of the search statement `sql`, as run, as JSON."""
    from wiredesk.stories.storage.search_time_limit import time_limited

    with time_limited(words, newest=True), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # as `plan` does: a large table's plan
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
        document = cursor.fetchone()[0]
    tree = json.loads(document) if isinstance(document, str) else document
    return tree[0]["Plan"]


def _search_statement(client: Any, words: str) -> str:
    with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as queries:
        assert client.get("/search", {"q": words}).status_code == 200
    [sql] = [q["sql"] for q in queries.captured_queries if "websearch_to_tsquery" in q["sql"]]
    return sql


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_a_common_words_candidates_are_read_from_the_newest_slabs_only(client, archive):
    # "story" is in every headline: its newest CANDIDATES matches are in the
    # newest two slabs of ids, and only their rows are read, not every match
    # sorted.
    from wiredesk.stories.storage.search_index import SLAB

    plan = _explained(_search_statement(client, "story"), "story")
    visited = sum(
        (node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)) * node["Actual Loops"]
        for node in _nodes(plan)
        if node.get("Relation Name") == TABLE
    )
    newest = max(story.pk for story in archive) // SLAB
    in_newest_two = sum(story.pk // SLAB >= newest - 1 for story in archive)
    # The two slabs' rows, and each candidate's by its key to rank it.
    assert visited <= in_newest_two + 2 * CANDIDATES, json.dumps(plan)


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_a_searchs_candidates_come_from_the_slabs_matches_never_a_range_of_the_key(client, archive):
    # The GIN index keyed by slab of ids then words gives a window's matches
    # alone (migration 0024): no range of the key is read to AND with every
    # match of the words in the archive (at a million stories, the bitmap of
    # a word in one story in twelve cost 20 ms a window), and the index's
    # expression is the one the statement names, or the planner would not use it.
    from wiredesk.stories.storage.search_index import SLAB

    plan = _explained(_search_statement(client, "word1 word3"), "word1 word3")
    by_key = sum(
        node.get("Actual Rows", 0) * node["Actual Loops"]
        for node in _nodes(plan)
        if node.get("Index Name") == f"{TABLE}_pkey"
    )
    # Each candidate by its key, to rank it: nothing else.
    assert 0 < by_key <= CANDIDATES, json.dumps(plan)
    # The windows read their slabs' matches from the index (and the rest, where
    # they held too few, its words' own).
    slabs = [node for node in _nodes(plan) if node.get("Index Name") == "story_search_slab"]
    assert any(f"id / {SLAB}" in node["Index Cond"] for node in slabs if node["Actual Loops"]), (
        json.dumps(plan)
    )


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_the_search_index_keeps_no_pending_list_each_slab_scan_would_read(db):
    # A search reads each slab of its windows in a scan of its own, and each GIN
    # scan first reads the index's whole pending list: new stories' words go
    # into the index itself (migration 0024).
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'story_search_slab'")
        [options] = cursor.fetchone()
    assert "fastupdate=off" in options


def _nodes(node: dict[str, Any]) -> Any:
    yield node
    for child in node.get("Plans", []):
        yield from _nodes(child)


def test_search_filters_are_applied_in_the_engine(client, archive):
    # Every headline says "Story": the rare agency's among the newest CANDIDATES
    # matches are found, where a filter of the best hundred kept one.
    newest = archive[:CANDIDATES]
    rare = [s.pk for s in newest if s.agency.slug == "rare" and s.state == "published"]
    assert len(rare) >= 2
    with time_machine.travel(NOW, tick=False):
        found = client.get("/api/v1/stories", {"q": "story", "agency": "rare", "limit": 5}).json()
    assert sorted(item["id"] for item in found["items"]) == sorted(rare)


def test_a_story_page_reads_its_story_by_key(client, archive):
    story = archive[1_500]
    for url in (story.get_absolute_url(), f"/api/v1/stories/{story.pk}"):
        reads = story_reads(client, url)
        assert reads
        for read in reads:
            read.assert_no_scan()
            assert not read.sorts() or read.limited, read.steps
        assert "pk" in reads[0].indexes()


def test_sitemaps_read_runs_of_ids_and_never_count_or_list_the_archive(client, archive):
    for url in ("/sitemap.xml", "/sitemap-stories.xml?p=1", "/sitemap-news.xml"):
        for read in story_reads(client, url):
            read.assert_no_scan()
            # Each read is a page, a range of ids, or an end of an index; none walks
            # an index unlimited (SQLite's SCAN through one: MIN and MAX of the ids
            # in one statement walked all of them).
            walks = [s.detail for s in read.steps if s.table == TABLE and s.detail[:4] == "SCAN"]
            assert read.limited or not walks, (read.sql, read.steps)
            bounded = read.limited or re.search(r"\bMAX\(|\bMIN\(", read.sql, re.IGNORECASE)
            assert bounded or "pk" in read.indexes() or "story_recent" in read.indexes(), read.sql
    [*_, page] = story_reads(client, "/sitemap-stories.xml?p=1")
    assert "pk" in page.indexes() and not page.sorts(), page.steps


def test_a_story_sitemap_file_reads_its_run_of_ids_from_each_table_by_its_key(client, archive):
    # A file's stories, their lead pictures and their translations: each read as the
    # file's range of its table's key or index, neither scanned nor sorted (each was
    # given the ids of all the file's stories, one by one).
    from wiredesk.site.translations import link

    link(archive[-1], archive[-2], "agency")  # the oldest two: the first file's
    with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as queries:
        assert client.get("/sitemap-stories.xml?p=1").status_code == 200
    for table, column, index in (
        (TABLE, "id", "pk"),
        ("pictures_storypicture", "story_id", "storypicture_shown"),
        ("site_storytranslation", "story_id", "pk"),
    ):
        ranged = f'"{table}"."{column}" >='
        [sql] = [q["sql"] for q in queries.captured_queries if ranged in q["sql"]]
        steps = plan(sql)
        # A primary key not the rowid is SQLite's own index of the table.
        keys = {index, f"sqlite_autoindex_{table}_1"} if index == "pk" else {index}
        [read] = [s for s in steps if s.table == table]
        assert read.index in keys, steps
        assert not any(s.scan or s.sort for s in steps), steps


def test_a_metrics_scrape_reads_the_last_days_deliveries_and_the_waiting_outbox_by_index(
    archive,
):
    # Every node is scraped every few seconds: the deliveries and outbox messages
    # kept by the million must be read as ranges, never walked.
    from wiredesk.desk import gauges
    from wiredesk.stories.models import Delivery
    from wiredesk.syndication.models import OutboundMessage

    feed = Feed.objects.create(agency=Agency.objects.first(), slug="metrics-feed", location="-")
    # A month of deliveries, one every ten minutes: the last day is a twentieth of them.
    Delivery.objects.bulk_create(
        [
            Delivery(
                sha256=f"{n:064x}",
                feed=feed,
                origin=f"{n}.xml",
                received_at=NOW - timedelta(minutes=10 * n),
                size=1,
                data=b"x",
            )
            for n in range(30 * 144)
        ],
        batch_size=500,
    )
    analyze()
    with CaptureQueriesContext(connection) as queries:
        list(gauges.outbox(NOW))
        list(gauges.feeds(NOW))
    tables = {
        Delivery._meta.db_table: "delivery_received",
        OutboundMessage._meta.db_table: "outbox_due",
    }
    for table, index in tables.items():
        reads = [q["sql"] for q in queries.captured_queries if f'"{table}"' in q["sql"]]
        assert reads, table
        for sql in reads:
            steps = [step for step in plan(sql) if step.table == table]
            assert steps and all(step.index == index for step in steps), (sql, steps)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own setting")
def test_sqlite_keeps_a_large_page_cache(db: Any) -> None:
    # A long-tail read's rows are pages SQLite's default 2 MB cache does not hold:
    # kept, rather than copied by a system call each time they are read.
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (cache_size,) = cursor.fetchone()
    assert -cache_size * 1024 >= 128 << 20  # negative: KiB
