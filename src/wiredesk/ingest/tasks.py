"""Celery tasks: the same polling and pipeline as the embedded engine, on any number of workers."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError
from django.db.models import Q
from django.utils import timezone

from wiredesk.pictures.services import process_due
from wiredesk.sources.models import Feed
from wiredesk.stories.releases import release_due

from .loop import claim_poll, polled_transports
from .polling import FeedPoller

log = logging.getLogger("wiredesk.ingest")


@shared_task
def poll_due_feeds() -> int:
    """Queue a poll of every remote feed that is due, each claimed once per interval.

    Watch folders are on the ingest node's own disk, polled by its loop.
    """
    now = timezone.now()
    remote = polled_transports(local=False)
    due = Feed.objects.filter(enabled=True, transport__in=remote).filter(
        Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now)
    )
    queued = 0
    for feed in due:
        if claim_poll(feed):
            poll_feed.delay(feed.pk)
            queued += 1
    return queued


# A busy or briefly unreachable database is retried, never a lost delivery.
RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": True, "max_retries": 10}


@shared_task(**RETRY)
def poll_feed(feed_id: int) -> int:
    """Fetch one feed and store what it brought (the pipeline every polled transport takes)."""
    feed = Feed.objects.select_related("agency").get(pk=feed_id)
    # One poller a worker process, kept between tasks: a remote folder's
    # listing is compared with the last one, and OAuth tokens are kept.
    reports = _POLLER.poll(feed)
    return sum(len(r.outcomes) for r in reports)


_POLLER = FeedPoller()


@shared_task
def release_ended_embargoes() -> int:
    """Publish stories whose embargo, or whose feed's publishing delay, has ended."""
    return len(release_due(timezone.now()))


@shared_task
def process_due_pictures() -> int:
    """Fetch, check and render the pictures waiting (new ones, and retries that are due)."""
    return process_due()
