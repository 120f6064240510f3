"""benchmarks/compare.py: a benchmark's figures before a change and after, side by side.

The outputs below are real ones (ingest.py --stories 200; serve.py --seconds 1
--connections 4), printed by the code before issue 29 (19045b2) and after it.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REV = "19045b264425fdc3a4c958af4936de610eb2a9e3"  # the code before issue 29

_spec = importlib.util.spec_from_file_location("benchmarks_compare", ROOT / "benchmarks/compare.py")
compare = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = compare
_spec.loader.exec_module(compare)

INGEST_BEFORE = """\
Backfill through the whole pipeline; the other agency's first half are
near-duplicates of the first agency's last stories (grouped)

engine      stories                     stories/s     target
SQLite      200 of one agency                  53   >= 5,000 MISS
SQLite      then 200 of another               198          -   ok
SQLite      200 each with a photo             140   >= 1,700 MISS
"""

INGEST_AFTER = """\
Backfill through the whole pipeline; the other agency's first half are
near-duplicates of the first agency's last stories (grouped)

engine      stories                     stories/s     target
SQLite      200 of one agency                  72   >= 5,000 MISS
SQLite      then 200 of another               192          -   ok
SQLite      200 each with a photo             206   >= 1,700 MISS
"""

# With --postgres (rows of an earlier run, quoted in docs/benchmarks.md).
INGEST_POSTGRES = """\
engine      stories                     stories/s     target
SQLite      100,000 of one agency           5,085   >= 5,000   ok
SQLite      then 20,000 of another          1,465          -   ok
PostgreSQL  100,000 of one agency             632          -   ok
PostgreSQL  then 20,000 of another            171          -   ok
"""

SERVE_BEFORE = """\
Story page, 8,057 bytes, wrk -t2 -c4 -d1s on 127.0.0.1

server                  requests/s   p99 ms  target
nginx, static file          43,965     3.55  reference                    ok
story page, cached           9,920     2.64  >= 21,983 rps, p99 < 10 ms   MISS
story page, uncached           136    94.74  >= 1,000 rps                 MISS
proxied, cached             19,282     2.51  >= 21,983 rps, p99 < 10 ms   MISS
proxied, uncached              248    36.13  >= 1,000 rps                 MISS
"""

SERVE_AFTER = """\
Story page, 8,057 bytes, wrk -t2 -c4 -d1s on 127.0.0.1

server                  requests/s   p99 ms  target
nginx, static file          70,836     9.98  reference                    ok
story page, cached          14,186     1.93  >= 35,418 rps, p99 < 10 ms   MISS
story page, uncached           111    99.79  >= 1,000 rps                 MISS
proxied, cached             30,600    11.91  >= 35,418 rps, p99 < 10 ms   MISS
proxied, uncached              173    46.85  >= 1,000 rps                 MISS
"""


def _rows(text: str) -> dict[str, list[str]]:
    """The table's rows by figure name: target, before, after, change."""
    lines = text.splitlines()
    header = lines[0]
    starts = [header.index(word) for word in ("target", "before", "after", "change")]
    rows = {}
    for line in lines[1:]:
        if not line.strip():
            break
        rows[line[: starts[0]].strip()] = [
            line[starts[0] : starts[1]].strip(),
            *line[starts[1] :].split(),
        ]
    return rows


def test_ingest_rows_are_read_with_their_targets():
    figures = compare.parse_ingest(INGEST_AFTER)
    assert [(f.name, f.value, f.target) for f in figures] == [
        ("SQLite, 200 of one agency: stories/s", 72, ">= 5,000"),
        ("SQLite, then 200 of another: stories/s", 192, "-"),
        ("SQLite, 200 each with a photo: stories/s", 206, ">= 1,700"),
    ]


def test_ingest_rows_of_both_engines_are_read():
    figures = compare.parse_ingest(INGEST_POSTGRES)
    assert [(f.name, f.value) for f in figures] == [
        ("SQLite, 100,000 of one agency: stories/s", 5085),
        ("SQLite, then 20,000 of another: stories/s", 1465),
        ("PostgreSQL, 100,000 of one agency: stories/s", 632),
        ("PostgreSQL, then 20,000 of another: stories/s", 171),
    ]


