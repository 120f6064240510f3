"""The long tail: every public surface asked as the world asks, beside the same surface asked again.

    uv run python benchmarks/longtail.py [--stories 1000000] [--seconds 10] [--postgres URL --redis URL]
        [--keep DIR [--build-only]] [--only "search,story pages"]

Builds a database of `--stories` generated stories as benchmarks/load.py does
(with two sections routed by subject), starts `wiredesk serve` (granian, two
workers) twice on it, page cache on and page cache off, and loads each surface
with wrk at 64 connections from 127.0.0.1, from a file of addresses walked in
order (each wrk thread its own share; an address is asked again only where
the file repeats it):

- search: thousands of queries of one, two and three words of the corpus's own
  vocabulary, drawn with a Zipf-like popularity (a few asked often, most once);
- story pages: thousands of different stories spread over the whole archive,
  each once;
- the API, each shape its own figure: `since` values over the archive's time,
  cursors (pages 2, 3, ... of lists followed from the API itself), `agency`,
  `topic` and `language` filters, and `q`;
- lists: agency, topic and section pages at every depth;
- feeds: each list's RSS, Atom and JSON Feed;
- sitemaps: the index, the news sitemap and every page of the stories' one.

Each long-tail figure is printed beside the uncached story page of the same
run, one address asked again with the page cache off (the ratio is what holds
from one machine to another), and beside the same surface's first 20
addresses asked in turn ("repeated address: the cache's figure"). Then ingest
alone and while every long-tail load runs. Targets (issue 28, at 1,000,000
stories): each long-tail surface at least half the uncached story page's
requests/s with p99 under 100 ms; ingest slowed less than twice.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import quote_plus

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import VOCABULARY, WORDS
from load import BUILD, COUNT, environment, ingest_rate, ingest_rate_under, python, serve
from serve import free_port, stop_all, wait_ready

HERE = Path(__file__).resolve().parent
CONNECTIONS = 64
THREADS = 2
REPEATED = 20  # the repeated-address figure: a surface's first 20 addresses in turn
REPEATED_LABEL = "repeated address: the cache's figure"
RATIO_TARGET = 0.5
P99_TARGET_MS = 100.0

# Sections routed by the corpus's one subject, made before the build so every
# story is routed into them as it arrives.
SECTIONS = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from wiredesk.stories.models import Section, SectionRule
for n, (slug, name) in enumerate([("business", "Business"), ("economy", "Economy")]):
    section = Section.objects.create(slug=slug, name=name, order=n)
    SectionRule.objects.create(section=section, kind="subject", value="medtop:04000000")
"""

# What the archive holds, for the address lists: story pages spread over it,
# its agencies, topics, sections and languages, how many list pages it has,
# and the span of its times.
ARCHIVE = """
import json
import django
django.setup()
from django.conf import settings
from django.db.models import Max, Min
from wiredesk.sources.models import Agency
from wiredesk.stories.models import Section
from wiredesk.stories.selectors import visible_stories
stories = visible_stories()
span = stories.aggregate(first=Min("pk"), last=Max("pk"), oldest=Min("first_published_at"),
                         newest=Max("first_published_at"))
count = span["last"] - span["first"] + 1
step = max(1, count // {pages})
picked = stories.filter(pk__in=range(span["first"], span["last"] + 1, step))
topics, languages = set(), set()
for story in stories[:200]:
    topics.update(t for t in story.topics.split("|") if t)
    languages.add(story.language)
print(json.dumps({{
    "stories": [s.get_absolute_url() for s in picked],
    "count": count,
    "agencies": list(Agency.objects.values_list("slug", flat=True)),
    "topics": sorted(topics),
    "sections": list(Section.objects.values_list("slug", flat=True)),
    "languages": sorted(languages),
    "oldest": span["oldest"].isoformat(),
    "newest": span["newest"].isoformat(),
    "page_size": settings.WIREDESK.site.page_size,
}}))
"""

# Each wrk thread walks the file from its own offset, `step` addresses at a
# time: the threads share the file out between them, and an address is asked
# again only when the file says so (or once the whole file has been walked).
WALK = """
local paths = {{}}
for line in io.lines("{file}") do paths[#paths + 1] = line end
local threads = 0
function setup(thread)
  thread:set("offset", threads)
  threads = threads + 1
end
function init(args)
  n = offset
end
request = function()
  local path = paths[(n % #paths) + 1]
  n = n + {step}
  return wrk.format("GET", path)
end
"""


@dataclass
class Figure:
    rate: float
    p99: float
    failed: int


