"""An app's list request costs a page's work: the same statements and Python calls at any size.

A hundred thousand phones polling `/api/v1/stories?since=<their last poll>`
each ask an address no cache holds (docs/design.md, Bounded cost per
request). Each shape of list request (a poll since a time after the newest
story or inside the archive, a cursor's page, an agency's, a topic's, a
language's, a search) is asked uncached, as the tests run the API, and must
run a fixed number of statements and a bounded number of Python function
calls (counted by cProfile: the same on a busy machine as on a quiet one),
unchanged when the archive grows. What it answers is byte for byte what
django-ninja made of the same page through the StoryPage schema.
"""

from __future__ import annotations

import cProfile
import pstats
from datetime import UTC, timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from wiredesk.api.schemas import StoryPage
from wiredesk.api.views import _encode_cursor, _summary, api
from wiredesk.sources.models import Agency
from wiredesk.stories.models import Story
from wiredesk.stories.storage.statistics import analyze

TABLE = Story._meta.db_table
# Python function calls of one uncached list request of 20 stories, the whole
# request through Django's test client; rendered through django-ninja's
# validation of every summary, each cost half as many again and more.
CALLS_BOUND = 9_000
# Function calls each further story of a page adds (a row's values, its
# address, its byline, its JSON).
CALLS_PER_STORY = 110

# Slugs as agencies' headlines give them: any script, and characters a URL quotes.
SLUGS = ("खबर-{n}", "story-{n}", "a+b;c-{n}", "news_{n}~x", "café-{n}")


def fill(agencies: list[Agency], numbers: range, now: Any) -> None:
    """Store a story every five minutes back from `now` for each of `numbers` (0 the newest).

    Stories of the third agency are one in 150; every tenth is in Hindi; every
    other under the topic "world"; one in 40 of the newest 300 was updated in the last
    five minutes.
    """
    stories = []
    for n in reversed(numbers):  # oldest first: ids grow with time
        published = now - timedelta(minutes=5 * n + 1)
        stories.append(
            Story(
                agency=agencies[2] if n % 150 == 7 else agencies[n % 2],
                item_id=f"urn:{n}",
                slug=SLUGS[n % len(SLUGS)].format(n=n),
                headline=f"Story {n} officials measures word{n % 50}",
                teaser=f"What happened, {n}" if n % 3 else "",
                byline="Asha Rao" if n % 4 else "",
                body_html=f"<p>officials measures word{n % 50}</p>",
                body_text=f"officials measures word{n % 50}",
                language="hi-IN" if n % 10 == 9 else "en",
                topics="|world|" if n % 2 else "|sport|",
                first_published_at=published,
                published_at=published,
                modified_at=now - timedelta(minutes=4) if n % 40 == 20 and n < 300 else published,
                is_correction=n % 7 == 0,
                state=Story.State.PUBLISHED,
                version_count=1,
            )
        )
    Story.objects.bulk_create(stories, batch_size=500)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO story_search (rowid, headline, body) "
                f"SELECT id, headline, body_text FROM {TABLE} WHERE id NOT IN "
                "(SELECT rowid FROM story_search)"
            )
            cursor.execute(
                "INSERT INTO story_headline_search (rowid, headline) "
                f"SELECT id, headline FROM {TABLE} WHERE id NOT IN "
                "(SELECT rowid FROM story_headline_search)"
            )
    analyze()


@pytest.fixture
def archive(db: Any) -> tuple[list[Agency], Any]:
    """Store 300 stories; return the agencies and the time they were stored at."""
    agencies = [
        Agency.objects.create(slug=slug, name=slug.title(), byline=byline)
        for slug, byline in (("wire", "Wire"), ("press", "Asha Rao Press"), ("rare", "Rare"))
    ]
    now = timezone.now()
    fill(agencies, range(300), now)
    return agencies, now


def shapes(client: Any, now: Any) -> dict[str, str]:
    """Return a list request of each shape, at 20 stories a page."""
    first = client.get("/api/v1/stories").json()
    cursor = client.get("/api/v1/stories", {"cursor": first["next_cursor"]}).json()["next_cursor"]

    def at(moment: Any) -> str:
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    return {
        "since after the newest": f"/api/v1/stories?since={at(now + timedelta(minutes=1))}",
        # A page of stories published since, then one short of a page and the updated.
        "since inside": f"/api/v1/stories?since={at(now - timedelta(hours=3))}",
        "since a little while ago": f"/api/v1/stories?since={at(now - timedelta(minutes=30))}",
        "cursor page": f"/api/v1/stories?cursor={cursor}",
        "agency": "/api/v1/stories?agency=press",
        "topic": "/api/v1/stories?topic=world",
        "language": "/api/v1/stories?language=hi",
        "q": "/api/v1/stories?q=officials+measures",
    }


