"""Publish and kill latency on the embedded engine, from a file's arrival to every surface.

    uv run python benchmarks/latency.py [--stories 30]

Starts `wiredesk run` on a fresh data folder with one watch-folder feed, drops
NewsML-G2 deliveries into the folder one at a time (written, then renamed into
place, as an upload should), and measures how long each change takes to show
on the story page, in the API and in a feed: publish (visible) and kill (410 on
the page and the API, gone from the feed). Prints p50 and p99 against the
target: p99 under one second.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

TARGET_P99 = 1.0
SURFACES = ("page", "api", "feed")


def item(guid: str, version: int, status: str = "usable") -> bytes:
    when = datetime.now(UTC).isoformat()
    return (
        f'<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="{guid}" version="{version}">'
        f'<itemMeta><itemClass qcode="ninat:text"/><versionCreated>{when}</versionCreated>'
        f'<pubStatus qcode="stat:{status}"/></itemMeta><contentMeta><headline>Latency story {guid}'
        "</headline></contentMeta><contentSet><inlineData>NEW DELHI, Oct 14 Words of the story."
        "</inlineData></contentSet></newsItem>"
    ).encode()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def drop(inbox: Path, name: str, data: bytes) -> float:
    partial = inbox / f".{name}.part"
    partial.write_bytes(data)
    os.replace(partial, inbox / name)
    return time.perf_counter()


def watch(client: httpx.Client, pk: int, dropped: float, want_visible: bool, timeout: float = 10.0):
    """Poll the three surfaces until each shows the change; return seconds for each."""
    seen: dict[str, float] = {}
    deadline = dropped + timeout
    while len(seen) < len(SURFACES) and time.perf_counter() < deadline:
        checks = {
            "page": lambda: client.get(f"/story/{pk}/", follow_redirects=True).status_code,
            "api": lambda: client.get(f"/api/v1/stories/{pk}").status_code,
            "feed": lambda: f"/story/{pk}/" in client.get("/feeds/rss.xml").text,
        }
        for name, check in checks.items():
            if name in seen:
                continue
            result = check()
            done = (
                result is True or result == 200
                if want_visible
                else result is False or result == 410
            )
            if done:
                seen[name] = time.perf_counter() - dropped
        time.sleep(0.005)
    missing = set(SURFACES) - set(seen)
    if missing:
        raise SystemExit(
            f"story {pk}: {', '.join(sorted(missing))} did not change within {timeout}s"
        )
    return seen


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=30)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="wiredesk-latency-"))
    inbox = work / "inbox"
    (work / "wiredesk.toml").write_text(
        '[[agencies]]\nslug = "wire"\nname = "Wire"\n\n'
        '  [[agencies.feeds]]\n  slug = "wire-ftp"\n  transport = "folder"\n'
        '  location = "inbox"\n  poll_interval = 0.1\n'
    )
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    server = subprocess.Popen(
        [sys.executable, "-m", "wiredesk.cli", "run", "--port", str(port)],
        cwd=work,
        env={**env, "WIREDESK_LOG_LEVEL": "WARNING"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    results = {("publish", s): [] for s in SURFACES} | {("kill", s): [] for s in SURFACES}
    try:
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5)
        for _ in range(300):
            try:
                if client.get("/healthz").status_code == 200 and inbox.exists():
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        for n in range(1, args.stories + 1):
            guid = f"urn:latency:{n}"
            dropped = drop(inbox, f"{n:04d}-publish.xml", item(guid, 1))
            for surface, seconds in watch(client, n, dropped, want_visible=True).items():
                results["publish", surface].append(seconds)
            dropped = drop(inbox, f"{n:04d}-kill.xml", item(guid, 2, status="canceled"))
            for surface, seconds in watch(client, n, dropped, want_visible=False).items():
                results["kill", surface].append(seconds)
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"Latency from a file's arrival in the watch folder, {args.stories} stories, embedded engine\n"
    )
    print(
        f"{'change':<8} {'surface':<8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'target p99':>11} {'':>4}"
    )
    missed = False
    for (change, surface), values in results.items():
        p99 = percentile(values, 99)
        ok = p99 < TARGET_P99
        missed |= not ok
        print(
            f"{change:<8} {surface:<8} {statistics.median(values) * 1000:>8.0f} {p99 * 1000:>8.0f} "
            f"{max(values) * 1000:>8.0f} {'< 1000':>11} {'ok' if ok else 'MISS':>4}"
        )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
