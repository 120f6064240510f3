"""Memory of a web worker with 1,000,000 stories stored.

    uv run python benchmarks/memory.py [--stories 1000000]

Fills a fresh SQLite database with generated stories (one SQL statement: the
point is the web worker, not ingest), indexes them for search, starts
`wiredesk serve` with one worker and asks it for every kind of page: lists
(first and last page), a story, feeds, sitemaps (index, news, the largest
stories file), the API (first page and a cursor page) and search, then 1,500
story pages (the fast path keeps them up to its cap). After each it reads the
worker's resident memory (VmRSS). Target: under 120 MB.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

TARGET_MB = 120
HERE = Path(__file__).resolve().parent

FILL = """
import sys, time
import django
django.setup()
from django.core.management import call_command
from django.db import connection
call_command("migrate", verbosity=0)
from wiredesk.sources.models import Agency
agency = Agency.objects.create(slug="wire", name="Wire", byline="Wire")
body = " ".join(["Officials said the government would announce new measures on Thursday."] * 8)
with connection.cursor() as cursor:
    cursor.execute('''
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %s)
        INSERT INTO stories_story (agency_id, item_id, state, slug, headline, slugline, byline,
            dateline, located, language, teaser, body_html, body_text, subjects, keywords, topics,
            link, is_correction, is_lead, first_published_at, modified_at, version_count, created_at)
        SELECT %s, 'urn:wire:' || i, 'published', 'story-' || i, 'Story ' || i || ' on the measures',
            '', 'Wire', 'NEW DELHI, Oct 14', 'New Delhi', 'en', substr(%s, 1, 110),
            '<p>' || %s || ' (' || i || ')</p>', %s || ' (' || i || ')', '[]', '[]', '|india|', '',
            0, 1, datetime('now', '-' || i || ' seconds'), datetime('now', '-' || i || ' seconds'),
            1, datetime('now')
        FROM n''', [{stories}, agency.pk, body, body, body])
    cursor.execute("INSERT INTO story_search (rowid, headline, body) "
                   "SELECT id, headline, body_text FROM stories_story")
    cursor.execute("INSERT INTO story_headline_search (rowid, headline) "
                   "SELECT id, headline FROM stories_story")
from wiredesk.stories.storage.statistics import analyze
analyze()  # as `wiredesk backfill` does after an import
print("filled")
"""


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Return the resident memory of `pid` and its children (the granian workers), in MB."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    pids = [pid] + [int(p) for p in children.read_text().split()] if children.exists() else [pid]
    worst = 0.0
    for each in pids[1:] or pids:
        status = Path(f"/proc/{each}/status").read_text()
        worst = max(worst, int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024)
    return worst


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=1_000_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="wiredesk-memory-"))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        WIREDESK_DATA_DIR=str(work),
        DJANGO_SETTINGS_MODULE="wiredesk.config.settings",
        WIREDESK_LOG_LEVEL="WARNING",
    )
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", FILL.format(stories=args.stories)], env=env, check=True)
    filled = time.perf_counter() - started
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "wiredesk.cli", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    rows = []
    try:
        for _ in range(300):
            try:
                httpx.get(base + "/healthz", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        rows.append(("started", rss_mb(server.pid)))
        client = httpx.Client(base_url=base, timeout=120)
        sitemap = client.get("/sitemap.xml").text
        stories_files = re.findall(r"<loc>[^<]*(/sitemap-stories\.xml(?:\?p=\d+)?)</loc>", sitemap)
        api_first = client.get("/api/v1/stories").json()
        paths = [
            "/",
            "/?page=2",
            "/?before=21",  # the oldest stories' page (site/list_pages.py)
            "/agency/wire/",
            "/story/1/story-1/",
            f"/story/{args.stories}/story-{args.stories}/",
            "/feeds/rss.xml",
            "/feeds/atom.xml",
            "/feeds/feed.json",
            "/sitemap.xml",
            "/sitemap-news.xml",
            stories_files[0],
            stories_files[-1],
            "/api/v1/stories",
            f"/api/v1/stories?cursor={api_first['next_cursor']}",
            "/search?q=measures",
            "/search?q=story+500000",
        ]
        for path in paths:
            response = client.get(path)
            rows.append((f"{response.status_code} {path[:60]}", rss_mb(server.pid)))
        # Then enough distinct story pages to fill the worker's fast path to its cap.
        many = min(args.stories, 1500)
        statuses = {client.get(f"/story/{n}/story-{n}/").status_code for n in range(1, many + 1)}
        rows.append(
            (f"{','.join(map(str, sorted(statuses)))} {many:,} story pages", rss_mb(server.pid))
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
        subprocess.run(["rm", "-rf", str(work)], check=False)
    peak = max(mb for _, mb in rows)
    print(
        f"A web worker (wiredesk serve, 1 worker) with {args.stories:,} stories stored "
        f"(filled in {filled:.0f} s)\n"
    )
    print(f"{'after':<66} {'RSS MB':>7}")
    for what, mb in rows:
        print(f"{what:<66} {mb:>7.1f}")
    ok = peak < TARGET_MB
    print(f"\n{'peak':<66} {peak:>7.1f}  target < {TARGET_MB} MB  {'ok' if ok else 'MISS'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