@dataclass
class Surface:
    name: str
    addresses: list[str]  # in the order asked; repeats where the workload repeats

    @property
    def distinct(self) -> int:
        return len(set(self.addresses))

    def repeated(self) -> list[str]:
        return list(dict.fromkeys(self.addresses))[:REPEATED]


def zipf(items: list[str], count: int, rng: random.Random, exponent: float = 1.0) -> list[str]:
    """Return `count` draws from `items`, the nth item drawn with weight 1/n**exponent."""
    weights = [1 / (rank**exponent) for rank in range(1, len(items) + 1)]
    return rng.choices(items, weights=weights, k=count)


def search_queries(rng: random.Random, distinct: int) -> list[str]:
    """Return `distinct` different queries of one, two and three words of the corpus."""
    words = sorted({w.lower() for w in WORDS if w.isalpha()} | set(VOCABULARY))
    queries: dict[str, None] = {}
    while len(queries) < distinct:
        size = rng.choices((1, 2, 3), weights=(5, 3, 2))[0]
        queries[" ".join(rng.sample(words, size))] = None
    found = list(queries)
    rng.shuffle(found)  # popularity unrelated to length or spelling
    return found


def follow_cursors(base: str, query: str, pages: int) -> list[str]:
    """Return the API's addresses of pages 2, 3, ... of a list, as its cursors lead."""
    found = []
    address = f"/api/v1/stories?{query}"
    with httpx.Client(base_url=base, timeout=30) as client:
        for _ in range(pages):
            answer = client.get(address)
            answer.raise_for_status()
            cursor = answer.json().get("next_cursor")
            if not cursor:
                break
            address = f"/api/v1/stories?{query}&cursor={cursor}"
            found.append(address)
    return found


NUMBERED = 10  # a list's pages named by number (site/list_pages.py's NUMBERED)


