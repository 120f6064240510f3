"""Under load: search, the API's list and an uncached feed at 64 connections, and ingest beside them.

    uv run python benchmarks/load.py [--stories 1000000] [--seconds 10] [--postgres URL --redis URL]

Builds a database of `--stories` generated stories (`wiredesk backfill`'s
path; benchmarks/corpus.py), starts `wiredesk serve` (granian, two workers) on
it, and loads each surface with wrk (Debian's `wrk`) from 127.0.0.1:

- search: `/search?q=...`, 200 different words of the corpus in turn (the
  words of a crowd, some asked for again within the ten seconds results are kept);
- the API's list: `/api/v1/stories` with 20 different filters and pages;
- an uncached feed: `/feeds/rss.xml` from a server whose page cache is off
  (as after every change, when nothing kept is current).

Then ingest: 2,000 stories a delivery at a time through the pipeline, alone
and again while the three loads run together. Targets (issue "Hardening",
at 1,000,000 stories): search 1,000 requests/s with p99 under 100 ms, the
list 2,000 requests/s, the uncached feed 1,500 requests/s, ingest slowed
less than twice. Prints a table with each figure beside its target.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import WORDS
from serve import free_port, stop_all, wait_ready, wrk

HERE = Path(__file__).resolve().parent
CONNECTIONS = 64
INGEST_STORIES = 2_000

BUILD = """
import sys, time
sys.path.insert(0, {here!r})
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from corpus import newsmlg2
from wiredesk.sources.models import Agency, Feed
from wiredesk.ingest.backfill import backfill
agency = Agency.objects.create(slug="wire", name="Wire", byline="Wire")
feed = Feed.objects.create(agency=agency, slug="wire", transport="folder", location="/nonexistent")
backfill(feed, ((f"b-{{s}}.xml", newsmlg2(s, 100)) for s in range(0, {stories}, 100)))
"""

INGEST = """
import sys, time
sys.path.insert(0, {here!r})
import django
django.setup()
from corpus import newsmlg2
from wiredesk.sources.models import Feed
from wiredesk.ingest.pipeline import ingest_bytes
feed = Feed.objects.get(slug="wire")
deliveries = [newsmlg2(s, 10) for s in range({start}, {start} + {count}, 10)]
started = time.perf_counter()
for n, data in enumerate(deliveries):
    ingest_bytes(feed, data, f"live-{{n}}.xml")
