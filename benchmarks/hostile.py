"""Hostile requests: a versions page of two 2 MB versions, and slow request bodies.

    uv run python benchmarks/hostile.py [--megabytes 2] [--slow 300] [--asks 200]

Makes a fresh SQLite database holding two stories of two versions each,
delivered as ninjs through the pipeline: one of about 2 MB of paragraphs with
one word in 500 changed (a long agency text revised), and one whose second
version has the first one's words in reverse order (every word unique, no
two in the same order: the costliest pair the word diff meets). Then, on
`wiredesk serve` (one worker, page cache off) and on `wiredesk run`:

- the versions page of each story, asked first (the diff is computed and
  kept) and then five times more (read from what was kept; each answer is
  rendered afresh, the page cache being off);
- `/healthz` and the story page, each asked `--asks` times one after another,
  while `--slow` connections stay open sending their bodies a byte every two
  seconds.

Targets: every versions page under 1 s, the first included; /healthz and the
story page with a p99 under 1 s while the slow bodies are open.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from serve import free_port, ingest_files, stop_all, wait_ready  # noqa: E402

TARGET_SECONDS = 1.0
WORDS = [f"w{n}" for n in range(3000)] + ["the"] * 300 + ["of"] * 200


def _ninjs(uri: str, version: int, paragraphs: list[str]) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return json.dumps(
        {
            "uri": uri,
            "version": str(version),
            "type": "text",
            "language": "en",
            "versioncreated": f"2026-12-06T09:0{version}:00+05:30",
            "pubstatus": "usable",
            "headline": f"A long story ({uri})",
            "body_html": body,
        }
    ).encode()


def deliveries(megabytes: float) -> list[tuple[str, bytes]]:
    """Return the four deliveries: the long story's two versions, the reversed one's two."""
    pick = random.Random(1).choice
    paragraphs, size = [], 0
    while size < megabytes * 1_000_000:
        paragraphs.append(" ".join(pick(WORDS) for _ in range(60)))
        size += len(paragraphs[-1]) + 2
    revised, count = [], 0
    for paragraph in paragraphs:
        words = paragraph.split(" ")
        for n in range(len(words)):
            if count % 500 == 0:
                words[n] = "EDITED"
            count += 1
        revised.append(" ".join(words))
    unique = [f"x{n}" for n in range(len(" ".join(paragraphs).split()) // 2)]
    return [
        ("long-1.json", _ninjs("urn:bench:long", 1, paragraphs)),
        ("long-2.json", _ninjs("urn:bench:long", 2, revised)),
        ("reversed-1.json", _ninjs("urn:bench:reversed", 1, [" ".join(unique)])),
        ("reversed-2.json", _ninjs("urn:bench:reversed", 2, [" ".join(reversed(unique))])),
    ]


def _env(work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    config = work / "wiredesk.toml"
    config.write_text('[site]\nname = "Bench"\npage_cache_seconds = 0\nweb_niceness = 0\n')
    env.update(
        WIREDESK_DATA_DIR=str(work / "data"),
        WIREDESK_CONFIG=str(config),
        WIREDESK_LOG_LEVEL="WARNING",
    )
    return env


def prepare(work: Path, megabytes: float) -> dict[str, str]:
    """Make the database; return each story's page path by its agency item id."""
    paths = []
    for name, data in deliveries(megabytes):
        paths.append(work / name)
        paths[-1].write_bytes(data)
    return ingest_files(work, paths)


def start(work: Path, command: str, port: int) -> subprocess.Popen:
    extra = ["--workers", "1"] if command == "serve" else []
    return subprocess.Popen(
        [sys.executable, "-m", "wiredesk.cli", command, "--port", str(port), *extra],
        env=_env(work),
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        process_group=0,
    )


def timed(url: str) -> float:
    started = time.perf_counter()
    answer = httpx.get(url, timeout=60)
    answer.raise_for_status()
    return time.perf_counter() - started


def p99(times: list[float]) -> float:
    times = sorted(times)
    return times[min(len(times) - 1, int(len(times) * 0.99))]


class SlowBodies:
    """Connections that send a POST's body a byte every two seconds, while open."""

    def __init__(self, port: int, count: int) -> None:
        self.sockets = []
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", port))
            sock.sendall(
                b"POST /push/ians/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n<"
            )
            self.sockets.append(sock)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._trickle, daemon=True)
        self.thread.start()

    def _trickle(self) -> None:
        while not self.stopping.wait(2):
            for sock in self.sockets:
                with contextlib.suppress(OSError):  # answered 408 and closed: the point
                    sock.sendall(b"a")

    def close(self) -> None:
        self.stopping.set()
        self.thread.join()
        for sock in self.sockets:
            sock.close()


def measure(work: Path, command: str, paths: dict[str, str], slow: int, asks: int) -> list:
    port = free_port()
    process = start(work, command, port)
    base = f"http://127.0.0.1:{port}"
    rows = []
    try:
        wait_ready(base + "/healthz")
        for uri, label in (
            ("urn:bench:long", "long, 1 word in 500"),
            ("urn:bench:reversed", "reversed words"),
        ):
            versions = base + paths[uri] + "versions/"
            first = timed(versions)
            again = max(timed(versions) for _ in range(5))
            rows.append((command, f"versions page, {label}, first", first))
            rows.append((command, f"versions page, {label}, again", again))
        story = base + paths["urn:bench:long"]
        timed(story)
        bodies = SlowBodies(port, slow)
        try:
            health = [timed(base + "/healthz") for _ in range(asks)]
            pages = [timed(base + paths["urn:bench:reversed"]) for _ in range(asks // 4)]
        finally:
            bodies.close()
        rows.append((command, f"/healthz p99, {slow} slow bodies open", p99(health)))
        rows.append((command, f"story page p99, {slow} slow bodies open", p99(pages)))
    finally:
        stop_all([process])
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=2.0)
    parser.add_argument("--slow", type=int, default=300)
    parser.add_argument("--asks", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wiredesk-hostile-") as folder:
        work = Path(folder)
        paths = prepare(work, args.megabytes)
        size = (work / "long-2.json").stat().st_size
        rows = []
        for command in ("serve", "run"):
            # Each server on its own copy of the database: its first ask computes the diffs.
            shutil.copytree(work / "data", work / command / "data")
            rows += measure(work / command, command, paths, args.slow, args.asks)
    print(f"Versions of {size / 1e6:.1f} MB each; slow bodies: a byte every 2 s\n")
    print(f"{'server':<6} {'what':<46} {'seconds':>8}  target")
    for command, what, seconds in rows:
        ok = seconds < TARGET_SECONDS
        print(
            f"{command:<6} {what:<46} {seconds:>8.3f}  < {TARGET_SECONDS:g} s {'ok' if ok else 'MISS'}"
        )
    return 0 if all(seconds < TARGET_SECONDS for *_, seconds in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
