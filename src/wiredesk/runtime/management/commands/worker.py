"""`wiredesk worker`: a Celery worker for polling, ingest, embargo release and pings."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from wiredesk.metrics.folder import shared_folder
from wiredesk.sources.checks import refuse_broken_feeds


class Command(BaseCommand):
    help = "Run a Celery worker (broker: CELERY_BROKER_URL or REDIS_URL)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--concurrency", type=int, default=None)
        parser.add_argument("--hostname", default=None, help="worker name, unique on the broker")

    def handle(self, *args: str, concurrency: int | None, hostname: str, **options: Any) -> None:
        refuse_broken_feeds()
        from wiredesk.config.celery import app

        argv = ["worker", "--loglevel=INFO", "--without-gossip", "--without-mingle"]
        if concurrency:
            argv.append(f"--concurrency={concurrency}")
        if hostname:
            argv.append(f"--hostname={hostname}")
        metrics, folder = settings.WIREDESK.metrics, shared_folder()
        if metrics.enabled and metrics.worker_port and folder is not None:
            from wiredesk.runtime.worker_metrics import serve_worker_metrics

            address, port = metrics.worker_address, metrics.worker_port
            serve_worker_metrics(folder, address, port, metrics.allow_from, metrics.token)
            self.stdout.write(f"Metrics at http://{address}:{port}/metrics")
        app.worker_main(argv)
