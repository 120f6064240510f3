"""Where agencies push: a feed's POST address, and its WebSub callback.

Both hand the body to the same pipeline as a watch-folder file, in the
request, so a pushed story is on the site as soon as the answer is sent.
"""

from __future__ import annotations

import logging
import time

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from wiredesk.site.request_guard import whole_number
from wiredesk.sources.models import Feed
from wiredesk.transports.push import PushIn

from .pipeline import IngestReport, ingest_bytes
from .polling import open_transport
from .unsubscribing import confirm_unsubscription

log = logging.getLogger("wiredesk.ingest")


def _feed(slug: str, transport: str) -> Feed | None:
    return (
        Feed.objects.select_related("agency")
        .filter(slug=slug, transport=transport, enabled=True)
        .first()
    )


def _body(request: HttpRequest, limit: int) -> bytes | None:
    """Return the request's body, or None when it is over `limit` bytes (read no further)."""
    declared = request.META.get("CONTENT_LENGTH") or ""
    # Digits past any integer are over every limit; anything else Django reads as 0 bytes.
    size = whole_number(declared) if declared.isascii() and declared.isdigit() else 0
    if size is None or size > limit:
        return None
    data = request.read(limit + 1)
    return None if len(data) > limit else data


def _answer(report: IngestReport) -> JsonResponse:
    body = {
        "stored": sum(1 for o in report.outcomes if o.version is not None),
        "actions": dict(report.actions),
        "quarantined": report.quarantined,
        "item_failures": report.item_failures,
    }
    return JsonResponse(body, status=200 if report.ok else 422)


@csrf_exempt
@never_cache
def push(request: HttpRequest, slug: str) -> HttpResponse:
    """Take one delivery POSTed by the agency, proved by the feed's secret."""
    if request.method != "POST":
        return JsonResponse(
            {"error": "POST the delivery here"}, status=405, headers={"Allow": "POST"}
        )
    feed = _feed(slug, PushIn.name)
    if feed is None:
        paused = Feed.objects.filter(slug=slug, transport=PushIn.name, enabled=False).exists()
        if paused:  # paused on the desk: the agency keeps it and tries again later
            return JsonResponse(
                {"error": "this feed is paused; send it again later"},
                status=503,
                headers={"Retry-After": "300"},
            )
        return JsonResponse({"error": "no push feed by that name"}, status=404)
    transport = open_transport(feed)
    assert isinstance(transport, PushIn)
    limit = int(transport.option("max_bytes"))
    data = _body(request, limit)
    if data is None:
        return JsonResponse({"error": f"over the {limit:,}-byte limit"}, status=413)
    if not transport.allows(request.headers, data):
        log.warning("push to feed=%s refused: not signed with its secret", feed.slug)
        return JsonResponse(
            {"error": "signature or token does not match"},
            status=401,
            headers={"WWW-Authenticate": 'Bearer realm="wiredesk-push"'},
        )
    report = ingest_bytes(feed, data, origin=f"push {request.META.get('REMOTE_ADDR', '')}")
    return _answer(report)


@csrf_exempt
@never_cache
def websub(request: HttpRequest, slug: str) -> HttpResponse:
    """The callback of a WebSub subscription: the hub's intent checks and its content."""
    # Imported here: the WebSub transport brings httpx, which a web worker that
    # never receives WebSub content should not carry (benchmarks/memory.py).
    from wiredesk.transports.websub import WebSubFeed

    feed = _feed(slug, WebSubFeed.name)
    if request.method == "GET":
        return _verify(request, slug, feed)
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    if feed is None:
        return HttpResponse("no such subscription", status=410)  # the hub drops it (section 7)
    transport = open_transport(feed)
    assert isinstance(transport, WebSubFeed)
    data = _body(request, 50 * 1024 * 1024)
    if data is None:
        return HttpResponse("too large", status=413)
    if not transport.signed(request.headers, data):
        # Section 8: a distribution without a valid signature is ignored.
        log.warning("websub feed=%s: content without a valid X-Hub-Signature ignored", feed.slug)
        return HttpResponse("signature does not match", status=403)
    report = ingest_bytes(feed, data, origin=feed.location, base_url=feed.location)
    return _answer(report)


def _verify(request: HttpRequest, slug: str, feed: Feed | None) -> HttpResponse:
    """Answer the hub's check of our intent (section 5.3) or its denial (section 5.2).

    Anyone can send this GET: only an answer to a request of ours still
    pending (transports/websub.py notes it; an unsubscription, which may
    outlive its feed, ingest/unsubscribing.py) that names the request's token
    (the `token` the callback was registered with) is taken, and the lease is
    at most what we asked for; an answer with a wrong token leaves the request
    pending for the hub's own. Anything else is a 404, which section 5.3.1 asks for
    when the subscriber does not agree; a malformed lease is a 400.
    """
    from wiredesk.transports.websub import (
        DEFAULT_LEASE_SECONDS,
        confirmed,
        live_subscriptions,
        pending_request,
    )

    mode = request.GET.get("hub.mode", "")
    challenge = request.GET.get("hub.challenge", "")
    topic, token = request.GET.get("hub.topic", ""), request.GET.get("token", "")
    if mode == "unsubscribe" and challenge and confirm_unsubscription(slug, topic, token):
        return HttpResponse(challenge, content_type="text/plain")
    lease_given = request.GET.get("hub.lease_seconds", "")
    lease = whole_number(lease_given) if lease_given else None
    if mode == "subscribe" and lease_given and not lease:
        return HttpResponse("hub.lease_seconds is not a number of seconds", status=400)
    if feed is None or mode not in ("subscribe", "unsubscribe", "denied"):
        return HttpResponse("not a subscription of ours", status=404)
    if mode != "denied" and not challenge:
        return HttpResponse("no hub.challenge", status=400)
    now = time.time()
    with transaction.atomic():
        locked = Feed.objects.select_for_update().get(pk=feed.pk)
        checkpoint = dict(locked.checkpoint or {})
        pending = pending_request(checkpoint, topic, token, now)
        # A denial answers a subscription request (section 5.2); a check, its own mode.
        if pending is None or pending.get("mode") != ("subscribe" if mode == "denied" else mode):
            return HttpResponse("not a subscription of ours", status=404)
        checkpoint["pending_request"] = None  # one answer per request
        updates: dict = {}
        if mode == "denied":
            reason = request.GET.get("hub.reason", "no reason given")[:300]
            updates["last_error"] = f"the WebSub hub denied the subscription: {reason}"
        elif mode == "subscribe":
            asked = int(pending.get("lease_seconds") or DEFAULT_LEASE_SECONDS)
            lease = min(lease or asked, asked)  # the hub must say; if not, what we asked for
            checkpoint.update(confirmed_at=now, lease_seconds=lease, lease_until=now + lease)
            subscription = confirmed(pending, now + lease)
            if subscription is not None:  # kept, to be ended when the feed no longer wants it
                live = live_subscriptions(checkpoint, now)
                checkpoint["subscriptions"] = [*live, subscription]
        else:  # an unsubscription we asked for: the hub drops it, we hold no lease
            checkpoint.update(confirmed_at=now, lease_seconds=0, lease_until=0)
        Feed.objects.filter(pk=feed.pk).update(checkpoint=checkpoint, **updates)
    if mode == "denied":
        return HttpResponse(status=200)
    return HttpResponse(challenge, content_type="text/plain")
