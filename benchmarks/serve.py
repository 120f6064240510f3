"""Serving speed: a story page from `wiredesk serve`, beside nginx serving the same bytes.

    uv run python benchmarks/serve.py [--seconds 10] [--connections 32]

Starts `wiredesk serve` (granian) on a fresh SQLite database holding the seed
story, and nginx serving that page's bytes as a static file, then loads each
with wrk (Debian's `wrk` and `nginx`; install them first) from 127.0.0.1.
Targets: the cached story page at least 50% of nginx's requests/s with p99
under 10 ms; uncached story pages at least 1,500 requests/s (issue 28). Each is measured
twice: as `wiredesk serve` runs by default (granian's RSGI interface, every
request body read whole by Wiredesk before the site: config/bodies.py), and
"proxied", with `proxy_buffers_bodies = true` (granian's WSGI interface, as
behind nginx, which reads bodies itself).

Every server runs in this session (its own process group, for stopping it):
in a session of its own, Linux's autogroup scheduling would share the two
cores between wrk and each server by session rather than by thread.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
SEED = HERE.parent / "src/wiredesk/demo/deliveries"
NGINX_CONF = """daemon off; worker_processes 2; pid {dir}/nginx.pid; error_log {dir}/error.log;
events {{ worker_connections 1024; }}
http {{ access_log off; server {{ listen 127.0.0.1:{port}; root {dir}/www; location / {{ try_files $uri =404; }} }} }}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(url: str) -> None:
    for _ in range(300):
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{url} did not answer")


def wrk(
    url: str, seconds: int, connections: int, script: Path | None = None
) -> tuple[float, float]:
    """Return (requests/s, p99 ms) of a wrk run (`script`: a Lua file choosing each request)."""
    extra = ["-s", str(script)] if script else []
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", *extra, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    return rate, p99


def stop_all(processes: list[subprocess.Popen]) -> None:
    """Stop every server started in its own process group, and wait for it."""
    for process in processes:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass


