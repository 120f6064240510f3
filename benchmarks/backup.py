"""How long `wiredesk backup` and `wiredesk restore` take, and how big the archive is.

    uv run python benchmarks/backup.py [--stories 1000000] [--postgres URL]

Builds a database of `--stories` generated stories (benchmarks/load.py's build:
`wiredesk backfill`'s path, benchmarks/corpus.py, 100 stories a delivery, no
picture files), then times `wiredesk backup` into a scratch folder and
`wiredesk restore` of that archive into an empty data folder (with
`--postgres`, an empty scratch database beside the first), each as the
command a user runs. docs/deploy.md ("Backup and restore") gives the figures.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import BUILD, HERE, environment, python


def size(path: Path) -> int:
    """Return the bytes under `path` (a file or a folder)."""
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def timed(args: list[str], env: dict[str, str]) -> float:
    """Run a wiredesk command; return the seconds it took."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "wiredesk.cli", *args], env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"wiredesk {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return time.perf_counter() - started


def database_size(env: dict[str, str], postgres: str | None, data: Path) -> int:
    if not postgres:
        return size(data / "wiredesk.sqlite3") if (data / "wiredesk.sqlite3").exists() else 0
    code = (
        "import django; django.setup()\n"
        "from django.db import connection\n"
        "with connection.cursor() as c:\n"
        "    c.execute('SELECT pg_database_size(current_database())')\n"
        "    print(c.fetchone()[0])\n"
    )
    return int(python(code, env))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=100_000)
    parser.add_argument(
        "--postgres", help="a PostgreSQL URL for a scratch database (dropped first)"
    )
    args = parser.parse_args()
    restored_url = None
    if args.postgres:
        from ingest import reset_postgres

        reset_postgres(args.postgres)
        restored_url = args.postgres.rstrip("/") + "_restored"
        reset_postgres(restored_url)
    work = Path(tempfile.mkdtemp(prefix="wiredesk-backup-"))
    try:
        env = environment(work, args.postgres, 0)
        started = time.perf_counter()
        python(BUILD.format(here=str(HERE), stories=args.stories), env)
        built = time.perf_counter() - started
        data = Path(env["WIREDESK_DATA_DIR"])
        database = database_size(env, args.postgres, data)
        archive = work / "backup.tar"
        backup = timed(["backup", str(archive)], env)
        restore_env = dict(env, WIREDESK_DATA_DIR=str(work / "restored"))
        if restored_url:
            restore_env["DATABASE_URL"] = restored_url
        restore = timed(["restore", str(archive)], restore_env)
        engine = "PostgreSQL" if args.postgres else "SQLite"
        print(f"{engine}, {args.stories:,} stories (built in {built:,.0f} s)")
        print(f"{'database':<28}{database / 1e6:>12,.0f} MB")
        print(f"{'archive':<28}{size(archive) / 1e6:>12,.0f} MB")
        print(f"{'wiredesk backup':<28}{backup:>12,.1f} s")
        print(f"{'wiredesk restore (+checks)':<28}{restore:>12,.1f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
