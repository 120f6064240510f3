"""Outbound notices: WebSub and IndexNow pings, webhooks for integrators, CDN purges.

Every story change becomes rows in an outbox, written after the change commits
and sent by a separate worker: a slow or failing endpoint never slows ingest,
and nothing is lost when one is down (each message is retried with backoff).
A CDN purge is tried at once as well (a kill leaves the CDN within the second),
and a `stories_changed` receiver that failed is queued here to be run again.
The outbox is also the delivery log shown in the admin.
"""

from __future__ import annotations

from django.db import models

from wiredesk.sources.models import Feed

from .alert_events import EVENTS as ALERT_EVENTS
from .alert_events import KINDS as ALERT_KINDS

EVENTS = ("story.published", "story.updated", "story.killed")


class Webhook(models.Model):
    """An integrator's endpoint for story events, signed with HMAC-SHA256."""

    url = models.URLField(max_length=2000)
    secret = models.CharField(max_length=200, help_text="Shared secret for the signature header.")
    events = models.JSONField(
        default=list, blank=True, help_text=f"Any of {', '.join(EVENTS)}; empty: all."
    )
    active = models.BooleanField(default=True)
    description = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return self.description or self.url

    def wants(self, event: str) -> bool:
        return self.active and (not self.events or event in self.events)


class OutboundMessage(models.Model):
    """One notice to send: a WebSub ping, an IndexNow URL, a webhook call, a CDN purge.

    Or a `stories_changed` receiver to run again (`receiver`: `url` is its name,
    `payload` the stories' ids), or a feed's WebSub subscription to end
    (`unsubscribe`: `payload` the subscription).
    """

    class Kind(models.TextChoices):
        WEBSUB = "websub"
        INDEXNOW = "indexnow"
        WEBHOOK = "webhook"
        PURGE = "purge"  # url: the [[purge]] block's; payload: its backend and the keys
        RECEIVER = "receiver"
        ALERT = "alert"  # url: the addresses or the URL; payload: the alert and its channel
        # A WebSub feed's subscription to end (ingest/unsubscribing.py); url: the hub's.
        UNSUBSCRIBE = "unsubscribe"

    class Status(models.TextChoices):
        PENDING = "pending"
        SENT = "sent"
        FAILED = "failed"  # gave up after the last retry

    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    webhook = models.ForeignKey(
        Webhook, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=40)
    story_id = models.BigIntegerField(null=True, blank=True)
    # The delivery whose change queued it, for the send's log line (logs/context.py).
    delivery_id = models.BigIntegerField(null=True, blank=True)
    url = models.CharField(
        max_length=2000,
        help_text="The page or feed URL this is about; for a purge, the CDN's address; "
        "for a receiver, its name.",
    )
    payload = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
            # A hub's check of an unsubscription reads the last day's of that kind
            # (ingest/unsubscribing.py), not the whole log: anyone may send one.
            models.Index(
                fields=["created_at"],
                condition=models.Q(kind="unsubscribe"),
                name="outbox_unsubscriptions",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.event} {self.url}"


class AlertDestination(models.Model):
    """Where the desk's alerts go, set on the desk (beside wiredesk.toml's `[[alerts]]`)."""

    kind = models.CharField(max_length=8, choices=[(kind, kind) for kind in ALERT_KINDS])
    target = models.CharField(
        max_length=2000, help_text="Email addresses (comma-separated), or the URL to POST to."
    )
    secret = models.CharField(
        max_length=200, blank=True, help_text="signed: the HMAC-SHA256 secret of its signature."
    )
    events = models.JSONField(
        default=list, blank=True, help_text=f"Any of {', '.join(ALERT_EVENTS)}; empty: all."
    )
    enabled = models.BooleanField(default=True)
    name = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return self.name or f"{self.kind} {self.target}"

    def wants(self, event: str) -> bool:
        return self.enabled and (not self.events or event in self.events)


class FeedAlertState(models.Model):
    """What the alerts last said of a feed, so each change of state is told once.

    Changed by a conditional UPDATE: of several processes seeing the same
    change, exactly one changes the row and queues the alert.
    """

    feed = models.OneToOneField(Feed, on_delete=models.CASCADE, related_name="alert_state")
    red = models.BooleanField(default=False)
    quarantined = models.BooleanField(default=False)  # it has a quarantine entry open
    changed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.feed}: {'red' if self.red else 'not red'}"
