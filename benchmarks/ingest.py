"""Backfill throughput: stories/s stored through the whole pipeline, on SQLite and PostgreSQL.

    uv run python benchmarks/ingest.py [--stories 100000] [--postgres postgres://postgres@127.0.0.1:5432/wiredesk_bench]

Each engine gets a fresh database; the corpus is NewsML-G2 messages of 100
generated stories each (benchmarks/corpus.py: distinct texts, as real wires),
ingested with `wiredesk backfill`'s function: parse, normalize, classify and
MinHash in worker processes; store here (one transaction a delivery, a run of
new stories in a few statements), search index, duplicate grouping, outbox.
Then a second agency's backfill, a fifth as long, half of it near-duplicates of
the first agency's stories: the band index's lookups and grouping at work.
Then a third agency's, the size of the second, each story with its photo (a
NewsML-G2 package: text and picture item).
Targets on SQLite on this 2-core machine: 5,000 stories/s (the first agency),
1,700 with a photo each (the third: 100,000 in under a minute).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

TARGET_SQLITE = 5_000
# Stories that each bring a photo store two more rows (the picture, its use)
# and parse three items instead of one (text, picture, package); the photo is
# fetched and rendered later by the picture workers. The target: a year of a
# busy agency's photo stories (about 100,000) backfilled in under a minute.
TARGET_WITH_PICTURES = 1_700
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
# A second agency whose stories repeat the last half of the first's (near-
# duplicates to group, through the band index) and then go on with new ones.
second = {second}
other = Agency.objects.create(slug="other", name="Other", byline="Other")
other_feed = Feed.objects.create(agency=other, slug="other", transport="folder",
                                 location="/nonexistent")
batches = [(f"other-{{start}}.xml", newsmlg2(start, 100))
           for start in range(stories - second // 2, stories + second // 2, 100)]
started = time.perf_counter()
backfill(other_feed, batches)
other_elapsed = time.perf_counter() - started
grouped = Story.objects.filter(agency=other).exclude(group_id=None).count()
assert grouped == second // 2, grouped
# A third agency whose stories each come with a photo (NewsML-G2 packages):
# the pictures are attached here and fetched later, by the picture workers.
from corpus import newsmlg2_with_pictures
from wiredesk.pictures.models import StoryPicture
third = {second}
photo_agency = Agency.objects.create(slug="photos", name="Photos", byline="Photos")
photo_feed = Feed.objects.create(agency=photo_agency, slug="photos", transport="folder",
                                 location="/nonexistent")
start_at = 10_000_000
batches = [(f"photos-{{start}}.xml", newsmlg2_with_pictures(start, 100))
           for start in range(start_at, start_at + third, 100)]
started = time.perf_counter()
backfill(photo_feed, batches)
photo_elapsed = time.perf_counter() - started
assert StoryPicture.objects.filter(story__agency=photo_agency).count() == third
print(f"{{stories / elapsed:.1f}} {{second / other_elapsed:.1f}} {{third / photo_elapsed:.1f}}")
"""


def run(engine: str, stories: int, database_url: str | None) -> tuple[float, float, float]:
    with tempfile.TemporaryDirectory(prefix="wiredesk-ingest-") as data_dir:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "wiredesk.config.settings",
            "WIREDESK_DATA_DIR": data_dir,
            "WIREDESK_LOG_LEVEL": "WARNING",
        }
        env.pop("DATABASE_URL", None)
        env.pop("REDIS_URL", None)
        if database_url:
            env["DATABASE_URL"] = database_url
        code = WORKER.format(here=str(HERE), stories=stories, second=second_agency(stories))
        result = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise SystemExit(f"{engine} run failed:\n{result.stderr[-3000:]}")
        first, second, third = result.stdout.strip().splitlines()[-1].split()
        return float(first), float(second), float(third)


def second_agency(stories: int) -> int:
    """Return how many stories the second agency sends: a fifth as many, in whole deliveries."""
    return max(200, stories // 5 // 200 * 200)


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
    second = second_agency(args.stories)
    first_rate, second_rate, photo_rate = run("SQLite", args.stories, None)
    rows = [
        ("SQLite", f"{args.stories:,} of one agency", first_rate, TARGET_SQLITE),
        ("SQLite", f"then {second:,} of another", second_rate, None),
        ("SQLite", f"{second:,} each with a photo", photo_rate, TARGET_WITH_PICTURES),
    ]
    if args.postgres:
        reset_postgres(args.postgres)
        first_rate, second_rate, photo_rate = run("PostgreSQL", args.stories, args.postgres)
        rows += [
            ("PostgreSQL", f"{args.stories:,} of one agency", first_rate, None),
            ("PostgreSQL", f"then {second:,} of another", second_rate, None),
            ("PostgreSQL", f"{second:,} each with a photo", photo_rate, None),
        ]
    print("Backfill through the whole pipeline; the other agency's first half are")
    print("near-duplicates of the first agency's last stories (grouped)\n")
    print(f"{'engine':<11} {'stories':<26} {'stories/s':>10} {'target':>10} {'':>4}")
    missed = False
    for engine, what, rate, target in rows:
        ok = target is None or rate >= target
        missed |= not ok
        shown = f">= {target:,}" if target else "-"
        print(f"{engine:<11} {what:<26} {rate:>10,.0f} {shown:>10} {'ok' if ok else 'MISS':>4}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
