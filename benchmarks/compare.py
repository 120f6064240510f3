"""A benchmark run side by side with the code of an earlier commit, in the same run.

    uv run python benchmarks/compare.py ingest --against 19045b2 [--rounds 2] [--stories 20000]
    uv run python benchmarks/compare.py serve --against 19045b2 [--rounds 2] [--seconds 10]

Checks REV out into a git worktree in a temporary directory (the main checkout
is left as it is; the worktree is removed at the end), then runs REV's
benchmarks/<name>.py with the worktree's `src` first on PYTHONPATH, and this
checkout's benchmarks/<name>.py (its files as they are, committed or not) with
this checkout's `src`, alternating: before, after, before, after... for
`--rounds`, so both share the machine's state of those minutes. Both use this
project's virtualenv. Every other argument goes to both scripts. Each run
starts in an empty directory of its own, and each script makes its own fresh
database. Every run's output is printed as it ends; then one table of each
figure: its target, before (REV), after (this checkout), and the change in %
(with several rounds, before and after are each the median of the rounds).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


@dataclass(frozen=True)
class Figure:
    """One figure a benchmark printed: its name, its value, its target as printed."""

    name: str
    value: float
    target: str
    decimals: int = 0


def _number(text: str) -> tuple[float, int]:
    """Return a printed number's value and how many decimals it was printed with."""
    text = text.replace(",", "")
    return float(text), len(text.split(".")[1]) if "." in text else 0


INGEST_ROW = re.compile(
    r"^(?P<engine>SQLite|PostgreSQL)\s+(?P<what>\S.*?)\s+(?P<rate>[\d,.]+)\s+"
    r"(?P<target>>= [\d,]+|-)\s+(?:ok|MISS)$"
)


def parse_ingest(output: str) -> list[Figure]:
    """Read benchmarks/ingest.py's rows: stories/s of each engine's each agency."""
    figures = []
    for line in output.splitlines():
        if match := INGEST_ROW.match(line.strip()):
            value, decimals = _number(match["rate"])
            figures.append(
                Figure(
                    f"{match['engine']}, {match['what']}: stories/s",
                    value,
                    match["target"],
                    decimals,
                )
            )
    return figures


SERVE_ROW = re.compile(
    r"^(?P<name>\S.*?)\s+(?P<rate>[\d,]+)\s+(?P<p99>[\d.]+)\s+(?P<target>\S.*?)\s+(?:ok|MISS)$"
)


def parse_serve(output: str) -> list[Figure]:
    """Read benchmarks/serve.py's rows: requests/s and p99 of each server, each with its
    part of the row's target ("reference" for nginx's requests/s)."""
    figures = []
    for line in output.splitlines():
        match = SERVE_ROW.match(line.strip())
        if not match or match["name"] == "server":
            continue
        parts = match["target"].split(", ")
        rate_target = ", ".join(p for p in parts if "p99" not in p) or "-"
        p99_target = ", ".join(p for p in parts if "p99" in p) or "-"
        rate, rate_decimals = _number(match["rate"])
        p99, p99_decimals = _number(match["p99"])
        figures += [
            Figure(f"{match['name']}: requests/s", rate, rate_target, rate_decimals),
            Figure(f"{match['name']}: p99 ms", p99, p99_target, p99_decimals),
        ]
    return figures


PARSERS: dict[str, Callable[[str], list[Figure]]] = {"ingest": parse_ingest, "serve": parse_serve}


def _format(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}"


