"""`wiredesk serve`: a production web node (granian, WhiteNoise for static files), no ingest.

Run any number of these behind a CDN or load balancer; ingest runs elsewhere
(`wiredesk run` on one node, or workers at scale).
"""

import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser, SystemCheckError

from wiredesk.config.hosts import refuse_any_host


class Command(BaseCommand):
    help = "Serve the site, feeds and API with granian: a web node, without ingest."
    # The system checks run in a child process (`_checked`): what they import
    # (every transport, paramiko and httpx among them: about 25 MB) would
    # otherwise be in every web worker, which never uses it (benchmarks/memory.py).
    requires_system_checks: list[str] = []

    def _checked(self) -> None:
        child = os.fork()
        if child == 0:
            code = 0
            try:
                self.check(display_num_errors=False)
            except SystemCheckError as exc:
                self.stderr.write(str(exc))
                code = 1
            os._exit(code)
        _, status = os.waitpid(child, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise CommandError("the system checks found errors; nothing is served")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--workers",
            type=int,
            default=os.cpu_count() or 1,
            help="processes (default: one a core)",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=None,
            help="threads a worker runs the site in (default: 1 on SQLite, where a "
            "query never waits on the network; 4 on PostgreSQL)",
        )
        parser.add_argument(
            "--proxy-buffers-bodies",
            action="store_true",
            help="a proxy in front reads request bodies whole (nginx does by "
            "default): serve through the faster WSGI interface "
            "([site] proxy_buffers_bodies)",
        )

    def handle(
        self,
        *args: str,
        host: str,
        port: int,
        workers: int,
        threads: int | None,
        proxy_buffers_bodies: bool,
        **options: Any,
    ) -> None:
        refuse_any_host()
        self._checked()
        from django.db import connection
        from granian import Granian
        from granian.constants import Interfaces, RuntimeModes

        from wiredesk.site.generation import shared_safely

        if threads is None:
            # Measured: one thread serves cached pages fastest; PostgreSQL's
            # round trips leave a worker idle without more.
            threads = 1 if connection.vendor == "sqlite" else 4
        if not shared_safely():
            # Ingest may run on another machine (a server database) and without a
            # shared cache (REDIS_URL) its changes could not reach this node's
            # page cache: render every page afresh rather than risk serving a
            # killed story.
            self.stdout.write("No REDIS_URL with a server database: the page cache is off.")

        # Ingest (wiredesk run, worker, scheduler) goes first where they share a machine.
        os.nice(settings.WIREDESK.site.web_niceness)
        self.stdout.write(f"Wiredesk web node at http://{host}:{port}/ ({workers} workers)")
        if settings.WIREDESK.site.proxy_buffers_bodies or proxy_buffers_bodies:
            # A proxy in front reads every body whole before it passes the request
            # on (nginx by default), so granian's WSGI interface is safe here, and
            # faster for cached pages (docs/benchmarks.md).
            self.stdout.write("Bodies buffered by the proxy in front: WSGI interface.")
            server = Granian(
                "wiredesk.config.wsgi:application",
                interface=Interfaces.WSGI,
                blocking_threads=threads,
                address=host,
                port=port,
                workers=workers,
                runtime_mode=RuntimeModes.st,
            )
        else:
            os.environ["WIREDESK_WEB_THREADS"] = str(threads)
            # RSGI, so that request bodies are read on the event loop, whole and
            # in time, before the site's WSGI application runs (config/bodies.py).
            # A single-threaded I/O runtime in each worker answers more cached
            # pages than the default (docs/benchmarks.md).
            server = Granian(
                "wiredesk.config.rsgi:application",
                interface=Interfaces.RSGI,
                address=host,
                port=port,
                workers=workers,
                runtime_mode=RuntimeModes.st,
            )
        self.stdout.flush()
        server.serve()
