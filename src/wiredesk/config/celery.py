"""Celery for the scale-out engine: polling, ingest, embargo release and pings on workers.

Broker: CELERY_BROKER_URL (Redis or RabbitMQ), else REDIS_URL. Tasks are acked
after they finish and re-queued if their worker dies, so a worker killed in the
middle of an item loses nothing; ingest being repeat-safe, the item is stored once.
"""

import os

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wiredesk.config.settings")

app = Celery("wiredesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["wiredesk.ingest", "wiredesk.syndication"])


def keep_django_logging(**kwargs: object) -> None:
    """Leave a worker's log as Django's LOGGING set it (config/settings.py, `[log]`).

    Without a receiver of this signal, Celery takes the root logger over (its
    handlers replaced by one of Celery's plain format), so with `[log] format
    = "json"` a worker's task lines and other libraries' warnings were plain
    text among the JSON ones (docs/deploy.md, Logs).
    """


# Connected here, where the app is made: before any worker sets up its log.
setup_logging.connect(keep_django_logging, weak=False)