print({count} / (time.perf_counter() - started))
"""

COUNT = """
import django
django.setup()
from wiredesk.stories.storage.statistics import analyze
from wiredesk.stories.models import Story
analyze()
print(Story.objects.count())
"""

ROTATE = """
local paths = {{{paths}}}
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1])
end
"""


def environment(
    work: Path, database_url: str | None, cache_seconds: int, redis_url: str | None = None
) -> dict[str, str]:
    config = work / f"wiredesk-{cache_seconds}.toml"
    # wrk asks from one address: the per-client limits (docs/deploy.md) are off,
    # or this would measure 429s instead of searches and lists.
    config.write_text(
        f'[site]\nname = "Load"\npage_cache_seconds = {cache_seconds}\n'
        "search_per_minute = 0\n\n[api]\nanonymous_per_minute = 0\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        WIREDESK_DATA_DIR=str(work / "data"),
        WIREDESK_CONFIG=str(config),
        WIREDESK_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="wiredesk.config.settings",
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    if redis_url:  # with a server database, web nodes keep pages only with a shared clock
        env["REDIS_URL"] = redis_url
    return env


def python(code: str, env: dict[str, str]) -> str:
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(result.stderr[-3000:])
    return result.stdout.strip()


def serve(env: dict[str, str], port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "wiredesk.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        process_group=0,
    )


def ingest_rate(env: dict[str, str], start: int, count: int) -> float:
    """Ingest `count` new stories, numbered from `start`, a delivery of ten at a time through
    the pipeline; return the stories stored a second."""
    return float(python(INGEST.format(here=str(HERE), start=start, count=count), env))


def ingest_rate_under(
    env: dict[str, str], start: int, count: int, loads: list[list[str]]
) -> tuple[float, list[str]]:
    """Ingest as `ingest_rate` does while each wrk command of `loads` runs; return the stories
    stored a second and what each wrk printed once stopped."""
    running = [subprocess.Popen(load, stdout=subprocess.PIPE, text=True) for load in loads]
    try:
        time.sleep(1)  # every load under way before the first delivery
        rate = ingest_rate(env, start, count)
    finally:
        printed = []
        for load in running:  # stopped even when ingest failed: wrk would run on
            load.send_signal(signal.SIGINT)  # wrk prints what it measured so far
            printed.append(load.communicate(timeout=30)[0])
    return rate, printed


def rotating(work: Path, name: str, paths: list[str]) -> Path:
    script = work / f"{name}.lua"
    script.write_text(ROTATE.format(paths=", ".join(f'"{p}"' for p in paths)))
    return script


def wrk_script(url: str, script: Path, seconds: int) -> tuple[float, float]:
    return wrk(url, seconds, CONNECTIONS, script)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument(
        "--postgres", help="a PostgreSQL URL for a scratch database (dropped first)"
    )
    parser.add_argument("--redis", help="a Redis URL for the cache (with --postgres)")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="with --postgres: load the database an earlier run built, as it is "
        "(its build took 20 minutes at 1,000,000); new stories follow its own",
    )
    parser.add_argument("--ingest-stories", type=int, default=INGEST_STORIES)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    if args.keep and not args.postgres:
        raise SystemExit("--keep needs --postgres (a SQLite database is built in a scratch folder)")
    if args.postgres and not args.keep:
        from ingest import reset_postgres

        reset_postgres(args.postgres)
    work = Path(tempfile.mkdtemp(prefix="wiredesk-load-"))
    processes: list[subprocess.Popen] = []
    try:
        cached_env = environment(work, args.postgres, 300, args.redis)
        uncached_env = environment(work, args.postgres, 0, args.redis)
        started = time.perf_counter()
        first = args.stories
        if args.keep:
            first = int(python(COUNT, cached_env))
        else:
            python(BUILD.format(here=str(HERE), stories=args.stories), cached_env)
        built = time.perf_counter() - started
        alone = ingest_rate(cached_env, first, args.ingest_stories)
        port, uncached_port = free_port(), free_port()
        processes += [serve(cached_env, port), serve(uncached_env, uncached_port)]
        base, uncached = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{uncached_port}"
        wait_ready(base + "/healthz")
        wait_ready(uncached + "/healthz")
        words = [w for w in WORDS if w.isalpha()][:200]
        search = rotating(work, "search", [f"/search?q={w}" for w in words])
        lists = rotating(work, "lists", [f"/api/v1/stories?limit={20 + n}" for n in range(20)])
        for url, script in ((base, search), (base, lists)):
            wrk(url + "/", 2, CONNECTIONS, script)  # warm up
        s_rate, s_p99 = wrk(base + "/", args.seconds, CONNECTIONS, search)
        l_rate, l_p99 = wrk(base + "/", args.seconds, CONNECTIONS, lists)
        wrk(uncached + "/feeds/rss.xml", 2, CONNECTIONS)
        f_rate, f_p99 = wrk(uncached + "/feeds/rss.xml", args.seconds, CONNECTIONS)
        # Ingest again while all three loads run.
        # Each change replaces the content generation: the kept searches and
        # lists go stale at every delivery, as they would on a live site.
        each = ["wrk", "-t1", f"-c{CONNECTIONS // 3}", f"-d{args.seconds * 6}s"]
        loaded, printed = ingest_rate_under(
            cached_env,
            first + args.ingest_stories,
            args.ingest_stories,
            [[*each, "-s", str(script), base + "/"] for script in (search, lists)]
            + [[*each, uncached + "/feeds/rss.xml"]],
        )
        during = []
        for out in printed:
            found = re.search(r"Requests/sec:\s+([\d.]+)", out)
            during.append(float(found.group(1)) if found else 0.0)
    finally:
        stop_all(processes)
        shutil.rmtree(work, ignore_errors=True)
    engine = (
        "PostgreSQL and Redis"
        if args.postgres and args.redis
        else ("PostgreSQL" if args.postgres else "SQLite")
    )
    slowdown = alone / loaded if loaded else float("inf")
    rows = [
        (
            "search, 200 words",
            f"{s_rate:,.0f} rps, p99 {s_p99:,.0f} ms",
            ">= 1,000 rps, p99 < 100 ms",
            s_rate >= 1000 and s_p99 < 100,
        ),
        (
            "API list, 20 pages",
            f"{l_rate:,.0f} rps, p99 {l_p99:,.0f} ms",
            ">= 2,000 rps",
            l_rate >= 2000,
        ),
        (
            "RSS feed, uncached",
            f"{f_rate:,.0f} rps, p99 {f_p99:,.0f} ms",
            ">= 1,500 rps",
            f_rate >= 1500,
        ),
        (
            "ingest, loaded",
            f"{loaded:,.0f}/s (alone {alone:,.0f}/s): x{slowdown:.1f} slower",
            "< x2 slower",
            slowdown < 2,
        ),
    ]
    # Beside ingest, each load on a third of the connections (no target: shown
    # because every delivery makes what was kept stale).
    beside = [
        (f"{name}, ingesting", f"{rate:,.0f} rps (c{CONNECTIONS // 3})")
        for name, rate in zip(("search", "API list", "RSS feed"), during, strict=True)
    ]
    built_in = "kept from an earlier run" if args.keep else f"built in {built:,.0f} s"
    print(
        f"{engine}, {first:,} stories ({built_in}); "
        f"wrk -c{CONNECTIONS} -d{args.seconds}s on 127.0.0.1\n"
    )
    print(f"{'surface':<20} {'figure':<40} {'target':<28}")
    for name, figure, target, ok in rows:
        print(f"{name:<20} {figure:<40} {target:<28} {'ok' if ok else 'MISS'}")
    for name, figure in beside:
        print(f"{name:<20} {figure:<40} {'-':<28}")
    return 0 if all(ok for *_, ok in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
