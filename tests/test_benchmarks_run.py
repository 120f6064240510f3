"""The benchmarks keep running: each is run here on a tiny corpus (figures are not checked here)."""

from __future__ import annotations

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
    [row] = [line.split() for line in result.stdout.splitlines() if line.startswith("SQLite")]
    assert float(row[1].replace(",", "")) > 0
