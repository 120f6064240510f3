"""Lighthouse on a story page with a lead picture, on its mobile profile.

    uv run python benchmarks/lighthouse.py

Starts `wiredesk demo` on a free port, waits until the floating-solar story
shows its picture, then runs npm's `lighthouse` (installed into a temporary
folder with npm when it is not on the PATH) with Debian's Chromium, and
prints each category's score beside its target: performance at least 95,
accessibility 100.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

TARGETS = {"performance": 95, "accessibility": 100, "best-practices": None, "seo": None}
STORY = "/story/7/island-nation-opens-its-first-floating-solar-farm/"
CHROME_FLAGS = (
    "--headless --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --disable-sync --no-first-run"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def lighthouse_command(work: Path) -> list[str]:
    if shutil.which("lighthouse"):
        return ["lighthouse"]
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(work), "lighthouse"],
        check=True,
        capture_output=True,
    )
    return [str(work / "node_modules" / ".bin" / "lighthouse")]


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="wiredesk-lighthouse-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    demo = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wiredesk.cli",
            "demo",
            "--port",
            str(port),
            "--data-dir",
            str(work / "var"),
        ],
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        command = lighthouse_command(work)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if "lead-picture" in httpx.get(base + STORY, timeout=2).text:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(1)
        else:
            print("the demo story never showed its picture", file=sys.stderr)
            return 1
        report = work / "report.json"
        subprocess.run(
            [
                *command,
                base + STORY,
                "--quiet",
                f"--chrome-flags={CHROME_FLAGS}",
                "--only-categories=performance,accessibility,best-practices,seo",
                "--output=json",
                f"--output-path={report}",
            ],
            check=True,
            env={**os.environ, "CHROME_PATH": shutil.which("chromium") or ""},
        )
        result = json.loads(report.read_text())
    finally:
        demo.terminate()
        demo.wait(timeout=30)
    print(
        f"Lighthouse {result['lighthouseVersion']}, {result['configSettings']['formFactor']} profile"
    )
    print(f"{'category':<16} {'score':>6} {'target':>7}")
    failed = False
    for name, target in TARGETS.items():
        score = round(result["categories"][name]["score"] * 100)
        failed |= target is not None and score < target
        print(f"{name:<16} {score:>6} {target if target is not None else '':>7}")
    for audit in (
        "first-contentful-paint",
        "largest-contentful-paint",
        "cumulative-layout-shift",
        "total-blocking-time",
    ):
        print(f"{audit:<28} {result['audits'][audit]['displayValue']}")
    shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
