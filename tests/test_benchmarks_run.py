"""The benchmarks keep running: each is run here on a tiny corpus (figures are not checked here)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def test_parse_benchmark_prints_a_row_for_every_format():
    sys.path.insert(0, str(BENCHMARKS))
    from corpus import FORMATS

    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / "parse.py"), "--items", "100", "--repeat", "1"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stderr
    rows = {line.split()[0] for line in result.stdout.splitlines() if line.strip()}
    assert set(FORMATS) <= rows
    assert "parse items/s" in result.stdout and "target parse" in result.stdout


def test_latency_benchmark_runs_against_a_real_wiredesk_run():
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / "latency.py"), "--stories", "2"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stdout + result.stderr
    rows = [
        line.split()[:2]
        for line in result.stdout.splitlines()
        if line.startswith(("publish", "kill"))
    ]
    assert rows == [[c, s] for c in ("publish", "kill") for s in ("page", "api", "feed")]


def test_ingest_benchmark_prints_its_table():
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / "ingest.py"), "--stories", "200"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stdout + result.stderr
    rows = [re.split(r"\s{2,}", line.strip()) for line in result.stdout.splitlines()
            if line.startswith("SQLite")]  # fmt: skip
    assert [row[1] for row in rows] == ["200 of one agency", "then 200 of another"]
    assert all(float(row[2].replace(",", "")) > 0 for row in rows)


def test_memory_benchmark_reads_a_web_workers_memory_after_every_page():
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / "memory.py"), "--stories", "500"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stdout + result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith("200 ")]
    assert len(rows) == 18  # every page answered 200, each with its RSS; then the stories
    assert all(float(line.split()[-1]) > 10 for line in rows)
    assert "target < 120 MB" in result.stdout


def test_serve_benchmark_prints_its_table_when_wrk_and_nginx_are_here():
    import os
    import shutil

    import pytest

    if not shutil.which("wrk") and not os.environ.get("CI"):
        pytest.skip("Debian's wrk and nginx are not installed here (.ci/run installs them)")
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / "serve.py"), "--seconds", "1", "--connections", "4"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stdout + result.stderr
    names = [line[:22].strip() for line in result.stdout.splitlines()[3:]]
    assert names == ["nginx, static file", "story page, cached", "story page, uncached"]
