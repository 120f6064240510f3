"""The embedded engine's outbox sender: a thread beside the web server and ingest.

It picks up a message due now within `tick` (half a second): a receiver queued to
run again, a purge whose first try failed. A purge's first try is made where it
was queued, at once, so a kill never waits for this thread.
"""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections

from .dispatch import deliver_due, make_client

log = logging.getLogger("wiredesk.syndication")


class OutboxWorker(threading.Thread):
    """Send the due pings, webhook calls and purges every `tick` seconds, apart from ingest."""

    def __init__(self, tick: float = 0.5) -> None:
        super().__init__(name="wiredesk-outbox", daemon=True)
        self.tick = tick
        self.stopping = threading.Event()

    def stop(self) -> None:
        self.stopping.set()

    def run(self) -> None:
        client = make_client()
        try:
            while not self.stopping.is_set():
                try:
                    close_old_connections()
                    deliver_due(client)
                except Exception:  # a bad endpoint or row must not stop the sender
                    log.exception("outbox pass failed")
                self.stopping.wait(self.tick)
        finally:
            client.close()
            close_old_connections()
