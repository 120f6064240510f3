"""The benchmarks keep running: each is run here on a tiny corpus (figures are not checked here)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
# Each benchmark builds its own corpus on the embedded default unless given
# --postgres, whatever the suite's engine: the same on either pass of CI.
pytestmark = pytest.mark.embedded_engine


def _run(script: str, *args: str, timeout: int = 300) -> str:
    """Run a benchmark; return what it printed (exit 1 only says a target was missed)."""
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode in (0, 1), result.stdout + result.stderr
    return result.stdout


def test_parse_benchmark_prints_a_row_for_every_format():
    sys.path.insert(0, str(BENCHMARKS))
    from corpus import FORMATS

    stdout = _run("parse.py", "--items", "100", "--repeat", "1", timeout=120)
    rows = {line.split()[0] for line in stdout.splitlines() if line.strip()}
    assert set(FORMATS) <= rows
    assert "parse items/s" in stdout and "target parse" in stdout


def test_latency_benchmark_runs_against_a_real_wiredesk_run():
    stdout = _run("latency.py", "--stories", "2", timeout=120)
    rows = [
        line.split()[:2] for line in stdout.splitlines() if line.startswith(("publish", "kill"))
    ]
    assert rows == [[c, s] for c in ("publish", "kill") for s in ("page", "api", "feed")]


def test_layers_benchmark_prints_every_cache_layer_with_and_without_it():
    from wiredesk.metrics.instruments import CACHE_LAYERS

    stdout = _run("layers.py", "--stories", "60", "--repeat", "3", timeout=180)
    rows = [line.split() for line in stdout.splitlines() if line.endswith(("ok", "MISS"))]
    assert {row[0] for row in rows} == set(CACHE_LAYERS)
    assert all(row.count("200") == 2 for row in rows)  # each asked with the layer and without
    assert "target: with each layer" in stdout


def test_ingest_benchmark_prints_its_table():
    stdout = _run("ingest.py", "--stories", "200", timeout=300)
    rows = [
        re.split(r"\s{2,}", line.strip())
        for line in stdout.splitlines()
        if line.startswith("SQLite")
    ]
    assert [row[1] for row in rows] == [
        "200 of one agency",
        "then 200 of another",
        "200 each with a photo",
    ]
    assert all(float(row[2].replace(",", "")) > 0 for row in rows)


def test_desk_benchmark_prints_every_view_and_polls_with_the_live_rows_cursors():
    stdout = _run("desk.py", "--stories", "400", timeout=300)
    lines = stdout.splitlines()
    header = lines.index(next(line for line in lines if line.startswith("view")))
    assert [line[:18].strip() for line in lines[header + 1 : -1]] == [
        "wire",
        "agency",
        "feed",
        "state held",
        "state killed",
        "urgency 1",
        "last hour",
        "section",
        "search",
        "search + agency",
        "older page",
    ]
    # The poll sends the page's live-row cursors, as desk.js does: its reads are measured.
    assert "a poll, with its live rows' cursors, answered in" in lines[-1]


def test_memory_benchmark_reads_a_web_workers_memory_after_every_page():
    stdout = _run("memory.py", "--stories", "500", timeout=300)
    rows = [line for line in stdout.splitlines() if line.startswith("200 ")]
    assert len(rows) == 18  # every page answered 200, each with its RSS; then the stories
    assert all(float(line.split()[-1]) > 10 for line in rows)
    assert "target < 120 MB" in stdout


def test_serve_benchmark_prints_its_table_when_wrk_and_nginx_are_here():
    if not shutil.which("wrk") and not os.environ.get("CI"):
        pytest.skip("Debian's wrk and nginx are not installed here (.ci/run installs them)")
    stdout = _run("serve.py", "--seconds", "1", "--connections", "4", timeout=300)
    names = [line[:22].strip() for line in stdout.splitlines()[3:]]
    assert names == [
        "nginx, static file",
        "story page, cached",
        "story page, uncached",
        "proxied, cached",
        "proxied, uncached",
    ]


def test_load_benchmark_prints_every_surface_beside_its_target():
    if not shutil.which("wrk") and not os.environ.get("CI"):
        pytest.skip("Debian's wrk is not installed here (.ci/run installs it)")
    stdout = _run(
        "load.py", "--stories", "300", "--seconds", "1", "--ingest-stories", "50", timeout=300
    )
    names = [line[:20].strip() for line in stdout.splitlines()[2:]]
    assert names == [
        "surface",
        "search, 200 words",
        "API list, 20 pages",
        "RSS feed, uncached",
        "ingest, loaded",
        "search, ingesting",
        "API list, ingesting",
        "RSS feed, ingesting",
    ]


def _long_tail(*args: str) -> tuple[list[str], int]:
    """Run longtail.py with `args`; return its lines and where its table's header is."""
    if not shutil.which("wrk") and not os.environ.get("CI"):
        pytest.skip("Debian's wrk is not installed here (.ci/run installs it)")
    lines = _run("longtail.py", "--seconds", "1", *args, timeout=600).splitlines()
    assert lines[2].startswith("reference: story page, uncached, one address:")
    return lines, lines.index(next(line for line in lines if line.startswith("long tail")))


