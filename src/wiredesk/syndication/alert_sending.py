"""Send the outbox's alerts: by Django's mail, as Slack-compatible JSON, or as a generic JSON
signed as the webhooks are (dispatch.py's HMAC-SHA256 header).

Loaded by the outbox's sender only (dispatch.py, when it has alerts to send).
A failure is the outbox's to retry, with its backoff, until the alert is taken;
one to a destination removed from the desk since is dropped (marked failed).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import httpx
from django.conf import settings
from django.core.mail import EmailMessage

from .dispatch import SIGNATURE_HEADER, _post, describe, sign
from .models import AlertDestination, OutboundMessage

Finish = Callable[[Sequence[OutboundMessage], datetime, int | None, str], None]


class Gone(Exception):
    """The destination an alert was queued for is no longer configured."""


def secret_of(message: OutboundMessage) -> str:
    """Return the HMAC secret of a signed alert's destination, as configured now.

    Raise Gone when that destination is no longer configured.
    """
    where = message.payload.get("destination", {})
    if where.get("source") == "desk":
        row = AlertDestination.objects.filter(pk=int(where.get("key", 0))).first()
        if row is None:
            raise Gone("its destination was removed from the desk")
        return row.secret
    for spec in settings.WIREDESK.alerts:
        if spec.kind == message.payload.get("channel") and spec.target == message.url:
            return os.environ.get(spec.secret_env, "") if spec.secret_env else ""
    raise Gone("its destination is no longer in wiredesk.toml's [[alerts]]")


def _words(alert: dict[str, Any]) -> str:
    return f"{alert['title']}\n{alert['text']}\n{alert['link']}"


def send_email(message: OutboundMessage) -> None:
    alert = message.payload["alert"]
    recipients = [address.strip() for address in message.url.split(",") if address.strip()]
    mail = EmailMessage(
        subject=f"[{settings.WIREDESK.site.name}] {alert['title']}"[:250],
        body=_words(alert) + "\n",
        to=recipients,
        headers={"X-Wiredesk-Event": message.event},
    )
    mail.send(fail_silently=False)


def slack_body(alert: dict[str, Any]) -> dict[str, Any]:
    """Return a Slack-compatible message: `text` for any chat that takes one, and blocks."""
    return {
        "text": f"{alert['title']}\n{alert['text']}\n<{alert['link']}|Open on the desk>",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": alert["title"][:150]}},
            {"type": "section", "text": {"type": "plain_text", "text": alert["text"] or "-"}},
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Open on the desk"},
                        "url": alert["link"],
                    }
                ],
            },
        ],
    }


def signed_body(message: OutboundMessage, now: datetime) -> bytes:
    alert = message.payload["alert"]
    body = {
        "event": message.event,
        "title": alert["title"],
        "text": alert["text"],
        "link": alert["link"],
        **alert.get("facts", {}),
        "delivery": message.pk,
        "sent_at": now.isoformat(),
    }
    return json.dumps(body).encode()


def deliver(
    client: httpx.Client, message: OutboundMessage, now: datetime
) -> tuple[int | None, str]:
    """Send one alert; return the HTTP status (None for mail) and what went wrong ("": nothing)."""
    channel = message.payload.get("channel")
    secret = secret_of(message)  # and still configured
    if channel == "email":
        try:
            send_email(message)
        except Exception as exc:  # smtplib's and the socket's errors, a refused address: retried
            return None, describe(exc)
        return None, ""
    if channel == "slack":
        return _post(client, message.url, json=slack_body(message.payload["alert"]))
    if channel == "signed":
        body = signed_body(message, now)
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(secret, body),
            "X-Wiredesk-Event": message.event,
            "X-Wiredesk-Delivery": str(message.pk),
        }
        return _post(client, message.url, content=body, headers=headers)
    raise Gone(f"unknown channel {channel!r}")


def send_alerts(
    client: httpx.Client, messages: list[OutboundMessage], now: datetime, finish: Finish
) -> None:
    """Send each alert and record its outcome with `finish` (the outbox's)."""
    for message in messages:
        try:
            status, error = deliver(client, message, now)
        except Gone as exc:
            message.attempts += 1
            message.status = OutboundMessage.Status.FAILED
            message.last_error = f"dropped: {exc}"
            message.save(update_fields=["attempts", "status", "last_error"])
            continue
        finish([message], now, status, error)
        if not error:  # the destination takes alerts again: what it missed goes now
            OutboundMessage.objects.filter(
                status=OutboundMessage.Status.PENDING,
                kind=OutboundMessage.Kind.ALERT,
                url=message.url,
                attempts__gt=0,
                next_attempt_at__gt=now,
            ).update(next_attempt_at=now)
