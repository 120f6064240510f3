"""What each cache layer saves a request, measured in one process (docs/caching.md).

    uv run python benchmarks/layers.py [--stories 3000] [--repeat 200]

Fills a fresh SQLite database with generated stories and asks a story page, the
site's RSS feed (its fifty newest), a search and the API's list through the same
WSGI wrappers a web worker runs, each once with a layer and once without it
(the layer off, or emptied before each request). For each it prints the Python
function calls of one request (cProfile: the same on a busy machine as on a
quiet one), its database statements and the thousands of instructions
SQLite's engine ran for them (its progress handler: what a call count does not
see, a search's ranking), and the median time of `--repeat` requests (which a
busy machine stretches). Target: with each layer a request makes fewer calls
or fewer engine steps (a kept search trades a few calls for the ranking);
exit 1 when one makes neither.
"""

from __future__ import annotations

import argparse
import atexit
import cProfile
import io
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

DATA = tempfile.mkdtemp(prefix="wiredesk-layers-")
atexit.register(shutil.rmtree, DATA, ignore_errors=True)
os.environ["WIREDESK_DATA_DIR"] = DATA
os.environ.pop("DATABASE_URL", None)
os.environ.pop("REDIS_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wiredesk.config.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import django  # noqa: E402

django.setup()

from corpus import newsmlg2  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection  # noqa: E402

from wiredesk.ingest.pipeline import ingest_bytes  # noqa: E402
from wiredesk.site.fastpath import FastPageCache, whole_bodies  # noqa: E402
from wiredesk.site.generation import generation_clock  # noqa: E402
from wiredesk.site.revalidated import RevalidatedAnswers  # noqa: E402
from wiredesk.sources.models import Agency, Feed  # noqa: E402
from wiredesk.stories.models import Story  # noqa: E402
from wiredesk.stories.storage import search_time_limit  # noqa: E402
from wiredesk.stories.storage.statistics import analyze  # noqa: E402
from wiredesk.syndication import fragments  # noqa: E402

App = Callable[[dict, Callable], object]


def page_cache(seconds: int) -> None:
    settings.WIREDESK = replace(
        settings.WIREDESK, site=replace(settings.WIREDESK.site, page_cache_seconds=seconds)
    )


def environ(path: str, **headers: str) -> dict:
    path, _, query = path.partition("?")
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "HTTP_HOST": "localhost",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "SCRIPT_NAME": "",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        **{"HTTP_" + name.upper(): value for name, value in headers.items()},
    }


def call(app: App, path: str, **headers: str) -> tuple[str, bytes]:
    sent: list[str] = []
    body = app(environ(path, **headers), lambda status, headers, exc_info=None: sent.append(status))
    return sent[0], b"".join(body)  # type: ignore[call-overload]


class LookCounter:
    """Time, counting how often a search's progress handler looks at it."""

    looks = 0

    def monotonic(self) -> float:
        self.looks += 1
        return time.monotonic()


