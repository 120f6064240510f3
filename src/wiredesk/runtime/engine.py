"""The embedded engine: one command serves the site and runs ingest beside it.

Ingest runs in a process of its own, started and watched by the web server's:
parsing a large or hostile delivery holds a Python interpreter for as long as
it takes, and readers must not wait behind it. Both processes share the
SQLite database (WAL) and the content generation (a memory-mapped file), so a
story stored by ingest reaches the web server's caches at once.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import resource
import threading
from collections.abc import Callable
from multiprocessing.synchronize import Event

log = logging.getLogger("wiredesk")

RESTART_SECONDS = 2.0


def connection_limit() -> int:
    """Return how many connections `wiredesk run` holds open: 1,000, or half the open-file limit.

    Waitress's default of 100 let 101 slow clients take the server down.
    """
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return max(100, min(1000, soft // 2)) if soft > 0 else 1000


def run_ingest(stopping: Event, parent: int, priority: int = 0) -> None:
    """Run the ingest loop until `stopping` is set or the web server's process is gone."""
    import django

    # Started again by a server that lowered its own priority: back to the
    # machine's (where the system permits; else at the server's).
    if os.getpriority(os.PRIO_PROCESS, 0) > priority:
        try:
            os.setpriority(os.PRIO_PROCESS, 0, priority)
        except PermissionError:
            log.warning("ingest process: cannot run above the web server's priority")

    django.setup()
    from wiredesk.ingest.loop import IngestLoop

    loop = IngestLoop()
    loop.start()
    log.info("ingest process started")
    try:
        while not stopping.wait(0.5):
            if os.getppid() != parent:  # the server was killed: no ingest left orphaned
                log.warning("ingest process: the web server is gone; stopping")
                break
            if not loop.is_alive():
                raise RuntimeError("ingest loop stopped")
    except KeyboardInterrupt:
        pass
    finally:
        loop.stop()
        loop.join(timeout=10)


class IngestProcess(threading.Thread):
    """Keep one ingest process running beside the web server; start it again if it dies."""

    def __init__(self) -> None:
        super().__init__(name="wiredesk-ingest-watch", daemon=True)
        self.context = multiprocessing.get_context("spawn")  # a fresh interpreter, no sockets
        self.stopping = self.context.Event()
        self.process: multiprocessing.process.BaseProcess | None = None
        self.priority = os.getpriority(os.PRIO_PROCESS, 0)

    def _start_process(self) -> None:
        self.process = self.context.Process(
            target=run_ingest,
            args=(self.stopping, os.getpid(), self.priority),
            name="wiredesk-ingest",
            daemon=True,
        )
        self.process.start()

    def run(self) -> None:
        self._start_process()
        while not self.stopping.wait(RESTART_SECONDS):
            if self.process is not None and not self.process.is_alive():
                log.error(
                    "ingest process ended (exit %s); starting it again", self.process.exitcode
                )
                self._start_process()

    def stop(self) -> None:
        self.stopping.set()
        if self.process is not None:
            self.process.join(timeout=15)
            if self.process.is_alive():
                self.process.terminate()


def serve_embedded(
    host: str, port: int, threads: int = 8, on_ready: Callable[[str], None] | None = None
) -> None:
    """Serve the site on host:port with ingest in a process beside it, until interrupted."""
    from django.conf import settings
    from waitress import create_server
    from waitress.server import BaseWSGIServer

    from wiredesk.config.bodies import DeadlineChannel
    from wiredesk.config.wsgi import application
    from wiredesk.syndication.worker import OutboxWorker

    ingest = IngestProcess()
    outbox = OutboxWorker()
    server = create_server(
        application,
        host=host,
        port=port,
        threads=threads,
        ident="wiredesk",
        # Waitress reads each body whole before a thread takes the request; a
        # slow client holds only a connection, and there are enough of those.
        connection_limit=connection_limit(),
        max_request_body_size=settings.WIREDESK.site.request_body_bytes,
        # Pass a proxy's X-Forwarded-* on: Django decides whom to trust
        # (site/clients.py, WIREDESK_TRUSTED_PROXIES). Waitress's default drops
        # them, and every reader behind nginx was 127.0.0.1 to the search and
        # API limits and the login throttle.
        clear_untrusted_proxy_headers=False,
    )
    channel = type(
        "Channel",
        (DeadlineChannel,),
        {"deadline_seconds": settings.WIREDESK.site.request_body_seconds},
    )
    for listener in list(server._map.values()):  # each listening socket (IPv4, IPv6)
        if isinstance(listener, BaseWSGIServer):
            listener.channel_class = channel
    url = f"http://{host}:{server.effective_port}/"
    ingest.start()
    # The ingest process started at the machine's priority; serving goes below it
    # (a story publishes at its pace however many readers ask at once).
    os.nice(settings.WIREDESK.site.web_niceness)
    outbox.start()
    if on_ready:
        on_ready(url)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        ingest.stop()
        outbox.stop()
        server.close()
        outbox.join(timeout=10)


def start_thread(target: Callable[[], None], name: str) -> threading.Thread:
    """Start `target` in a daemon thread and return it."""
    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    return thread