STATEMENTS = {
    "since after the newest": 2,  # the stories published since, then the updated
    "since inside": 1,
    "since a little while ago": 2,
    "cursor page": 1,
    "agency": 2,  # the agency's id, then its stories
    "topic": 1,
    "language": 1,
    # SQLite's search finds where its newest matches start, then ranks them;
    # PostgreSQL's sets its time limit and puts it back, in a savepoint.
    "q": 2 if connection.vendor == "sqlite" else 5,
}


def cost(client: Any, url: str) -> tuple[int, int, Any]:
    """Return (statements, Python function calls, response) of asking `url` (asked once before)."""
    client.get(url)  # imports and first-use caches out of the count
    statements: list[str] = []

    def counted(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counted):
        client.get(url)
    profile = cProfile.Profile()
    profile.enable()
    response = client.get(url)
    profile.disable()
    return len(statements), pstats.Stats(profile).total_calls, response  # type: ignore[attr-defined]


def test_each_list_request_runs_a_fixed_number_of_statements_and_bounded_python(client, archive):
    for shape, url in shapes(client, archive[1]).items():
        statements, calls, response = cost(client, url)
        assert response.status_code == 200, shape
        assert statements == STATEMENTS[shape], shape
        assert calls <= CALLS_BOUND, (shape, calls)


def test_a_list_requests_cost_does_not_grow_with_the_archive(client, archive):
    agencies, now = archive
    urls = shapes(client, now)
    before = {shape: cost(client, url)[:2] for shape, url in urls.items()}
    fill(agencies, range(300, 1_500), now)  # four times as many, all older
    after = {shape: cost(client, url)[:2] for shape, url in urls.items()}
    for shape in urls:
        assert after[shape][0] == before[shape][0], shape
        # A cursor's page: its stories' ids, and so the cursor's digits, may grow.
        assert abs(after[shape][1] - before[shape][1]) <= 20, (shape, before, after)


def test_each_further_story_of_a_page_costs_a_few_dozen_calls(client, archive):
    _, small, _ = cost(client, "/api/v1/stories?limit=20")
    _, large, _ = cost(client, "/api/v1/stories?limit=100")
    assert large - small <= 80 * CALLS_PER_STORY


def test_a_list_answers_what_the_storypage_schema_made_of_its_stories(client, archive):
    for shape, url in shapes(client, archive[1]).items():
        response = client.get(url)
        answer = response.json()
        ids = [item["id"] for item in answer["items"]]
        assert ids or shape == "since after the newest", shape
        stories = Story.objects.select_related("agency").in_bulk(ids)
        page = [stories[pk] for pk in ids]
        expected = {
            "items": [_summary(story) for story in page],
            "next_cursor": _encode_cursor(page[-1]) if answer["next_cursor"] else None,
        }
        # As django-ninja answered a page it validated: StoryPage's dump, rendered.
        dumped = StoryPage.model_validate(expected).model_dump()
        rendered = api.renderer.render(None, dumped, response_status=200)
        assert response.content == rendered.encode(), shape
        assert response["Content-Type"] == "application/json; charset=utf-8"


def compiled_in(client: Any, url: str) -> list[int]:
    """Return how many times Django compiled SQL answering `url`, by compiler call."""
    profile = cProfile.Profile()
    profile.enable()
    response = client.get(url)
    profile.disable()
    assert response.status_code == 200, url
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    return [
        calls
        for (path, _, name), (calls, *_) in stats.items()
        if name == "as_sql" and path.endswith("sql/compiler.py")
    ]


def test_a_list_request_at_another_time_or_cursor_runs_the_reads_compiled_for_the_first(
    client, archive
):
    # Django compiling a list's reads cost more than running them: each shape's are
    # compiled once, and a poll at another time or a page from another cursor puts
    # its own time and story in them.
    _, now = archive
    first = shapes(client, now)
    later = shapes(client, now - timedelta(seconds=1))  # other times, the same cursors
    deeper = client.get(first["cursor page"]).json()["next_cursor"]
    later["cursor page"] = f"/api/v1/stories?cursor={deeper}"
    for shape in first:
        if shape == "q":  # a search: its own compiled read (tests/test_search_cost.py)
            continue
        client.get(first[shape])
        assert compiled_in(client, later[shape]) == [], shape
