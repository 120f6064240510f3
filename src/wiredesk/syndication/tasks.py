"""Celery task: send the outbox (pings and webhooks) from a worker."""

from celery import shared_task

from .dispatch import deliver_due, make_client


@shared_task
def deliver_outbox() -> int:
    """Send every due ping and webhook call."""
    client = make_client()
    try:
        return deliver_due(client)
    finally:
        client.close()