class Row:
    """One request's function calls, statements and median time."""

    def __init__(self, app: App, path: str, before: Callable[[], object], repeat: int) -> None:
        before()
        call(app, path)  # warm: imports, compiled statements, what the layer keeps
        statements: list[str] = []

        def counted(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
            statements.append(sql)
            return execute(sql, params, many, context)

        steps = [0]

        def step() -> int:
            steps[0] += 1
            return 0  # go on

        # A search sets a handler of its own, which looks at its clock every
        # PROGRESS_STEPS instructions: those looks are counted instead.
        searched = search_time_limit.time = LookCounter()
        before()
        connection.ensure_connection()
        connection.connection.set_progress_handler(step, 1000)
        with connection.execute_wrapper(counted):
            self.status = call(app, path)[0][:3]
        connection.connection.set_progress_handler(None, 0)
        search_time_limit.time = time
        self.statements = len(statements)
        # Thousands of SQLite's virtual machine instructions.
        self.steps = steps[0] + searched.looks * search_time_limit.PROGRESS_STEPS // 1000
        before()
        profile = cProfile.Profile()
        profile.enable()
        call(app, path)
        profile.disable()
        self.calls = pstats.Stats(profile, stream=io.StringIO()).total_calls
        times = []
        for _ in range(repeat):
            before()
            start = time.perf_counter()
            call(app, path)
            times.append(time.perf_counter() - start)
        self.median_us = statistics.median(times) * 1e6

    def __str__(self) -> str:
        return (
            f"{self.status} {self.calls:7,d} {self.statements:3d} {self.steps:6,d}"
            f" {self.median_us:10,.0f}"
        )

    def saves_on(self, other: Row) -> bool:
        """Say whether this request made fewer function calls or fewer engine steps."""
        return self.calls < other.calls or self.steps < other.steps


def nothing() -> None:
    return None


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stories", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    agency = Agency.objects.create(slug="wire", name="Wire", byline="Wire")
    feed = Feed.objects.create(agency=agency, slug="wire-inbox", transport="folder", location="-")
    ingest_bytes(feed, newsmlg2(0, args.stories), "bench.xml")
    analyze()  # as `wiredesk backfill` does after an import
    story = Story.objects.order_by("-pk").first()
    assert story is not None
    url, rss = story.get_absolute_url(), "/feeds/rss.xml"
    django_app = whole_bodies(get_wsgi_application())
    clock = generation_clock()

    def story_change() -> None:  # as any story's change does: the generation replaced
        clock.bump()

    def no_frames() -> None:
        fragments.frames.clear()

    def no_items() -> None:
        fragments.frames.clear()
        fragments.store.clear()

    # (layer, surface, on: (app, before), off: (app, before), page cache on)
    cases: list[tuple[str, str, str, tuple[App, Callable], tuple[App, Callable], int]] = [
        (
            "fastpath",
            "story page",
            url,
            (FastPageCache(django_app, 300), nothing),
            (django_app, nothing),
            300,
        ),
        ("page", "story page", url, (django_app, nothing), (django_app, cache.clear), 300),
        (
            "revalidated",
            "RSS after a change",
            rss,
            (FastPageCache(RevalidatedAnswers(django_app, 8 << 20), 300), story_change),
            (FastPageCache(django_app, 300), story_change),
            300,
        ),
        (
            "revalidated",
            "RSS, page cache off",
            rss,
            (RevalidatedAnswers(django_app, 8 << 20), nothing),
            (django_app, nothing),
            0,
        ),
        ("frames", "RSS, page cache off", rss, (django_app, nothing), (django_app, no_frames), 0),
        (
            "fragments",
            "RSS, page cache off",
            rss,
            (django_app, no_frames),
            (django_app, no_items),
            0,
        ),
        (
            "search",
            "search",
            "/search?q=officials+measures",
            (django_app, nothing),
            (django_app, cache.clear),
            300,
        ),
        (
            "api",
            "API list",
            "/api/v1/stories?limit=20",
            (django_app, nothing),
            (django_app, cache.clear),
            300,
        ),
    ]
    print(
        f"{len(Story.objects.all())} stories, SQLite, one process; calls and statements of "
        f"one request, median of {args.repeat}"
    )
    print(
        f"{'layer':12} {'surface':20} {'with: status  calls  sql  ksteps  median µs':>43}   "
        f"{'without: status  calls  sql  ksteps  median µs':>47}"
    )
    missed = 0
    for layer, surface, path, (on_app, on_before), (off_app, off_before), seconds in cases:
        page_cache(seconds)
        on = Row(on_app, path, on_before, args.repeat)
        off = Row(off_app, path, off_before, max(args.repeat // 4, 1))
        ok = on.saves_on(off)
        missed += not ok
        print(f"{layer:12} {surface:20} {on!s:>43}   {off!s:>47}   {'ok' if ok else 'MISS'}")
    print("target: with each layer, fewer function calls or fewer SQLite steps a request")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
