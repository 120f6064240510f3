"""`wiredesk serve`: a production web node (granian, WhiteNoise for static files), no ingest.

Run any number of these behind a CDN or load balancer; ingest runs elsewhere
(`wiredesk run` on one node, or workers at scale).
"""

import os

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the site, feeds and API with granian: a web node, without ingest."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                            help="processes (default: one a core)")  # fmt: skip
        parser.add_argument("--threads", type=int, default=4, help="blocking threads a worker")

    def handle(self, *args, host, port, workers, threads, **options):
        from django.conf import settings
        from granian import Granian
        from granian.constants import Interfaces

        if settings.CACHES["default"]["BACKEND"].endswith("LocMemCache"):
            # Each worker process would keep its own page cache, which changes made
            # by another process (ingest) cannot invalidate: without a shared cache
            # (REDIS_URL), web nodes render every page afresh rather than risk
            # serving a killed story.
            os.environ["WIREDESK_PAGE_CACHE_SECONDS"] = "0"  # for spawned workers
            settings.WIREDESK["PAGE_CACHE_SECONDS"] = 0  # for forked ones
            self.stdout.write("No REDIS_URL: the page cache is off on this web node.")

        self.stdout.write(f"Wiredesk web node at http://{host}:{port}/ ({workers} workers)")
        self.stdout.flush()
        Granian(
            "wiredesk.config.wsgi:application",
            address=host,
            port=port,
            interface=Interfaces.WSGI,
            workers=workers,
            blocking_threads=threads,
        ).serve()
