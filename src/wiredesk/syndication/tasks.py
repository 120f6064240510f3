"""Celery task: send the outbox (pings, webhooks, purges to retry, receivers to run again)."""

from celery import shared_task

from .dispatch import deliver_due, make_client


@shared_task
def deliver_outbox() -> int:
    """Send every due message of the outbox."""
    client = make_client()
    try:
        return deliver_due(client)
    finally:
        client.close()
