"""Search on whichever engine runs the tests (SQLite FTS5 here, PostgreSQL in CI's second run):
ranked by relevance and recency; killed, withheld and embargoed stories never found."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import lxml.html
import pytest
import time_machine
from django.db import connection

from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.stories.models import Story
from wiredesk.stories.search import search_stories

from .wire_builder import g2_item

NOW = datetime(2021, 10, 14, 12, 0, tzinfo=UTC)


def deliver(feeds, guid, headline, text, hours_ago=1, **extra):
    when = NOW - timedelta(hours=hours_ago)
    ingest_bytes(
        feeds["ians"],
        g2_item(
            guid,
            extra.pop("version", 1),
            when,
            headline=headline,
            paragraphs=(text,),
            first_created=when,
            **extra,
        ),
        f"{guid}.xml",
    )


def result_headlines(client, q):
    """Return the headlines of the site's results page for `q`, in its order."""
    page = lxml.html.fromstring(client.get("/search", {"q": q}).content)
    return page.xpath("//ul[@class='cards']/li/h2/a/text()")


def ids(stories):
    return [s.item_id for s in stories]


def test_relevance_headline_matches_rank_above_body_matches(feeds):
    with time_machine.travel(NOW, tick=False):
        deliver(
            feeds,
            "body",
            "Markets close higher",
            "NEW DELHI, Oct 14 Monsoon rains lifted farm stocks today.",
        )
        deliver(
            feeds,
            "headline",
            "Monsoon withdraws from north India",
            "NEW DELHI, Oct 14 The rains have ended.",
        )
        deliver(
            feeds, "none", "Cricket: hosts win", "CARDIFF, Oct 14 The hosts won by six wickets."
        )
        assert ids(search_stories("monsoon")) == ["headline", "body"]


def test_the_sites_search_ranks_a_headline_match_above_a_newer_text_match(feeds, client):
    # The results page's read (compiled once on SQLite) weighs the headline as
    # the desk's does: from the headlines' own index there, the vector's weight
    # on PostgreSQL.
    with time_machine.travel(NOW, tick=False):
        deliver(feeds, "head", "Monsoon withdraws from north India", "The rains have ended.", 3)
        deliver(feeds, "text", "Markets close higher", "Monsoon rains lifted farm stocks.", 1)
        deliver(feeds, "none", "Cricket: hosts win", "The hosts won by six wickets.", 1)
        headlines = result_headlines(client, "monsoon")
    assert headlines == ["Monsoon withdraws from north India", "Markets close higher"]


def test_a_headline_changed_by_a_new_version_loses_its_old_words_weight(feeds, client):
    # The headline's words are weighed from the story as it is now: a new
    # version's headline replaces the old one's in the index (SQLite's
    # headlines' table), and words only its text still holds are a text match.
    with time_machine.travel(NOW, tick=False):
        deliver(feeds, "older", "Cyclone Dana forms", "A depression deepened.", 24 * 5)
        deliver(feeds, "story", "Cyclone Dana nears coast", "The storm is expected.", 1)
        deliver(
            feeds,
            "story",
            "Storm nears coast",
            "The storm, named Cyclone Dana, is expected.",
            1,
            version=2,
        )
        assert ids(search_stories("cyclone dana")) == ["older", "story"]
        headlines = result_headlines(client, "cyclone dana")
    assert headlines == ["Cyclone Dana forms", "Storm nears coast"]


@pytest.mark.skipif(
    "connection.vendor != 'sqlite'", reason="SQLite's search reads its page in two statements"
)
def test_a_story_killed_between_a_searchs_two_reads_leaves_no_hole_in_its_page(feeds, monkeypatch):
    # The page's ranking and its stories are two statements on SQLite: a story
    # killed between them is read again as one, the next story taking its place.
    from functools import partial

    from wiredesk.site.editions import visible_in_scope_by_row
    from wiredesk.site.search_results import FIELDS
    from wiredesk.stories import editorial
    from wiredesk.stories.search import search_rows
    from wiredesk.stories.storage import search_ranking

    with time_machine.travel(NOW, tick=False):
        for n in range(3):
            deliver(feeds, f"s{n}", f"Monsoon report {n}", "The rains came.", n + 1)
        first = Story.objects.get(item_id="s0")
        ranked = search_ranking._ranked_reads.rows

        def ranked_then_killed(*args, **kwargs):
            rows = ranked(*args, **kwargs)
            if Story.objects.filter(pk=first.pk).exclude(state=Story.State.KILLED).exists():
                editorial.kill([first.pk], None, "Takedown")
            return rows

        monkeypatch.setattr(search_ranking._ranked_reads, "rows", ranked_then_killed)
        within = partial(visible_in_scope_by_row, ())
        found = search_rows("monsoon", FIELDS, limit=2, within=within, shape=())
    assert [row["headline"] for row in found] == ["Monsoon report 1", "Monsoon report 2"]


def test_recency_breaks_even_relevance(feeds):
    with time_machine.travel(NOW, tick=False):
        deliver(
            feeds,
            "old",
            "Ferry services resume",
            "Ferry services resumed across the strait.",
            hours_ago=24 * 6,
        )
        deliver(
            feeds,
            "new",
            "Ferry services resume",
            "Ferry services resumed across the strait.",
            hours_ago=1,
        )
        assert ids(search_stories("ferry services")) == ["new", "old"]


