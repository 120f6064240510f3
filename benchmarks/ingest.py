"""Backfill throughput: stories/s stored through the whole pipeline, on SQLite and PostgreSQL.

    uv run python benchmarks/ingest.py [--stories 100000] [--postgres postgres://postgres@127.0.0.1:5432/wiredesk_bench]

Each engine gets a fresh database; the corpus is NewsML-G2 messages of 100
generated stories each (benchmarks/corpus.py: distinct texts, as real wires),
ingested with `wiredesk backfill`'s function: parse, normalize, classify and
MinHash in worker processes; store here (one transaction a delivery, a run of
new stories in a few statements), search index, duplicate grouping, outbox.
Target: 5,000 stories/s on SQLite on this 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

TARGET_SQLITE = 5_000
HERE = Path(__file__).resolve().parent

WORKER = """
import os, sys, time
sys.path.insert(0, {here!r})
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from corpus import newsmlg2
from wiredesk.sources.models import Agency, Feed
from wiredesk.stories.models import Story
agency = Agency.objects.create(slug="wire", name="Wire", byline="Wire")
feed = Feed.objects.create(agency=agency, slug="wire", transport="folder", location="/nonexistent")
from wiredesk.ingest.backfill import backfill
stories = {stories}
batches = [(f"bench-{{start}}.xml", newsmlg2(start, 100)) for start in range(0, stories, 100)]
started = time.perf_counter()
report = backfill(feed, batches)
elapsed = time.perf_counter() - started
assert Story.objects.count() == stories, Story.objects.count()
print(f"{{stories / elapsed:.1f}}")
"""


def run(engine: str, stories: int, database_url: str | None) -> float:
    with tempfile.TemporaryDirectory(prefix="wiredesk-ingest-") as data_dir:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "wiredesk.config.settings",
               "WIREDESK_DATA_DIR": data_dir, "WIREDESK_LOG_LEVEL": "WARNING"}  # fmt: skip
        env.pop("DATABASE_URL", None)
        env.pop("REDIS_URL", None)
        if database_url:
            env["DATABASE_URL"] = database_url
        result = subprocess.run([sys.executable, "-c", WORKER.format(here=str(HERE), stories=stories)],
                                env=env, capture_output=True, text=True, check=False)  # fmt: skip
        if result.returncode != 0:
            raise SystemExit(f"{engine} run failed:\n{result.stderr[-3000:]}")
        return float(result.stdout.strip().splitlines()[-1])


def reset_postgres(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    import psycopg

    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=100_000)
    parser.add_argument(
        "--postgres", help="a PostgreSQL URL for a scratch database (dropped first)"
    )
    args = parser.parse_args()
    rows = [("SQLite", run("SQLite", args.stories, None), TARGET_SQLITE)]
    if args.postgres:
        reset_postgres(args.postgres)
        rows.append(("PostgreSQL", run("PostgreSQL", args.stories, args.postgres), None))
    print(f"Backfill of {args.stories:,} generated stories through the whole pipeline\n")
    print(f"{'engine':<11} {'stories/s':>10} {'target':>10} {'':>4}")
    missed = False
    for engine, rate, target in rows:
        ok = target is None or rate >= target
        missed |= not ok
        print(
            f"{engine:<11} {rate:>10,.0f} {(f'>= {target:,}' if target else '-'):>10} {'ok' if ok else 'MISS':>4}"
        )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