def test_long_tail_benchmark_prints_every_surface_beside_the_uncached_story_page():
    lines, header = _long_tail(
        *("--stories", "300", "--ingest-stories", "30"),
        *("--requests", "1000", "--story-pages", "200"),
    )
    assert "repeated address: the cache" in lines[header] and "ratio" in lines[header]
    rows = [re.split(r"\s{2,}", line.strip()) for line in lines[header + 1 : header + 10]]
    assert [row[0] for row in rows] == [
        "search",
        "story pages",
        "API since",
        "API cursors",
        "API filters",
        "API q",
        "lists",
        "feeds",
        "sitemaps",
    ]
    for row in rows:
        distinct, total = (int(n.replace(",", "")) for n in row[1].split(" of "))
        assert 0 < distinct <= total
        assert row[-1] in ("ok", "MISS")
    # Search draws a Zipf-like popularity: some queries asked again, most not.
    search_distinct, search_total = (int(n.replace(",", "")) for n in rows[0][1].split(" of "))
    assert search_distinct < search_total
    # Every story page is a different story, spread over the archive.
    story_distinct, story_total = (int(n.replace(",", "")) for n in rows[1][1].split(" of "))
    assert story_distinct == story_total >= 150
    assert any(line.startswith("ingest") and "alone" in line for line in lines)
    assert sum(", ingesting" in line for line in lines) == 9


def test_long_tail_benchmark_measures_only_the_surfaces_a_developer_names():
    lines, header = _long_tail(
        *("--stories", "200", "--requests", "300", "--story-pages", "100"),
        *("--only", "search,story pages"),
    )
    rows = [line for line in lines[header + 1 :] if line.strip()]
    assert [re.split(r"\s{2,}", row.strip())[0] for row in rows] == ["search", "story pages"]
    # The ingest figures are the whole workload's: left out of a look at two surfaces.
    assert not any(line.startswith("ingest") or ", ingesting" in line for line in lines)


def test_ftp_benchmark_lists_takes_and_notices_against_a_real_ftp_server():
    stdout = _run("ftp.py", "--files", "200", "--trials", "2", timeout=300)
    names = [line[:38].strip() for line in stdout.splitlines()[3:]]
    assert names == [
        "list 200 files (MLSD)",
        "take the backlog (files/s)",
        "notice a new file, median of 2",
        "notice a new file, worst",
    ]
    assert "< 2 s" in stdout and ">= 100" in stdout


def test_hostile_benchmark_prints_the_versions_page_and_healthz_beside_their_targets():
    stdout = _run("hostile.py", "--megabytes", "0.05", "--slow", "5", "--asks", "8", timeout=300)
    rows = [line.split()[0] for line in stdout.splitlines() if line.endswith(("ok", "MISS"))]
    assert rows == ["serve"] * 6 + ["run"] * 6
    assert "/healthz p99, 5 slow bodies open" in stdout


def test_backup_benchmark_times_a_backup_and_a_restore_of_the_archive_it_built():
    stdout = _run("backup.py", "--stories", "200", timeout=300)
    # "wiredesk backup      2.5 s": the name, then the figure before its unit.
    lines = {line.rsplit(None, 2)[0]: line.split()[-2] for line in stdout.splitlines()[1:]}
    assert stdout.startswith("SQLite, 200 stories")
    assert float(lines["wiredesk backup"]) > 0 and float(lines["wiredesk restore (+checks)"]) > 0
    assert float(lines["archive"].replace(",", "")) > 0
