"""Send what the outbox holds: WebSub publish pings, IndexNow submissions, signed webhooks,
CDN purges, failed `stories_changed` receivers run again, and WebSub unsubscriptions.

Runs apart from ingest (a thread of the embedded engine, or a worker at scale);
a purge is also tried once at once, where it was queued (`send_now`).
Failures are retried with exponential backoff and jitter. A ping or a webhook
is given up after its last attempt, marked failed and kept in the log; a CDN
purge or a receiver's run again is what keeps the site's own surfaces right
(a killed story off the CDN, its pictures hidden), and is retried until it
takes, at most an hour apart (the outbox alerts page about it meanwhile).

Messages are claimed in a short transaction (their next attempt moved a lease
ahead) and sent outside it: a slow endpoint never holds a database lock that
ingest waits on, and a sender that dies leaves its messages to the next one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from wiredesk.logs import context as log_ids
from wiredesk.site import purge
from wiredesk.stories.signals import rerun

from .models import OutboundMessage

log = logging.getLogger("wiredesk.syndication")

MAX_ATTEMPTS = 8
# Never given up: the site's own surfaces depend on them (docs/deploy.md, Alert rules);
# an alert is delayed by a mail server that is down, never lost (docs/desk.md, Alerts).
UNTIL_DONE = frozenset(
    {OutboundMessage.Kind.PURGE, OutboundMessage.Kind.RECEIVER, OutboundMessage.Kind.ALERT}
)
BASE_DELAY = 5.0  # seconds; doubles each attempt, with jitter
MAX_DELAY = 3600.0
INDEXNOW_BATCH = 10_000  # URLs a submission (IndexNow protocol)
SIGNATURE_HEADER = "X-Wiredesk-Signature"
# A claimed message is left to its sender that long (it died: another takes it).
LEASE = timedelta(minutes=5)


def sign(secret: str, body: bytes) -> str:
    """Return the signature header value for a webhook body: sha256=<hex HMAC-SHA256>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def retry_delay(attempts: int, rng: random.Random | None = None) -> float:
    """Return seconds before attempt number `attempts + 1` (exponential, full jitter)."""
    ceiling = min(MAX_DELAY, BASE_DELAY * 2 ** max(0, attempts - 1))
    return (rng or random).uniform(ceiling / 2, ceiling)


def ids_of(messages: list[OutboundMessage]) -> dict[str, Any]:
    """Return the story and delivery ids a line about `messages` carries (logs/context.py)."""
    stories: list[int | None] = [message.story_id for message in messages]
    for message in messages:  # one for several stories names them in its payload
        if message.story_id is not None:
            continue
        if message.kind == OutboundMessage.Kind.PURGE:
            keys = message.payload.get("keys", [])
            stories += [int(key[6:]) for key in keys if key[6:].isdigit() and key[:6] == "story-"]
        elif message.kind == OutboundMessage.Kind.RECEIVER:
            stories += message.payload.get("stories", [])
    return {
        **log_ids.of_many("story", stories),
        **log_ids.of_many("delivery", [message.delivery_id for message in messages]),
    }


def _finish(
    messages: Iterable[OutboundMessage], now: datetime, status: int | None, error: str
) -> None:
    # No status and no error: done without HTTP of ours (a purge backend, a receiver).
    ok = not error and (status is None or 200 <= status < 300)
    told = list(messages)
    if told:
        # One line a send, with the stories and deliveries it told of: a log
        # system follows a delivery from its arrival to every surface.
        first, answer = told[0], f" (HTTP {status})" if status else ""
        what = str(first) if len(told) == 1 else f"{len(told)} {first.kind} {first.event}"
        if ok:
            log.info("outbox: sent %s%s", what, answer, extra=ids_of(told))
        elif first.attempts + 1 < MAX_ATTEMPTS or first.kind in UNTIL_DONE:
            log.warning(
                "outbox: %s failed (attempt %d), to be tried again: %s",
                what,
                first.attempts + 1,
                error or status,
                extra=ids_of(told),
            )
    for message in told:
        message.attempts += 1
        message.response_status = status
        message.last_error = error[:2000]
        if ok:
            message.status = OutboundMessage.Status.SENT
            message.sent_at = now
        elif message.attempts >= MAX_ATTEMPTS and message.kind not in UNTIL_DONE:
            message.status = OutboundMessage.Status.FAILED
            log.error(
                "gave up on %s after %s attempts: %s",
                message,
                message.attempts,
                error or status,
                extra=ids_of([message]),
            )
        else:
            message.next_attempt_at = now + timedelta(seconds=retry_delay(message.attempts))
        message.save(
            update_fields=[
                "attempts",
                "response_status",
                "last_error",
                "status",
                "sent_at",
                "next_attempt_at",
            ]
        )