def table(before: list[list[Figure]], after: list[list[Figure]]) -> str:
    """Return the table of every figure: target, before, after, change in %.

    `before` and `after` hold one list of figures per run; a side's value is the
    median of its runs. The target shown is the after side's first run's; a target
    that differs between runs (serve.py's, from that run's nginx) is marked with *.
    """
    names = list(dict.fromkeys(f.name for run in after + before for f in run))
    rows = [("figure", "target", "before", "after", "change")]
    varies = False
    for name in names:
        old = [f for run in before for f in run if f.name == name]
        new = [f for run in after for f in run if f.name == name]
        shown = new or old
        targets = {f.target for f in old + new}
        target = shown[0].target + ("*" if len(targets) > 1 else "")
        varies |= len(targets) > 1
        decimals = shown[0].decimals
        old_value = statistics.median(f.value for f in old) if old else None
        new_value = statistics.median(f.value for f in new) if new else None
        if old_value and new_value is not None:
            change = f"{(new_value - old_value) / old_value * 100:+.1f}%"
        else:
            change = "-"
        rows.append(
            (
                name,
                target,
                "-" if old_value is None else _format(old_value, decimals),
                "-" if new_value is None else _format(new_value, decimals),
                change,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = [
        f"{n:<{widths[0]}}  {t:<{widths[1]}}  {b:>{widths[2]}}  {a:>{widths[3]}}  {c:>{widths[4]}}"
        for n, t, b, a, c in rows
    ]
    lines.append("")
    p99 = " (for p99, less is better)" if any("p99" in name for name in names) else ""
    lines.append(f"change: after against before{p99}")
    if varies:
        lines.append("* the runs printed different targets; each run's own is in its output")
    return "\n".join(lines)


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def run_script(script: Path, src: Path, args: list[str]) -> str:
    """Run a benchmark script with `src` first on PYTHONPATH, in an empty directory of its
    own; return what it printed (exit 1 only says a target was missed)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(src), env.get("PYTHONPATH")) if p)
    with tempfile.TemporaryDirectory(prefix="wiredesk-compare-run-") as cwd:
        found = subprocess.run(
            [sys.executable, "-c", "import wiredesk; print(wiredesk.__file__)"],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        if not Path(found.stdout.strip()).is_relative_to(src):
            raise SystemExit(f"wiredesk imports from {found.stdout.strip()}, not from {src}")
        result = subprocess.run(
            [sys.executable, str(script), *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    if result.returncode not in (0, 1):
        raise SystemExit(
            f"{script} failed (exit {result.returncode}):\n"
            f"{result.stdout[-2000:]}{result.stderr[-3000:]}"
        )
    return result.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        allow_abbrev=False,
        epilog="Every other argument goes to both runs of the benchmark.",
    )
    parser.add_argument("benchmark", choices=sorted(PARSERS))
    parser.add_argument(
        "--against",
        required=True,
        metavar="REV",
        help="the commit to compare with (the code before a change)",
    )
    parser.add_argument(
        "--rounds", type=int, default=1, help="how many times each runs, alternating (default 1)"
    )
    args, passed = parser.parse_known_args(argv)
    try:
        rev = _git("rev-parse", "--verify", "--quiet", f"{args.against}^{{commit}}")
    except subprocess.CalledProcessError:
        raise SystemExit(f"{args.against} is not a commit of {ROOT}") from None
    changed = _git("--no-optional-locks", "status", "--porcelain", "--", "src", "benchmarks")
    dirty = " + uncommitted changes" if changed else ""
    before_label = f"before ({rev[:7]})"
    after_label = f"after ({_git('rev-parse', '--short=7', 'HEAD')}{dirty})"
    parse = PARSERS[args.benchmark]
    temp = Path(tempfile.mkdtemp(prefix="wiredesk-compare-"))
    worktree = temp / rev[:12]
    before: list[list[Figure]] = []
    after: list[list[Figure]] = []
    try:
        _git("worktree", "add", "--detach", str(worktree), rev)
        old_script = worktree / "benchmarks" / f"{args.benchmark}.py"
        if not old_script.exists():
            raise SystemExit(f"{rev[:7]} has no benchmarks/{args.benchmark}.py")
        sides = [
            (before_label, old_script, worktree / "src", before),
            (after_label, HERE / f"{args.benchmark}.py", ROOT / "src", after),
        ]
        for round_ in range(1, args.rounds + 1):
            for label, script, src, runs in sides:
                print(
                    f"== round {round_}/{args.rounds}, {label}: benchmarks/{args.benchmark}.py "
                    f"{' '.join(passed)}".rstrip(),
                    flush=True,
                )
                output = run_script(script, src, passed)
                print(output.rstrip() + "\n", flush=True)
                figures = parse(output)
                if not figures:
                    raise SystemExit(f"no figures read from {label}'s output")
                runs.append(figures)
    finally:
        try:
            _git("worktree", "remove", "--force", str(worktree))
        except subprocess.CalledProcessError:
            shutil.rmtree(worktree, ignore_errors=True)
            _git("worktree", "prune")
        shutil.rmtree(temp, ignore_errors=True)
    rounds = f"{args.rounds} rounds, each side's median" if args.rounds > 1 else "1 round"
    print(
        f"== benchmarks/{args.benchmark}.py {' '.join(passed)}".rstrip()
        + f": {before_label} against {after_label}, {rounds}\n"
    )
    print(table(before, after))
    return 0


if __name__ == "__main__":
    sys.exit(main())
