"""The desk's judgement of a feed, told as alerts (docs/desk.md, Alerts).

After each poll (and each delivery pushed or retried), ingest sends
`feed_checked`; here the feed is judged by the feeds board's rules (health.py):
is it red, and has it an entry open in the quarantine. What was told last is
kept by syndication/alerts.py, which queues an alert only on a change. Nothing
is judged while no destination takes alerts, nor of a feed an editor paused.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from wiredesk.ingest.models import Quarantine
from wiredesk.sources.models import Feed
from wiredesk.syndication import alerts

from .health import PAUSED, RED, FeedFacts, Health, health
from .stats import recent_deliveries


def judge(feed: Feed) -> Health:
    """Return the feed's health now, by the board's rules, but for silence and clock skew.

    Those two make a feed amber at most, and cost a week of reads: not read here.
    """
    now = timezone.now()
    stored, refused = recent_deliveries(feed, now - timedelta(hours=24))
    facts = FeedFacts(
        enabled=feed.enabled,
        failures=feed.failures,
        last_error=feed.last_error,
        last_success_at=feed.last_success_at,
        poll_interval=timedelta(seconds=feed.poll_interval),
        stored_24h=stored,
        quarantined_24h=refused,
        last_item_at=None,
        usual_per_hour=0.0,
        skew=timedelta(0),
    )
    return health(facts, now)


def check_feed(sender: object, feed_id: int, **kwargs: object) -> None:
    """Tell a change of the feed's redness or quarantine (a `feed_checked` receiver)."""
    if not alerts.wanted():
        return
    feed = Feed.objects.select_related("agency").filter(pk=feed_id).first()
    if feed is None:
        return
    judged = judge(feed)
    if judged.status == PAUSED:
        return  # an editor's pause: nothing to tell until it is resumed and polled
    now = timezone.now()
    alerts.feed_health(feed, judged.status == RED, judged.reasons, now)
    entries = Quarantine.objects.filter(feed=feed, resolved_at=None)
    newest = entries.order_by("-id").values("id", "origin", "reason").first()
    alerts.feed_quarantine(feed, newest, now, entries.count() if newest else 0)
