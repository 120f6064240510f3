"""Celery for the scale-out engine: polling, ingest, embargo release and pings on workers.

Broker: CELERY_BROKER_URL (Redis or RabbitMQ), else REDIS_URL. Tasks are acked
after they finish and re-queued if their worker dies, so a worker killed in the
middle of an item loses nothing; ingest being repeat-safe, the item is stored once.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wiredesk.config.settings")

app = Celery("wiredesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["wiredesk.ingest", "wiredesk.syndication"])