def _post(client: httpx.Client, url: str, **kwargs: Any) -> tuple[int | None, str]:
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
    hub = settings.WIREDESK.site.websub_hub
    if not hub:  # queued before the hub was taken out of wiredesk.toml: retried, then failed
        _finish(messages, now, None, "no [site] websub_hub to ping")
        return
    for feed, group in by_feed.items():
        status, error = _post(client, hub, data={"hub.mode": "publish", "hub.url": feed})
        _finish(group, now, status, error)


def _send_indexnow(client: httpx.Client, messages: list[OutboundMessage], now: datetime) -> None:
    key = settings.WIREDESK.site.indexnow_key
    base = settings.WIREDESK.site.url
    if not key:  # as for WebSub: the key was taken out after these were queued
        _finish(messages, now, None, "no [site] indexnow_key to submit with")
        return
    for start in range(0, len(messages), INDEXNOW_BATCH):
        batch = messages[start : start + INDEXNOW_BATCH]
        body = {
            "host": urlsplit(base).hostname,
            "key": key,
            "keyLocation": f"{base}/{key}.txt",
            "urlList": sorted({m.url for m in batch}),
        }
        status, error = _post(client, settings.WIREDESK.site.indexnow_endpoint, json=body)
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


def _send_purges(messages: list[OutboundMessage], now: datetime) -> None:
    # One purge a backend, of every key its due messages name (a purge is idempotent).
    by_backend: dict[tuple[str, str], list[OutboundMessage]] = {}
    for message in messages:
        by_backend.setdefault((message.payload.get("backend", ""), message.url), []).append(message)
    for (backend, where), group in by_backend.items():
        # In the order queued, each once: a story's own key before the lists'.
        keys = list(dict.fromkeys(k for message in group for k in message.payload.get("keys", [])))
        try:
            purge.backend_for(backend, where).purge(keys)
        except Exception as exc:  # any failure (a refusal, an option missing, a bug): retried
            _finish(group, now, None, describe(exc))
            continue
        _finish(group, now, None, "")
        # The backend answers again: what it missed earlier is sent now, not after its backoff.
        OutboundMessage.objects.filter(
            status=OutboundMessage.Status.PENDING,
            kind=OutboundMessage.Kind.PURGE,
            url=where,
            attempts__gt=0,
            next_attempt_at__gt=now,
        ).update(next_attempt_at=now)


def _run_receivers(messages: list[OutboundMessage], now: datetime) -> None:
    for message in messages:
        try:
            # A savepoint each: a receiver's database error spoils no other's work.
            with transaction.atomic(), log_ids.bound(**ids_of([message])):
                rerun(
                    message.url,
                    message.payload.get("stories", []),
                    message.event.removeprefix("story."),
                )
        except Exception as exc:
            _finish([message], now, None, describe(exc))
        else:
            _finish([message], now, None, "")