def serve(work: Path, port: int, cache_seconds: int, proxied: bool = False) -> subprocess.Popen:
    config = work / f"wiredesk-{port}.toml"
    # No ingest here: the workers run at nginx's priority (web_niceness 0), as
    # wrk does, so the comparison is of the servers, not of their places in the queue.
    config.write_text(
        f'[site]\nname = "Bench"\ntime_zone = "Asia/Kolkata"\npage_cache_seconds = {cache_seconds}\n'
        "web_niceness = 0\n" + ("proxy_buffers_bodies = true\n" if proxied else "")
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        WIREDESK_DATA_DIR=str(work / "data"),
        WIREDESK_CONFIG=str(config),
        WIREDESK_LOG_LEVEL="WARNING",
    )
    return subprocess.Popen(
        [sys.executable, "-m", "wiredesk.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        process_group=0,
    )


def ingest_files(work: Path, paths: list[Path]) -> dict[str, str]:
    """Make a database under `work` holding an agency's `paths`, delivered in turn through
    the pipeline; return each story's agency item id and page path."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        WIREDESK_DATA_DIR=str(work / "data"),
        DJANGO_SETTINGS_MODULE="wiredesk.config.settings",
        WIREDESK_LOG_LEVEL="WARNING",
    )
    script = (
        "import django; django.setup()\n"
        "from django.core.management import call_command; call_command('migrate', verbosity=0)\n"
        "from pathlib import Path\n"
        "from wiredesk.sources.models import Agency, Feed\n"
        "from wiredesk.ingest.pipeline import ingest_bytes\n"
        "from wiredesk.stories.models import Story\n"
        "a = Agency.objects.create(slug='ians', name='IANS', byline='IANS', time_zone='Asia/Kolkata')\n"
        "f = Feed.objects.create(agency=a, slug='ians', transport='folder', location='/nonexistent')\n"
        f"for path in {[str(p) for p in paths]!r}:\n"
        "    assert ingest_bytes(f, Path(path).read_bytes(), Path(path).name).ok, path\n"
        "for s in Story.objects.order_by('pk'):\n"
        "    print(s.item_id, s.get_absolute_url())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    ).stdout
    return dict(line.split(" ", 1) for line in out.splitlines() if " /story/" in line)


def prepare(work: Path) -> str:
    """Make a database with the seed story; return its page path."""
    [path] = ingest_files(work, [SEED / "0002-ians-seed-v2.xml"]).values()
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool) and not os.path.exists(f"/usr/sbin/{tool}"):
            raise SystemExit(f"{tool} is not installed: apt-get install wrk nginx")
    work = Path(tempfile.mkdtemp(prefix="wiredesk-serve-"))
    processes = []
    try:
        path = prepare(work)
        cached_port, uncached_port, nginx_port = free_port(), free_port(), free_port()
        proxied_port, proxied_uncached_port = free_port(), free_port()
        processes += [
            serve(work, cached_port, 300),
            serve(work, uncached_port, 0),
            serve(work, proxied_port, 300, proxied=True),
            serve(work, proxied_uncached_port, 0, proxied=True),
        ]
        for port in (cached_port, uncached_port, proxied_port, proxied_uncached_port):
            wait_ready(f"http://127.0.0.1:{port}{path}")
        page = httpx.get(f"http://127.0.0.1:{cached_port}{path}").content
        (work / "www").mkdir()
        (work / "www" / "story.html").write_bytes(page)
        (work / "nginx.conf").write_text(NGINX_CONF.format(dir=work, port=nginx_port))
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        processes.append(
            subprocess.Popen(
                [nginx, "-c", str(work / "nginx.conf"), "-p", str(work)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                process_group=0,
            )
        )
        wait_ready(f"http://127.0.0.1:{nginx_port}/story.html")
        targets = [
            f"http://127.0.0.1:{nginx_port}/story.html",
            *(
                f"http://127.0.0.1:{port}{path}"
                for port in (cached_port, uncached_port, proxied_port, proxied_uncached_port)
            ),
        ]
        for url in targets:  # warm up: every worker has loaded its code and kept the page
            wrk(url, 2, args.connections)
        n_rate, n_p99 = wrk(
            f"http://127.0.0.1:{nginx_port}/story.html", args.seconds, args.connections
        )
        c_rate, c_p99 = wrk(f"http://127.0.0.1:{cached_port}{path}", args.seconds, args.connections)
        u_rate, u_p99 = wrk(
            f"http://127.0.0.1:{uncached_port}{path}", args.seconds, args.connections
        )
        pc_rate, pc_p99 = wrk(
            f"http://127.0.0.1:{proxied_port}{path}", args.seconds, args.connections
        )
        pu_rate, pu_p99 = wrk(
            f"http://127.0.0.1:{proxied_uncached_port}{path}", args.seconds, args.connections
        )
    finally:
        stop_all(processes)
        shutil.rmtree(work, ignore_errors=True)
    rows = [
        ("nginx, static file", n_rate, n_p99, "reference", True),
        (
            "story page, cached",
            c_rate,
            c_p99,
            f">= {n_rate / 2:,.0f} rps, p99 < 10 ms",
            c_rate >= n_rate / 2 and c_p99 < 10,
        ),
        ("story page, uncached", u_rate, u_p99, ">= 1,500 rps", u_rate >= 1500),
        (
            "proxied, cached",
            pc_rate,
            pc_p99,
            f">= {n_rate / 2:,.0f} rps, p99 < 10 ms",
            pc_rate >= n_rate / 2 and pc_p99 < 10,
        ),
        ("proxied, uncached", pu_rate, pu_p99, ">= 1,500 rps", pu_rate >= 1500),
    ]
    print(
        f"Story page, {len(page):,} bytes, wrk -t2 -c{args.connections} -d{args.seconds}s on 127.0.0.1\n"
    )
    print(f"{'server':<22} {'requests/s':>11} {'p99 ms':>8}  {'target':<28}")
    for name, rate, p99, target, ok in rows:
        print(f"{name:<22} {rate:>11,.0f} {p99:>8.2f}  {target:<28} {'ok' if ok else 'MISS'}")
    return 0 if all(ok for *_, ok in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