def test_a_headline_match_outranks_a_newer_text_match_for_a_week(feeds):
    # Every word in the headline counts five times a match in the text, and
    # the recency weight halves every three days: a headline match ranks first
    # until it is some seven days (log2 5 half-lives) older than the text match.
    with time_machine.travel(NOW, tick=False):
        deliver(feeds, "text", "Markets close higher", "Cyclone Dana weakens over land.")
        deliver(feeds, "head-5", "Cyclone Dana nears coast", "The storm is expected.", 24 * 5)
        deliver(feeds, "head-10", "Cyclone Dana forms", "A depression deepened.", 24 * 10)
        assert ids(search_stories("cyclone dana")) == ["head-5", "text", "head-10"]
        # One word of two in the headline is a text match.
        deliver(feeds, "half", "Dana's path", "The cyclone turned north.", 2)
        assert ids(search_stories("cyclone dana")) == ["head-5", "text", "half", "head-10"]


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="websearch_to_tsquery's operators")
def test_a_search_with_or_gives_the_headline_weight_on_postgresql(feeds):
    # The headline's test is the search's own query with weight A: "or" is
    # either word there too, not a word every headline must hold.
    with time_machine.travel(NOW, tick=False):
        deliver(feeds, "head", "Cyclone warning issued", "The coast is on alert.", 2)
        deliver(feeds, "text", "Markets close", "A cyclone warning was issued.", 1)
        assert ids(search_stories("cyclone or flood")) == ["head", "text"]
        assert ids(search_stories("warning -markets")) == ["head"]


def test_killed_withheld_and_embargoed_stories_are_never_found(feeds):
    with time_machine.travel(NOW, tick=False):
        deliver(feeds, "killed", "Volcano alert lowered", "Volcano activity eased.")
        deliver(
            feeds,
            "killed",
            "Volcano alert lowered",
            "Volcano activity eased.",
            version=2,
            status="canceled",
        )
        deliver(
            feeds, "withheld", "Volcano erupts again", "The volcano erupted.", status="withheld"
        )
        deliver(
            feeds,
            "embargoed",
            "Volcano study published",
            "A volcano study.",
            embargo=NOW + timedelta(days=1),
        )
        deliver(feeds, "visible", "Volcano tourism grows", "Volcano tourism grew this year.")
        assert ids(search_stories("volcano")) == ["visible"]


def test_an_update_is_searchable_by_its_new_words(feeds):
    with time_machine.travel(NOW, tick=False):
        deliver(feeds, "s", "Storm update", "A storm hit the coast.", hours_ago=2)
        deliver(feeds, "s", "Storm update", "A cyclone hit the coast.", version=2)
        assert ids(search_stories("cyclone")) == ["s"]


def test_user_input_never_breaks_the_query(feeds):
    with time_machine.travel(NOW, tick=False):
        deliver(feeds, "s", "Storm update", "A storm hit the coast.")
        for q in [
            'storm"',
            "storm AND (",
            "NEAR(storm",
            "*",
            "storm OR",
            "'; DROP TABLE x; --",
            "ü",
            "storm\\",  # a backslash: tsquery's escape
            "storm's \\' :A & !",
        ]:
            search_stories(q)  # no exception from either engine
        assert ids(search_stories("STORM")) == ["s"]


def test_search_page_and_api(client, feeds):
    with time_machine.travel(NOW, tick=False):
        deliver(feeds, "s", "Monsoon withdraws", "NEW DELHI, Oct 14 The monsoon has withdrawn.")
        tree = lxml.html.fromstring(client.get("/search", {"q": "monsoon"}).content)
        assert [a.text for a in tree.xpath('//ul[@class="cards"]//h2/a')] == ["Monsoon withdraws"]
        assert "No stories match" in client.get("/search", {"q": "zebra"}).content.decode()
        items = client.get("/api/v1/stories", {"q": "monsoon"}).json()["items"]
        assert [i["headline"] for i in items] == ["Monsoon withdraws"]
    assert Story.objects.count() == 1
    assert connection.vendor in ("sqlite", "postgresql")


def test_a_search_past_its_time_limit_answers_nothing_instead_of_holding_the_worker(
    feeds, monkeypatch, caplog
):
    from wiredesk.stories.storage import search_ranking as search
    from wiredesk.stories.storage import search_time_limit as limit

    deliver(feeds, "urn:slow", "Slow cyclone", "A cyclone moves slowly.")
    assert [s.item_id for s in search_stories("cyclone")] == ["urn:slow"]
    if connection.vendor == "postgresql":
        # A vector that takes 50 ms a row: the statement time-out must stop it.
        monkeypatch.setattr(
            search, "PG_VECTOR", "(to_tsvector('simple', headline || pg_sleep(0.05)::text))"
        )
        monkeypatch.setattr(limit, "MAX_QUERY_MS", 20)
    else:
        monkeypatch.setattr(limit, "MAX_QUERY_MS", 0)  # the progress handler stops it at once
        monkeypatch.setattr(limit, "PROGRESS_STEPS", 1)
    assert search_stories("cyclone") == []
    assert "search stopped after" in caplog.text
    monkeypatch.undo()
    assert [s.item_id for s in search_stories("cyclone")] == ["urn:slow"]  # the connection is fine
