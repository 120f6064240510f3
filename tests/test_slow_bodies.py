"""Slow request bodies never hold a web worker: `wiredesk serve` and `wiredesk run`, for real.

A client that sends its body a byte at a time used to keep `wiredesk serve`'s
only thread (and /healthz with it) for as long as it liked: the push view
reads the body of a push feed before it checks the signature. And 101 of them
took `wiredesk run` (waitress, 100 connections) down. Bodies are now read
whole by the server before Django, within a deadline (408) and a size limit
(413): config/bodies.py.

On PostgreSQL (the suite's DATABASE_URL), the servers run on a database of
their own made for this module.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg
import pytest

from .conftest import SEED_V1
from .test_commands_live import clean_env, free_port, wait_for

SLOW_CLIENTS = 150  # past waitress's old limit of 100 connections
SECRET = "push-secret-for-slow-bodies"
PUSH = "/push/ians-push/"
CONFIG = """[site]
name = "Slow Bodies"
request_body_seconds = 2
request_body_megabytes = 1

[[agencies]]
slug = "ians"
name = "IANS"

  [[agencies.feeds]]
  slug = "ians-push"
  transport = "push"
  location = "-"
  secret_env = "SLOW_BODIES_PUSH_SECRET"
"""


def _own_postgres(name: str) -> str | None:
    """Return a fresh PostgreSQL database's URL beside the suite's, or None on SQLite."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return None
    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


@pytest.fixture(scope="module", params=["serve --threads 1", "serve --threads 4", "run"])
def server(request, tmp_path_factory):
    """Start `wiredesk serve` (one worker; the site on its event loop or in 4 threads) or
    `wiredesk run` with a push feed; return its base URL."""
    command, *args = request.param.split()
    tmp_path = tmp_path_factory.mktemp(command)
    config = tmp_path / "wiredesk.toml"
    config.write_text(CONFIG)
    env = clean_env() | {
        "WIREDESK_CONFIG": str(config),
        "WIREDESK_DATA_DIR": str(tmp_path / "var"),
        "SLOW_BODIES_PUSH_SECRET": SECRET,
    }
    database = _own_postgres(f"wiredesk_slow_bodies_{command}_{len(args)}")
    if database:
        env |= {"DATABASE_URL": database, "REDIS_URL": os.environ.get("REDIS_URL", "")}
    cli = [sys.executable, "-m", "wiredesk.cli"]
    subprocess.run([*cli, "migrate", "--verbosity", "0"], env=env, cwd=tmp_path, check=True)
    subprocess.run(
        [*cli, "sources", "sync"], env=env, cwd=tmp_path, check=True, stdout=subprocess.DEVNULL
    )
    port = free_port()
    args += ["--workers", "1"] if command == "serve" else []
    log = open(tmp_path / "server.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [*cli, command, "--port", str(port), *args],
        env=env,
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/healthz", lambda r: r.status_code == 200, timeout=60)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        print(Path(log.name).read_text()[-3000:])  # shown when a test fails


def _slow_post(base: str, length: int = 1000) -> socket.socket:
    """Open a POST to the push feed that declares `length` bytes of body and sends one."""
    port = int(base.rsplit(":", 1)[1])
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(
        f"POST {PUSH} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: application/xml\r\nContent-Length: {length}\r\n\r\n<".encode()
    )
    return sock


def test_pages_and_healthz_answer_while_many_slow_bodies_are_open(server):
    slow = [_slow_post(server) for _ in range(SLOW_CLIENTS)]
    try:
        for _ in range(5):
            for sock in slow:  # a byte now and then: never idle, never done
                sock.sendall(b"a")
            assert httpx.get(server + "/healthz", timeout=5).status_code == 200
            assert httpx.get(server + "/", timeout=5).status_code == 200
    finally:
        for sock in slow:
            sock.close()


def test_a_body_not_whole_within_the_deadline_is_answered_408(server):
    sock = _slow_post(server)
    sock.settimeout(10)
    try:
        started = time.monotonic()
        answer = b""
        while b"\r\n" not in answer and time.monotonic() - started < 10:
            sock.sendall(b"a")
            try:
                answer += sock.recv(4096)
            except TimeoutError:
                break
            time.sleep(0.5)
        assert answer.startswith(b"HTTP/1.1 408")
    finally:
        sock.close()


def test_a_body_declared_over_the_limit_is_refused_before_it_is_read(server):
    port = int(server.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            f"POST {PUSH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5000000\r\n\r\n".encode()
        )
        assert sock.recv(4096).startswith(b"HTTP/1.1 413")


def test_a_signed_push_is_read_whole_and_stored_through_the_server(server):
    body = SEED_V1.read_bytes()
    signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    answer = httpx.post(
        server + PUSH,
        content=body,
        timeout=30,
        headers={"X-Wiredesk-Signature": f"sha256={signature}", "Content-Type": "application/xml"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["stored"] == 1
    story = "/story/1/us-skorea-working-to-restart-dialogue-with-pyongyang/"
    assert httpx.get(server + story, timeout=10).status_code == 200


def test_a_devanagari_search_reaches_django_unchanged(server):
    # The WSGI environ built from an RSGI request (PEP 3333: latin-1 strings of the bytes).
    answer = httpx.get(server + "/search", params={"q": "नई दिल्ली"}, timeout=10)
    assert answer.status_code == 200
    assert 'value="नई दिल्ली"' in answer.text