def test_serve_rows_give_requests_and_p99_each_with_its_part_of_the_target():
    figures = compare.parse_serve(SERVE_BEFORE)
    assert [(f.name, f.value, f.target) for f in figures] == [
        ("nginx, static file: requests/s", 43965, "reference"),
        ("nginx, static file: p99 ms", 3.55, "-"),
        ("story page, cached: requests/s", 9920, ">= 21,983 rps"),
        ("story page, cached: p99 ms", 2.64, "p99 < 10 ms"),
        ("story page, uncached: requests/s", 136, ">= 1,000 rps"),
        ("story page, uncached: p99 ms", 94.74, "-"),
        ("proxied, cached: requests/s", 19282, ">= 21,983 rps"),
        ("proxied, cached: p99 ms", 2.51, "p99 < 10 ms"),
        ("proxied, uncached: requests/s", 248, ">= 1,000 rps"),
        ("proxied, uncached: p99 ms", 36.13, "-"),
    ]


def test_ingest_table_shows_target_before_after_and_change():
    text = compare.table(
        [compare.parse_ingest(INGEST_BEFORE)], [compare.parse_ingest(INGEST_AFTER)]
    )
    assert _rows(text) == {
        "SQLite, 200 of one agency: stories/s": [">= 5,000", "53", "72", "+35.8%"],
        "SQLite, then 200 of another: stories/s": ["-", "198", "192", "-3.0%"],
        "SQLite, 200 each with a photo: stories/s": [">= 1,700", "140", "206", "+47.1%"],
    }
    assert "p99" not in text and "*" not in text


def test_serve_table_keeps_the_printed_decimals_and_marks_targets_that_moved():
    text = compare.table([compare.parse_serve(SERVE_BEFORE)], [compare.parse_serve(SERVE_AFTER)])
    rows = _rows(text)
    assert len(rows) == 10
    assert rows["nginx, static file: requests/s"] == ["reference", "43,965", "70,836", "+61.1%"]
    assert rows["story page, cached: p99 ms"] == ["p99 < 10 ms", "2.64", "1.93", "-26.9%"]
    # 50% of each run's own nginx figure: the after run's shown, marked as varying.
    assert rows["proxied, cached: requests/s"] == [">= 35,418 rps*", "19,282", "30,600", "+58.7%"]
    assert "* the runs printed different targets" in text
    assert "for p99, less is better" in text


def test_several_rounds_give_each_side_its_median():
    before = [compare.parse_ingest(INGEST_BEFORE), compare.parse_ingest(INGEST_AFTER)]
    after = [compare.parse_ingest(INGEST_AFTER)] * 3
    rows = _rows(compare.table(before, after))
    assert rows["SQLite, 200 of one agency: stories/s"][1:] == [
        "62",
        "72",
        "+15.2%",
    ]  # 62.5: (53 + 72) / 2


def test_a_figure_only_one_side_printed_shows_a_dash():
    before = compare.parse_ingest(INGEST_BEFORE)[:2]
    rows = _rows(compare.table([before], [compare.parse_ingest(INGEST_AFTER)]))
    assert rows["SQLite, 200 each with a photo: stories/s"] == [">= 1,700", "-", "206", "-"]


def _git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=False
    )


@pytest.mark.embedded_engine  # ingest.py builds its corpus on SQLite unless given --postgres
def test_ingest_against_the_code_before_issue_29_end_to_end():
    """A tiny real comparison: a worktree of REV, both scripts run, the table, no worktree left."""
    if _git("cat-file", "-e", f"{REV}^{{commit}}").returncode != 0:
        pytest.skip(f"{REV[:7]} is not in this checkout's history (a shallow clone?)")
    worktrees = _git("worktree", "list", "--porcelain").stdout
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks/compare.py"),
            "ingest",
            "--against",
            REV[:7],
            "--stories",
            "200",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("== round 1/1, ") == 2
    assert f"before ({REV[:7]})" in result.stdout
    assert (
        f"against after ({_git('rev-parse', '--short=7', 'HEAD').stdout.strip()}" in result.stdout
    )
    table = result.stdout[result.stdout.index("\nfigure ") + 1 :]
    rows = _rows(table)
    assert list(rows) == [
        "SQLite, 200 of one agency: stories/s",
        "SQLite, then 200 of another: stories/s",
        "SQLite, 200 each with a photo: stories/s",
    ]
    for _target, before, after, change in rows.values():
        assert float(before.replace(",", "")) > 0 and float(after.replace(",", "")) > 0
        assert change.endswith("%")
    assert _git("worktree", "list", "--porcelain").stdout == worktrees
