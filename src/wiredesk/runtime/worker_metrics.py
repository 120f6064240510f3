"""`/metrics` of a Celery worker: what its processes counted, from a thread of its main process.

A worker serves no site, and its pool's processes poll feeds and store
deliveries: each writes its counts to the worker's folder (metrics/folder.py),
and this small server answers their sum, to the same requests `/metrics` of
a web node answers (desk/exposition.py). The database's gauges are left to
the web nodes: they are the same everywhere.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, make_wsgi_app
from prometheus_client.multiprocess import MultiProcessCollector

from wiredesk.desk.exposition import allowed


class IPv6Server(WSGIServer):
    address_family = socket.AF_INET6


class QuietHandler(WSGIRequestHandler):
    """No line on standard error for each scrape."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


def metrics_app(folder: Path, allow_from: tuple[str, ...], token: str | None) -> Callable:
    """Return a WSGI application answering the folder's counts at /metrics, or 404."""
    registry = CollectorRegistry(auto_describe=False)
    MultiProcessCollector(registry, path=str(folder))
    answer = make_wsgi_app(registry)

    def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/metrics" and allowed(environ, allow_from, token):
            return answer(environ, start_response)
        start_response(
            "404 Not Found", [("Content-Type", "text/plain"), ("Cache-Control", "no-store")]
        )
        return [b"Not found\n"]

    return application


def serve_worker_metrics(
    folder: Path, address: str, port: int, allow_from: tuple[str, ...], token: str | None
) -> WSGIServer:
    """Answer the folder's counts at http://address:port/metrics from a daemon thread."""
    server = make_server(
        address,
        port,
        metrics_app(folder, allow_from, token),
        server_class=IPv6Server if ":" in address else WSGIServer,
        handler_class=QuietHandler,
    )
    threading.Thread(target=server.serve_forever, name="wiredesk-metrics", daemon=True).start()
    return server
