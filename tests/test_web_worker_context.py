"""`wiredesk serve`'s one-threaded worker keeps Django's state between requests, as a WSGI thread does.

The site runs under granian's RSGI interface through `BufferedBodies`
(config/bodies.py), on the event loop when the worker has one thread (SQLite).
On a thread with a running loop, asgiref's `Local`, where Django keeps its
database connection, is a context variable: each request, a task of its own,
opened a new SQLite connection (and its pragmas) and dropped it, which made an
uncached page cost about twice what it costs under granian's WSGI interface
(docs/benchmarks.md, "The event loop's context").
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from django.db import connection

from wiredesk.config.bodies import BufferedBodies


class Scope:
    """The parts of a granian RSGI scope that BufferedBodies reads: a plain GET."""

    proto = "http"
    method = "GET"
    path = "/healthz"
    query_string = ""
    server = "127.0.0.1:8000"
    client = "127.0.0.1:50000"
    http_version = "1.1"
    scheme = "http"
    headers: dict[str, str] = {"host": "127.0.0.1:8000"}


class Protocol:
    """An RSGI protocol that keeps what was answered."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, list, bytes]] = []

    def response_bytes(self, status: int, headers: list, body: bytes) -> None:
        self.answers.append((status, headers, body))


@pytest.mark.django_db(transaction=True)
def test_a_one_threaded_worker_keeps_its_database_connection_from_request_to_request(
    monkeypatch,
):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # as config/rsgi.py sets it
    connections: list[Any] = []

    def app(environ: dict, start_response: Any) -> list[bytes]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        connections.append(connection.connection)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    worker = BufferedBodies(app, seconds=5, limit=1024, threads=1)
    protocol = Protocol()

    async def requests() -> None:
        for _ in range(3):  # granian runs each request as a task of its own
            await asyncio.create_task(worker.__rsgi__(Scope(), protocol))

    try:
        asyncio.run(requests())
    finally:
        worker.context.run(connection.close)
    assert [status for status, _, _ in protocol.answers] == [200, 200, 200]
    assert connections[0] is not None
    assert all(each is connections[0] for each in connections), "a connection a request"
