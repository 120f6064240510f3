"""A sitemap file costs its own rows: the same statements, and Python calls a story, at any size.

A crawler walking the archive asks each file of the stories' sitemap once,
so no cache helps (docs/design.md, Bounded cost per request). Each file, the
Google News sitemap's and the index must run a fixed number of statements
and a bounded number of Python function calls for each entry (counted by
cProfile: the same on a busy machine as on a quiet one), and name each story
at the address its page has, whatever its slug holds.
"""

from __future__ import annotations

import cProfile
import pstats
import re
from datetime import timedelta
from typing import Any

import lxml.etree
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from wiredesk.sources.models import Agency
from wiredesk.stories.models import Story
from wiredesk.syndication.sitemaps import NewsSitemap, StorySitemap

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
# Function calls each further entry of a file adds (its row, address, times, line).
CALLS_PER_STORY = 60
CALLS_PER_NEWS_STORY = 120  # and its title, language and publication date
CALLS_PER_INDEXED_FILE = 30
# Slugs as agencies' headlines give them: any script, and characters a URL or XML quotes.
SLUGS = ("खबर-{n}", "story-{n}", "a+b;c-{n}", "news_{n}~x", "café-{n}", "r&d-{n}")


@pytest.fixture
def stories(db: Any) -> list[Story]:
    """Store 600 stories, one a minute back from now, one in 20 killed; return them oldest first."""
    agency = Agency.objects.create(slug="wire", name="Wire", byline="Wire")
    now = timezone.now()
    Story.objects.bulk_create(
        Story(
            agency=agency,
            item_id=f"urn:{n}",
            slug=SLUGS[n % len(SLUGS)].format(n=n),
            headline=f"Story {n} <& “quoted”",
            body_html="<p>x</p>",
            body_text="x",
            language="hi" if n % 10 == 9 else "en",
            first_published_at=now - timedelta(minutes=n + 1),
            published_at=now - timedelta(minutes=n + 1),
            modified_at=now - timedelta(minutes=n + 1),
            state=Story.State.KILLED if n % 20 == 7 else Story.State.PUBLISHED,
            version_count=1,
        )
        for n in reversed(range(600))
    )
    return list(Story.objects.order_by("pk"))


def cost(client: Any, url: str) -> tuple[list[str], int, bytes]:
    """Return (statements, Python calls, body) of one GET of `url`, asked once before."""
    assert client.get(url).status_code == 200
    profile = cProfile.Profile()
    with CaptureQueriesContext(connection) as queries:
        profile.enable()
        response = client.get(url)
        profile.disable()
    assert response.status_code == 200
    # Whether any story is in a translation group is kept by the content generation,
    # asked again where the generation cannot be kept: not a read of the file's.
    probe = re.compile(r'^SELECT 1 AS "a" FROM "site_storytranslation" LIMIT 1$')
    sqls = [query["sql"] for query in queries.captured_queries if not probe.match(query["sql"])]
    return sqls, pstats.Stats(profile).total_calls, response.content


def test_a_story_sitemap_file_costs_its_rows(client, stories, monkeypatch):
    figures = {}
    for limit in (200, 400):
        monkeypatch.setattr(StorySitemap, "limit", limit)
        statements, calls, body = cost(client, "/sitemap-stories.xml?p=1")
        shown = [s for s in stories[:limit] if s.state == Story.State.PUBLISHED]
        locs = lxml.etree.fromstring(body).xpath("//s:url/s:loc/text()", namespaces=NS)
        assert locs == ["https://news.example" + s.get_absolute_url() for s in reversed(shown)]
        figures[limit] = statements, calls, len(shown)
    (statements, small, fewer), (more_statements, large, more) = figures[200], figures[400]
    # The span of ids (two index ends), the file's stories, and their pictures.
    assert len(statements) == len(more_statements) == 4, statements
    assert (large - small) / (more - fewer) < CALLS_PER_STORY, (small, large)


def test_the_news_sitemap_costs_its_rows(client, stories, monkeypatch):
    figures = {}
    for limit in (200, 400):
        monkeypatch.setattr(NewsSitemap, "limit", limit)
        statements, calls, body = cost(client, "/sitemap-news.xml")
        figures[limit] = statements, calls, body.count(b"<url>")
    (statements, small, fewer), (more_statements, large, more) = figures[200], figures[400]
    # Its stories (never counted) and their pictures.
    assert len(statements) == len(more_statements) == 2, statements
    assert (large - small) / (more - fewer) < CALLS_PER_NEWS_STORY, (small, large)


def test_the_sitemap_index_costs_its_files(client, stories, monkeypatch):
    figures = {}
    for limit in (60, 6):
        monkeypatch.setattr(StorySitemap, "limit", limit)
        statements, calls, body = cost(client, "/sitemap.xml")
        figures[limit] = statements, calls, body.count(b"<sitemap>")
    (statements, few, fewer), (more_statements, many, more) = figures[60], figures[6]
    assert more - fewer == 90  # 600 ids in files of 6 or of 60
    assert len(statements) == len(more_statements), statements
    assert (many - few) / (more - fewer) < CALLS_PER_INDEXED_FILE, (few, many)
