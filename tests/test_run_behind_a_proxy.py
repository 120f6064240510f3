"""`wiredesk run` behind a reverse proxy: the proxy's X-Forwarded-For reaches Django.

Waitress drops X-Forwarded-* headers it was not told to trust, so every reader
behind nginx looked like 127.0.0.1 and shared one search limit (and one login
throttle). Django decides whom to trust (site/clients.py, WIREDESK_TRUSTED_PROXIES):
the server passes the headers on.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import httpx

from .test_commands_live import clean_env, free_port, wait_for


def test_readers_behind_a_trusted_proxy_each_get_their_own_search_limit(tmp_path: Path):
    port = free_port()
    (tmp_path / "wiredesk.toml").write_text(
        '[site]\nname = "Behind nginx"\nsearch_per_minute = 2\n'
    )
    env = {**clean_env(), "WIREDESK_TRUSTED_PROXIES": "127.0.0.1"}
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "wiredesk.cli", "run", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(base + "/healthz", lambda r: r.status_code == 200, timeout=60)

        def search(reader: str, words: str) -> int:
            headers = {"X-Forwarded-For": reader}
            return httpx.get(f"{base}/search", params={"q": words}, headers=headers).status_code

        # Different words each time: a kept answer is not a search that reaches Django.
        assert [search("203.0.113.5", w) for w in ("rain", "flood", "storm")] == [200, 200, 429]
        # Another reader behind the same proxy has a limit of their own.
        assert search("198.51.100.7", "drought") == 200
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        print(log.read_text()[-3000:])  # shown when the test fails