def surfaces(
    archive: dict, uncached: str, rng: random.Random, requests: int, only: set[str] | None = None
) -> list[Surface]:
    """Return each surface's long-tail addresses, about `requests` of each (of those
    named in `only`, where given: the API's cursors are followed only when asked)."""
    pages = max(1, archive["count"] // archive["page_size"])
    lists = [f"/agency/{slug}/" for slug in archive["agencies"]]
    lists += [f"/topic/{slug}/" for slug in archive["topics"]]
    lists += [f"/section/{slug}/" for slug in archive["sections"]]
    numbered = [f"{path}?page={n}" for path in lists for n in range(1, min(pages, NUMBERED) + 1)]
    # Deeper pages are named by the story before them (site/list_pages.py): a crawler's
    # walk reaches every depth, each page from a story's place, not every page of a million.
    ids = [int(url.split("/")[2]) for url in archive["stories"]]
    deeper = [
        f"{path}?before={pk}" for path in lists for pk in rng.sample(ids, min(len(ids), 1_000))
    ]
    list_pages = numbered + deeper
    rng.shuffle(list_pages)
    feeds = [
        f"{path}{name}"
        for path in ["/feeds/", *lists]
        for name in ("rss.xml", "atom.xml", "feed.json")
    ]
    sitemap_pages = max(1, -(-archive["count"] // 1_000))  # StorySitemap.limit
    sitemaps = ["/sitemap.xml", "/sitemap-news.xml", "/sitemap-sections.xml"]
    sitemaps += [f"/sitemap-stories.xml?p={n}" for n in range(1, sitemap_pages + 1)]
    story_pages = list(archive["stories"])
    rng.shuffle(story_pages)
    search = [
        f"/search?q={quote_plus(q)}"
        for q in zipf(search_queries(rng, max(1_000, requests // 2)), requests, rng)
    ]
    oldest = datetime.fromisoformat(archive["oldest"])
    newest = datetime.fromisoformat(archive["newest"])
    since = [
        "/api/v1/stories?since="
        + quote_plus((oldest + (newest - oldest) * rng.random()).isoformat(timespec="seconds"))
        for _ in range(requests // 4)
    ]
    chains = [
        "limit=20",
        *(f"agency={slug}&limit=50" for slug in archive["agencies"]),
        *(f"topic={slug}&limit=10" for slug in archive["topics"][:3]),
        *(f"language={code}&limit=30" for code in archive["languages"][:2]),
    ]
    cursors = [
        address
        for chain in (chains if only is None or "API cursors" in only else [])
        for address in follow_cursors(uncached, chain, max(2, requests // (4 * len(chains))))
    ]
    rng.shuffle(cursors)
    words = search_queries(rng, 500)
    api_search = [f"/api/v1/stories?q={quote_plus(q)}" for q in zipf(words, requests // 4, rng)]
    filters = [
        f"/api/v1/stories?{filter}&limit={rng.randint(1, 100)}"
        for filter in rng.choices(
            [f"agency={a}" for a in archive["agencies"]]
            + [f"topic={t}" for t in archive["topics"]]
            + [f"language={c}" for c in archive["languages"]],
            k=requests // 4,
        )
    ]
    every = [
        Surface("search", search),
        Surface("story pages", story_pages),
        # Each of the API's shapes its own figure: an app's poll, a list's later
        # pages, a filtered first page, a search.
        Surface("API since", since),
        Surface("API cursors", cursors),
        Surface("API filters", filters),
        Surface("API q", api_search),
        Surface("lists", list_pages),
        Surface("feeds", feeds),
        Surface("sitemaps", sitemaps),
    ]
    return [surface for surface in every if only is None or surface.name in only]


def walker(work: Path, name: str, addresses: list[str], threads: int) -> Path:
    """Write `addresses` to a file and a wrk script that walks it; return the script."""
    slug = re.sub(r"\W+", "-", name)
    listing = work / f"{slug}.txt"
    listing.write_text("\n".join(addresses) + "\n")
    script = work / f"{slug}-{threads}.lua"
    script.write_text(WALK.format(file=listing, step=threads))
    return script


def wrk(url: str, seconds: int, script: Path | None = None) -> Figure:
    """Return requests/s, p99 (ms) and the answers other than 2xx and 3xx of a wrk run."""
    extra = ["-s", str(script)] if script else []
    out = subprocess.run(
        [
            "wrk",
            f"-t{THREADS}",
            f"-c{CONNECTIONS}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "--latency",
            *extra,
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return figure(out)


def figure(out: str) -> Figure:
    """Read wrk's printout."""
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    rate = float(found.group(1)) if found else 0.0
    latency = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    p99 = 0.0
    if latency:
        value, unit = latency.groups()
        p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    failed = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*timeout (\d+)", out)
    return Figure(
        rate, p99, (int(failed.group(1)) if failed else 0) + (int(errors.group(1)) if errors else 0)
    )


def checked(surface: Surface, base: str) -> None:
    """Ask a surface's first addresses once: a benchmark of 404s would measure nothing."""
    with httpx.Client(base_url=base, timeout=30) as client:
        for address in surface.repeated()[:5]:
            status = client.get(address).status_code
            if status != 200:
                raise SystemExit(f"{surface.name}: {address} answered {status}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument(
        "--postgres", help="a PostgreSQL URL for a scratch database (dropped first)"
    )
    parser.add_argument("--redis", help="a Redis URL for the cache (with --postgres)")
    parser.add_argument(
        "--story-pages",
        type=int,
        default=20_000,
        help="different story pages, spread over the archive (each asked once)",
    )
    parser.add_argument(
        "--requests",
        type=int,
        default=100_000,
        help="addresses of each generated workload (search, the API)",
    )
    parser.add_argument("--ingest-stories", type=int, default=2_000)
    parser.add_argument(
        "--keep",
        type=Path,
        help="a folder to build the archive in and keep (with --postgres, its database is"
        " kept too): a later run with the same folder measures it again without building",
    )
    parser.add_argument("--seed", type=int, default=28)
    parser.add_argument(
        "--build-only", action="store_true", help="with --keep: build the archive and stop"
    )
    parser.add_argument(
        "--only",
        help="measure only these surfaces (names as printed, comma-separated), without"
        " the ingest figures: a developer's quicker look at one surface",
    )
    args = parser.parse_args()
    if args.build_only and not args.keep:
        parser.error("--build-only keeps what it builds: give --keep")
    only = {name.strip() for name in args.only.split(",")} if args.only else None
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    # A kept archive is built once: the build of a million stories takes longer
    # than measuring it (docs/benchmarks.md).
    work = args.keep or Path(tempfile.mkdtemp(prefix="wiredesk-longtail-"))
    work.mkdir(parents=True, exist_ok=True)
    built_mark = work / "built"
    reuse = args.keep is not None and built_mark.exists()
    if args.postgres and not reuse:
        from ingest import reset_postgres

        reset_postgres(args.postgres)
    rng = random.Random(args.seed)
    processes: list[subprocess.Popen] = []
    try:
        cached_env = environment(work, args.postgres, 300, args.redis)
        uncached_env = environment(work, args.postgres, 0, args.redis)
        started = time.perf_counter()
        if reuse:
            built = float(built_mark.read_text())
        else:
            python(SECTIONS, cached_env)
            python(BUILD.format(here=str(HERE), stories=args.stories), cached_env)
            built = time.perf_counter() - started
            if args.keep:
                built_mark.write_text(f"{built:.0f}")
        if args.build_only:
            print(f"built {args.stories:,} stories in {work} in {built:,.0f} s")
            return 0
        # Counted after the ingest runs of an earlier measure too: they add
        # stories, and the next run ingests after them.
        first = int(python(COUNT, cached_env))
        archive = json.loads(python(ARCHIVE.format(pages=args.story_pages), cached_env))
        alone = ingest_rate(cached_env, first, args.ingest_stories) if only is None else 0.0
        port, uncached_port = free_port(), free_port()
        processes += [serve(cached_env, port), serve(uncached_env, uncached_port)]
        base, uncached = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{uncached_port}"
        wait_ready(base + "/healthz")
        wait_ready(uncached + "/healthz")
        loads = surfaces(archive, uncached, rng, args.requests, only)
        if not loads:
            raise SystemExit(f"--only names no surface: {args.only}")
        for surface in loads:
            checked(surface, uncached)
        one_story = archive["stories"][len(archive["stories"]) // 2]
        wrk(uncached + one_story, 2)  # warm up: every worker has loaded its code
        reference = wrk(uncached + one_story, args.seconds)
        figures = []
        for surface in loads:
            tail = walker(work, surface.name, surface.addresses, THREADS)
            again = walker(work, surface.name + "-repeated", surface.repeated(), THREADS)
            long_tail = wrk(base + "/", args.seconds, tail)
            repeated = wrk(base + "/", 2, again)  # warm up: the 20 addresses kept
            repeated = wrk(base + "/", args.seconds, again)
            figures.append((surface, long_tail, repeated))
        # Ingest again while every long-tail load runs, each on its share of the
        # connections, each walking its file afresh (what was kept goes stale
        # at every delivery, as on a live site).
        readers = [
            [
                "wrk",
                "-t1",
                f"-c{max(1, CONNECTIONS // len(loads))}",
                "-d3600s",  # stopped once ingest is done
                "--latency",
                "-s",
                str(walker(work, surface.name, surface.addresses, 1)),
                base + "/",
            ]
            for surface in loads
        ]
        loaded, printed = (
            ingest_rate_under(cached_env, first + args.ingest_stories, args.ingest_stories, readers)
            if only is None
            else (0.0, [])
        )
        during = [figure(out) for out in printed]
    finally:
        stop_all(processes)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    engine = (
        "PostgreSQL and Redis"
        if args.postgres and args.redis
        else ("PostgreSQL" if args.postgres else "SQLite")
    )
    print(
        f"{engine}, {first:,} stories (built in {built:,.0f} s); "
        f"wrk -t{THREADS} -c{CONNECTIONS} -d{args.seconds}s on 127.0.0.1\n"
    )
    print(
        f"reference: story page, uncached, one address: {reference.rate:,.0f} rps, "
        f"p99 {reference.p99:,.0f} ms (ratio 1.00)\n"
    )
    floor = reference.rate * RATIO_TARGET
    target = f">= {floor:,.0f} rps (x{RATIO_TARGET}), p99 < {P99_TARGET_MS:.0f} ms"
    print(
        f"{'long tail':<13} {'addresses':>16} {'rps':>8} {'p99 ms':>7} {'failed':>7} "
        f"{'ratio':>6}  {REPEATED_LABEL:<36} "
        f"{'target':<44}"
    )
    rows_ok = []
    for surface, tail, repeated in figures:
        ok = tail.rate >= floor and tail.p99 < P99_TARGET_MS and tail.failed == 0
        rows_ok.append(ok)
        share = f"{surface.distinct:,} of {len(surface.addresses):,}"
        print(
            f"{surface.name:<13} {share:>16} {tail.rate:>8,.0f} {tail.p99:>7,.1f} "
            f"{tail.failed:>7,} {tail.rate / reference.rate if reference.rate else 0:>6.2f}  "
            f"{f'{repeated.rate:,.0f} rps, p99 {repeated.p99:,.1f} ms':<36} "
            f"{target:<44}  {'ok' if ok else 'MISS'}"
        )
    if only is not None:
        return 0 if all(rows_ok) else 1
    slowdown = alone / loaded if loaded else float("inf")
    ingest_ok = slowdown < 2
    print(
        f"\n{'ingest':<13} {loaded:,.0f}/s while the long tail is read, {alone:,.0f}/s alone: "
        f"x{slowdown:.1f} slower {'(target < x2)':>20} {'ok' if ingest_ok else 'MISS'}"
    )
    for surface, load in zip(loads, during, strict=True):
        print(
            f"{surface.name + ', ingesting':<24} {load.rate:>8,.0f} rps, p99 {load.p99:>7,.1f} ms "
            f"(c{max(1, CONNECTIONS // len(loads))}, no target)"
        )
    return 0 if all(rows_ok) and ingest_ok else 1


if __name__ == "__main__":
    sys.exit(main())
