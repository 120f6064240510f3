"""Send what the outbox holds: WebSub publish pings, IndexNow submissions, signed webhooks.

Runs apart from ingest (a thread of the embedded engine, or a worker at scale).
Failures are retried with exponential backoff and jitter; after the last
attempt a message is marked failed and stays in the log.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
from collections.abc import Iterable
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import OutboundMessage

log = logging.getLogger("wiredesk.syndication")

MAX_ATTEMPTS = 8
BASE_DELAY = 5.0  # seconds; doubles each attempt, with jitter
MAX_DELAY = 3600.0
INDEXNOW_BATCH = 10_000  # URLs a submission (IndexNow protocol)
SIGNATURE_HEADER = "X-Wiredesk-Signature"


def sign(secret: str, body: bytes) -> str:
    """Return the signature header value for a webhook body: sha256=<hex HMAC-SHA256>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def retry_delay(attempts: int, rng: random.Random | None = None) -> float:
    """Return seconds before attempt number `attempts + 1` (exponential, full jitter)."""
    ceiling = min(MAX_DELAY, BASE_DELAY * 2 ** max(0, attempts - 1))
    return (rng or random).uniform(ceiling / 2, ceiling)


def _finish(
    messages: Iterable[OutboundMessage], now: datetime, status: int | None, error: str
) -> None:
    ok = not error and status is not None and 200 <= status < 300
    for message in messages:
        message.attempts += 1
        message.response_status = status
        message.last_error = error[:2000]
        if ok:
            message.status = OutboundMessage.Status.SENT
            message.sent_at = now
        elif message.attempts >= MAX_ATTEMPTS:
            message.status = OutboundMessage.Status.FAILED
            log.error(
                "gave up on %s after %s attempts: %s", message, message.attempts, error or status
            )
        else:
            message.next_attempt_at = now + timedelta(seconds=retry_delay(message.attempts))
        message.save(update_fields=["attempts", "response_status", "last_error", "status", "sent_at",
                                    "next_attempt_at"])  # fmt: skip


def _post(client: httpx.Client, url: str, **kwargs) -> tuple[int | None, str]:
    try:
        response = client.post(url, **kwargs)
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"
    error = "" if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
    return response.status_code, error


def _send_websub(client: httpx.Client, messages: list[OutboundMessage], now: datetime) -> None:
    # One publish ping per feed URL, however many changes touched it (W3C WebSub 7).
    by_feed: dict[str, list[OutboundMessage]] = {}
    for message in messages:
        by_feed.setdefault(message.url, []).append(message)
    hub = settings.WIREDESK["WEBSUB_HUB"]
    for feed, group in by_feed.items():
        status, error = _post(client, hub, data={"hub.mode": "publish", "hub.url": feed})
        _finish(group, now, status, error)


def _send_indexnow(client: httpx.Client, messages: list[OutboundMessage], now: datetime) -> None:
    key = settings.WIREDESK["INDEXNOW_KEY"]
    base = settings.WIREDESK["SITE_URL"]
    for start in range(0, len(messages), INDEXNOW_BATCH):
        batch = messages[start : start + INDEXNOW_BATCH]
        body = {
            "host": urlsplit(base).hostname,
            "key": key,
            "keyLocation": f"{base}/{key}.txt",
            "urlList": sorted({m.url for m in batch}),
        }
        status, error = _post(client, settings.WIREDESK["INDEXNOW_ENDPOINT"], json=body)
        _finish(batch, now, status, error)


def _send_webhook(client: httpx.Client, message: OutboundMessage, now: datetime) -> None:
    body = json.dumps(
        {**message.payload, "delivery": message.pk, "sent_at": now.isoformat()}
    ).encode()
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(message.webhook.secret if message.webhook else "", body),
        "X-Wiredesk-Event": message.event,
        "X-Wiredesk-Delivery": str(message.pk),
    }
    status, error = _post(client, message.url, content=body, headers=headers)
    _finish([message], now, status, error)


def due_messages(now: datetime, limit: int = 500) -> list[OutboundMessage]:
    """Claim the messages due now (skipping rows another worker holds, on PostgreSQL)."""
    due = OutboundMessage.objects.filter(
        status=OutboundMessage.Status.PENDING, next_attempt_at__lte=now
    )
    # of=("self",): lock the messages, not the webhooks joined beside them (PostgreSQL
    # refuses FOR UPDATE on the nullable side of an outer join).
    locked = due.select_for_update(skip_locked=True, of=("self",))
    return list(locked.select_related("webhook").order_by("id")[:limit])


def deliver_due(client: httpx.Client, now: datetime | None = None) -> int:
    """Send every message due now; return how many were tried."""
    now = now or timezone.now()
    with transaction.atomic():
        messages = due_messages(now)
        by_kind: dict[str, list[OutboundMessage]] = {}
        for message in messages:
            by_kind.setdefault(message.kind, []).append(message)
        if by_kind.get("websub"):
            _send_websub(client, by_kind["websub"], now)
        if by_kind.get("indexnow"):
            _send_indexnow(client, by_kind["indexnow"], now)
        for message in by_kind.get("webhook", []):
            _send_webhook(client, message, now)
    return len(messages)


def make_client() -> httpx.Client:
    return httpx.Client(timeout=10.0, headers={"User-Agent": settings.WIREDESK["USER_AGENT"]})