def _send_unsubscriptions(messages: list[OutboundMessage], now: datetime) -> None:
    # Under the outbound policy, not the outbox's client: the hub may be one a topic named.
    from wiredesk.transports.base import TransportError
    from wiredesk.transports.websub import unsubscribe

    agent = settings.WIREDESK.site.user_agent
    for message in messages:
        hosts = frozenset(message.payload.get("allowed_hosts") or ())
        try:
            status = unsubscribe(message.payload, hosts, agent)
        except TransportError as exc:
            _finish([message], now, None, str(exc))
            continue
        # Section 5.1: the hub answers 202 Accepted and checks our intent (section 5.3).
        _finish([message], now, status, "" if 200 <= status < 300 else f"HTTP {status}")


def describe(exc: BaseException) -> str:
    """Return an exception as the outbox's log keeps it: its type and its words."""
    return f"{type(exc).__name__}: {exc}"


def due_messages(now: datetime, limit: int = 500) -> list[OutboundMessage]:
    """Return the messages due now, locked (skipping rows another worker holds, on PostgreSQL)."""
    due = OutboundMessage.objects.filter(
        status=OutboundMessage.Status.PENDING, next_attempt_at__lte=now
    )
    # of=("self",): lock the messages, not the webhooks joined beside them (PostgreSQL
    # refuses FOR UPDATE on the nullable side of an outer join).
    locked = due.select_for_update(skip_locked=True, of=("self",))
    return list(locked.select_related("webhook").order_by("id")[:limit])


def claim_due(now: datetime, limit: int = 500) -> list[OutboundMessage]:
    """Claim the messages due now: lock them, move their next attempt a lease ahead, commit."""
    with transaction.atomic():
        messages = due_messages(now, limit)
        if messages:
            OutboundMessage.objects.filter(pk__in=[m.pk for m in messages]).update(
                next_attempt_at=now + LEASE
            )
    return messages


def send(client: httpx.Client | None, messages: list[OutboundMessage], now: datetime) -> None:
    """Send claimed `messages`, each kind its way, recording each one's outcome."""
    by_kind: dict[str, list[OutboundMessage]] = {}
    for message in messages:
        by_kind.setdefault(message.kind, []).append(message)
    for kind, group in by_kind.items():
        tried = {message.pk: message.attempts for message in group}
        try:
            if kind == OutboundMessage.Kind.PURGE:
                _send_purges(group, now)
            elif kind == OutboundMessage.Kind.RECEIVER:
                _run_receivers(group, now)
            elif kind == OutboundMessage.Kind.UNSUBSCRIBE:
                _send_unsubscriptions(group, now)
            elif client is None:
                raise RuntimeError(f"no HTTP client to send {kind} messages with")
            elif kind == OutboundMessage.Kind.WEBSUB:
                _send_websub(client, group, now)
            elif kind == OutboundMessage.Kind.INDEXNOW:
                _send_indexnow(client, group, now)
            elif kind == OutboundMessage.Kind.WEBHOOK:
                for message in group:
                    _send_webhook(client, message, now)
            elif kind == OutboundMessage.Kind.ALERT:
                from .alert_sending import send_alerts  # here: it imports this module

                send_alerts(client, group, now, _finish)
            else:
                _finish(group, now, None, f"unknown kind {kind!r}")
        except Exception as exc:  # one kind's bug must not keep the others from going out
            log.exception("outbox: sending %s messages failed", kind)
            untold = [m for m in group if m.attempts == tried[m.pk]]
            _finish(untold, now, None, describe(exc))


def deliver_due(client: httpx.Client, now: datetime | None = None) -> int:
    """Send every message due now; return how many were tried."""
    now = now or timezone.now()
    messages = claim_due(now)
    send(client, messages, now)
    return len(messages)


def send_now(ids: list[int]) -> None:
    """Try the purges `ids` at once (queued by this process, left to it for a lease)."""
    now = timezone.now()
    messages = list(
        OutboundMessage.objects.filter(
            pk__in=ids, status=OutboundMessage.Status.PENDING, attempts=0
        ).order_by("id")
    )
    send(None, messages, now)


def make_client() -> httpx.Client:
    return httpx.Client(timeout=10.0, headers={"User-Agent": settings.WIREDESK.site.user_agent})
