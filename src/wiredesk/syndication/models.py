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
    `payload` the stories' ids).
    """

    class Kind(models.TextChoices):
        WEBSUB = "websub"
        INDEXNOW = "indexnow"
        WEBHOOK = "webhook"
        PURGE = "purge"  # url: the [[purge]] block's; payload: its backend and the keys
        RECEIVER = "receiver"

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
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]

    def __str__(self) -> str:
        return f"{self.kind} {self.event} {self.url}"
