"""An agency's FTP folder of 10,000 files: listing, fetching, and noticing one new file.

    uv run python benchmarks/ftp.py [--files 10000] [--trials 5]

A real FTP server (pyftpdlib, a process of its own) serves a folder of
`--files` NewsML-G2 files of one story each. Measured on SQLite, through the
whole pipeline, with the feed's defaults (after = "remember", settle 1 s):

- listing the folder (MLSD);
- taking every file: download, store, remember (files/s);
- then, with the real ingest loop polling every second, the time from a new
  file's upload to its story being stored, at random moments (`--trials`).

Targets: noticing a new file under 2 s at a polling interval of 1 s (half a
second of it is the default settle time that tells a whole file from one
still uploading); taking a backlog at 100 files/s or more: a folder of
10,000 files is in within two minutes of the feed being set up, and a live
wire (a few files a second at its busiest) never waits. Each file goes
through the pipeline as one delivery, as a watch-folder file does.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET_NOTICE_SECONDS = 2.0
TARGET_FILES_PER_SECOND = 100
USER, PASSWORD = "agency", "bench-password"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"the FTP server did not start on port {port}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--trials", type=int, default=5)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="wiredesk-ftp-"))
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "wiredesk.config.settings",
            "WIREDESK_DATA_DIR": str(scratch / "data"),
            "WIREDESK_LOG_LEVEL": "WARNING",
            "BENCH_FTP_PASSWORD": PASSWORD,
        }
    )
    for name in ("DATABASE_URL", "REDIS_URL", "WIREDESK_CONFIG"):
        os.environ.pop(name, None)
    sys.path.insert(0, str(HERE))
    from corpus import newsmlg2

    folder = scratch / "agency"
    folder.mkdir()
    for n in range(args.files):
        (folder / f"story-{n:06d}.xml").write_bytes(newsmlg2(n, 1))
    old = time.time() - 3600
    for path in folder.iterdir():
        os.utime(path, (old, old))
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pyftpdlib",
            "-i",
            "127.0.0.1",
            "-p",
            str(port),
            "-d",
            str(folder),
            "-w",
            "-u",
            USER,
            "-P",
            PASSWORD,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        rows = measure(args, folder, port, newsmlg2)
    finally:
        server.terminate()
        server.wait(10)
    print(f"An agency's FTP folder of {args.files:,} files, SQLite, the whole pipeline\n")
    print(f"{'what':<38} {'figure':>14} {'target':>12} {'':>4}")
    missed = False
    for what, figure, target, ok in rows:
        missed |= ok is False
        mark = "" if ok is None else ("ok" if ok else "MISS")
        print(f"{what:<38} {figure:>14} {target:>12} {mark:>4}")
    return 1 if missed else 0


def measure(args, folder: Path, port: int, newsmlg2) -> list[tuple[str, str, str, bool | None]]:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from wiredesk.ingest.loop import IngestLoop
    from wiredesk.ingest.polling import FeedPoller, open_transport
    from wiredesk.sources.models import Agency, Feed
    from wiredesk.stories.models import Story

    agency = Agency.objects.create(slug="wire", name="Wire", byline="Wire")
    feed = Feed.objects.create(
        agency=agency,
        slug="wire-ftp",
        transport="ftp",
        poll_interval=1.0,
        location=f"ftp://127.0.0.1:{port}/",
        options={
            "username": USER,
            "password_env": "BENCH_FTP_PASSWORD",
            "max_files_per_poll": args.files,
        },
    )
    rows = []
    transport = open_transport(feed)
    started = time.perf_counter()
    listed = transport._call(transport.list_files)
    listing = time.perf_counter() - started
    transport.close()
    assert len(listed) == args.files, len(listed)
    rows.append((f"list {args.files:,} files (MLSD)", f"{listing * 1000:,.0f} ms", "-", None))

    poller = FeedPoller()
    started = time.perf_counter()
    while Story.objects.count() < args.files:
        feed.refresh_from_db()
        poller.poll(feed)
    taken = time.perf_counter() - started
    poller.close()
    rate = args.files / taken
    rows.append(
        (
            "take the backlog (files/s)",
            f"{rate:,.0f}",
            f">= {TARGET_FILES_PER_SECOND}",
            rate >= TARGET_FILES_PER_SECOND,
        )
    )

    loop = IngestLoop(tick=0.05)
    loop.start()
    rng = random.Random(18)
    notices = []
    try:
        time.sleep(2.5)  # the loop's first polls: the folder is known and remembered
        for trial in range(args.trials):
            time.sleep(rng.uniform(0, 1.0))  # any moment of the polling interval
            n = args.files + trial
            upload = folder / f"new-{n}.xml.part"
            upload.write_bytes(newsmlg2(n, 1))
            os.replace(upload, folder / f"new-{n}.xml")  # the upload completes
            arrived = time.perf_counter()
            while not Story.objects.filter(item_id__endswith=f":{n}").exists():
                time.sleep(0.01)
            notices.append(time.perf_counter() - arrived)
    finally:
        loop.stop()
        loop.join(10)
    median, worst = statistics.median(notices), max(notices)
    target = f"< {TARGET_NOTICE_SECONDS:g} s"
    rows.append(
        (
            f"notice a new file, median of {len(notices)}",
            f"{median:.2f} s",
            target,
            median < TARGET_NOTICE_SECONDS,
        )
    )
    rows.append(
        ("notice a new file, worst", f"{worst:.2f} s", target, worst < TARGET_NOTICE_SECONDS)
    )
    return rows


if __name__ == "__main__":
    sys.exit(main())
