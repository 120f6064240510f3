"""The embedded engine: one process serves the site and runs ingest beside it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("wiredesk")


def serve_embedded(
    host: str, port: int, threads: int = 8, on_ready: Callable[[str], None] | None = None
) -> None:
    """Serve the site on host:port with the ingest loop in a thread, until interrupted."""
    from waitress import create_server

    from wiredesk.config.wsgi import application
    from wiredesk.ingest.loop import IngestLoop
    from wiredesk.syndication.worker import OutboxWorker

    loop = IngestLoop()
    outbox = OutboxWorker()
    server = create_server(application, host=host, port=port, threads=threads, ident="wiredesk")
    url = f"http://{host}:{server.effective_port}/"
    loop.start()
    outbox.start()
    if on_ready:
        on_ready(url)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        loop.stop()
        outbox.stop()
        server.close()
        loop.join(timeout=10)
        outbox.join(timeout=10)


def start_thread(target: Callable[[], None], name: str) -> threading.Thread:
    """Start `target` in a daemon thread and return it."""
    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    return thread
