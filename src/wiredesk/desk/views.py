"""The desk's pages: the wire, a story, the feeds board, the quarantine, the audit log.

Staff only (Django's admin login), and each view asks the model permissions
the admin asks for the same thing (`desk_view`), or the desk's own for a
feed's pause (`sources.pause_feed`; the roles: desk/roles.py). A story's actions
are in story_actions.py, a feed's and an agency's in feed_actions.py; the
quarantine's here call ingest/control.py, with the editor and the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, F, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from wiredesk.ingest import control
from wiredesk.ingest.models import Quarantine
from wiredesk.site.changes import changes_between
from wiredesk.site.request_guard import BIGINT_MAX, whole_number
from wiredesk.sources.models import Agency, Feed, Publishing
from wiredesk.stories import editorial, rules
from wiredesk.stories.models import Delivery, LifecycleEvent, Section, Story, StoryVersion
from wiredesk.stories.storage.search_ranking import relevance
from wiredesk.stories.storage.search_time_limit import SearchTimedOut
from wiredesk.stories.transitions import known_of, newest_agency_version

from . import live, wire_languages
from .stats import board

PAGE = 50
SINCE_HOURS = {"1": 1, "6": 6, "24": 24, "168": 168}
STATES = ["published", "held", "embargoed", "withheld", "killed", "duplicate"]


def require(request: HttpRequest, *perms: str) -> None:
    """Raise PermissionDenied (a 403) unless the user has every one of `perms`."""
    if not request.user.has_perms(perms):
        raise PermissionDenied


class NotANumber(ValueError):
    """A desk filter that must be a whole number is not one (answered 400)."""


def number(request: HttpRequest, name: str) -> int | None:
    """Return the query parameter `name` as a whole number, None when absent or empty.

    Raise NotANumber for anything else: "²" passes str.isdigit() and fails
    int(), and a number past a bigint fails in the database driver (a 500).
    """
    text = request.GET.get(name, "")
    if not text:
        return None
    value = whole_number(text)
    if value is None:
        raise NotANumber(
            f"The query parameter {name!r} must be a whole number from 0 to {BIGINT_MAX}."
        )
    return value


def desk_view(*perms: str) -> Callable[[Callable], Callable]:
    """Make a view staff only, never cached, and 403 without every permission named
    (none: the view asks for its action's own)."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            require(request, *perms)
            try:
                return view(request, *args, **kwargs)
            except NotANumber as exc:
                return HttpResponseBadRequest(f"{exc}\n", content_type="text/plain; charset=utf-8")

        # Staff first: anyone else is sent to the login, as the admin does.
        return staff_member_required(never_cache(checked))

    return decorate


def _items() -> QuerySet[StoryVersion]:
    """Return every wire item (agency versions, newest first), with what a row shows."""
    return (
        StoryVersion.objects.exclude(delivery=None)
        .select_related("story__agency", "delivery__feed")
        .only(
            "id",
            "version",
            "received_at",
            "urgency",
            "headline",
            "pub_status",
            "signal",
            "story__id",
            "story__state",
            "story__slug",
            "story__headline",
            "story__language",
            "story__sections",
            "story__group_id",
            "story__is_lead",
            "story__published_at",
            "story__embargoed_until",
            "story__release_at",
            "story__agency__slug",
            "story__agency__name",
            "delivery__id",
            "delivery__feed__slug",
        )
        .order_by("-id")
    )


def _wire(request: HttpRequest) -> QuerySet[StoryVersion]:
    """Return the wire's items (agency versions, newest first) under the request's filters."""
    items = _items()
    get = request.GET
    # An agency's or a feed's items are a large share of the wire: compared as
    # "column + 0", which no index serves, so the database walks the wire
    # newest first and stops at a page, instead of sorting every item of the
    # agency (docs/benchmarks.md).
    if get.get("agency"):
        agency = Agency.objects.filter(slug=get["agency"]).values_list("pk", flat=True).first()
        items = items.alias(agency_key=F("story__agency_id") + 0).filter(agency_key=agency or 0)
    if get.get("feed"):
        feed = Feed.objects.filter(slug=get["feed"]).values_list("pk", flat=True).first()
        items = items.alias(feed_key=F("delivery__feed_id") + 0).filter(feed_key=feed or 0)
    state = get.get("state", "")
    if state == "duplicate":  # grouped with another agency's copy of the same event
        items = items.filter(story__group_id__isnull=False)
    elif state in STATES:
        items = items.filter(story__state=state)
    items = wire_languages.by_language(items, get.get("language", ""))
    if get.get("section"):
        items = items.filter(story__sections__contains=f"|{get['section']}|")
    urgency = number(request, "urgency")
    if urgency is not None:
        items = items.filter(urgency__lte=urgency)
    if get.get("since") in SINCE_HOURS:
        hours = SINCE_HOURS[get["since"]]
        items = items.filter(received_at__gte=timezone.now() - timedelta(hours=hours))
    q = get.get("q", "").strip()
    if q:
        try:
            found = list(relevance(q[:200]))
        except SearchTimedOut:
            found = []
        # At most a few hundred stories' items: sorted as "id + 0", so that the
        # database finds them by story and sorts them, rather than walking the
        # whole wire newest first looking for them (PostgreSQL did, when the
        # matches were old ones: docs/benchmarks.md).
        items = items.filter(story_id__in=found).order_by((F("id") + 0).desc())
    return items


# The wire's filters, as its query string names them (saved filters keep these only).
FILTERS = ("agency", "feed", "language", "section", "state", "urgency", "since", "q")


def _filters(request: HttpRequest) -> dict:
    return {name: request.GET[name] for name in FILTERS if request.GET.get(name)}


@desk_view("stories.view_story")
def wire(request: HttpRequest) -> HttpResponse:
    """The wire: every incoming item, newest first, filtered; new ones appear by themselves."""
    items = _wire(request)
    before = number(request, "before")
    if before is not None:
        items = items.filter(id__lt=before)
    rows = list(items[:PAGE])
    open_quarantine = Quarantine.objects.filter(resolved_at=None).count()
    return render(
        request,
        "desk/wire.html",
        {
            "rows": rows,
            "filters": _filters(request),
            "states": STATES,
            "agencies": Agency.objects.order_by("name"),
            "feeds": Feed.objects.order_by("slug"),
            "sections": Section.objects.all(),
            "newest": rows[0].pk if rows and before is None else _newest_id(),
            "older": rows[-1].pk if len(rows) == PAGE else None,
            "open_quarantine": open_quarantine,
            "since_choices": SINCE_HOURS,
            "languages": wire_languages.choices(rows, request.GET.get("language", "")),
            "live": live.cursors(),
        },
    )


def _newest_id() -> int:
    newest = StoryVersion.objects.order_by("-id").values_list("id", flat=True).first()
    return newest or 0


@desk_view("stories.view_story")
def wire_rows(request: HttpRequest) -> JsonResponse:
    """Items newer than `after`, as table rows to put on top (polled every second);
    with `events` and `versions`, the rows up to `after` whose story changed since."""
    after = number(request, "after") or 0
    rows = list(_wire(request).filter(id__gt=after)[:PAGE])
    html = render_to_string("desk/_rows.html", {"rows": rows}, request)
    reply = {"html": html, "newest": rows[0].pk if rows else after, "count": len(rows)}
    events, versions = number(request, "events"), number(request, "versions")
    if events is not None and versions is not None:
        reply |= live.changed_rows(request, _items(), events, versions, after)
    return JsonResponse(reply)


def applicable(story: Story) -> list[str]:
    """Return the hand actions the rules allow on `story` now."""
    known = known_of(story, newest_agency_version(story), timezone.now())
    return [a.value for a in rules.Action if rules.decide_hand(a, known).applies]


@desk_view("stories.view_story")
def story(request: HttpRequest, pk: int) -> HttpResponse:
    """A story in the desk: its versions with word diffs, provenance, log and actions."""
    story = get_object_or_404(Story.objects.select_related("agency"), pk=pk)
    versions = list(
        story.versions.select_related("delivery__feed", "edited_by").order_by("effective_at", "id")
    )
    shown = [
        {"v": version, "diff": diff}
        for version, diff in zip(versions, changes_between(versions), strict=True)
    ]
    return render(
        request,
        "desk/story.html",
        {
            "story": story,
            "versions": shown,
            "actions": applicable(story),
            "sections": Section.objects.all(),
            "story_sections": set(story.sections.strip("|").split("|")),
            "events": story.events.select_related("user").order_by("-at", "-id")[:100],
            "reason_required": sorted(rules.REASON_REQUIRED),
        },
    )


@desk_view("stories.view_delivery")
def delivery_raw(request: HttpRequest, pk: int) -> HttpResponse:
    """The exact bytes an agency sent, as a download (staff only: they may hold editors' notes)."""
    delivery = get_object_or_404(Delivery, pk=pk)
    response = _download(bytes(delivery.data), f"delivery-{delivery.pk}-{delivery.sha256[:12]}")
    if delivery.repairs:
        # The bytes as sent; what had to be mended to read them, beside them.
        response["X-Wiredesk-Repairs"] = "; ".join(
            f"{name}: {detail}" for name, detail in delivery.repairs
        )
    return response


def _download(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{name}.bin"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@desk_view("sources.view_feed")
def feeds(request: HttpRequest) -> HttpResponse:
    """The feeds board: each feed's health, polls, items per hour and latency."""
    now = timezone.now()
    rows = [
        board(feed, now)
        for feed in Feed.objects.select_related("agency").order_by("agency__name", "slug")
    ]
    return render(
        request,
        "desk/feeds.html",
        {
            "rows": rows,
            "agencies": Agency.objects.order_by("name"),
            "publishing": Feed.Publishing.choices,
            "agency_publishing": Publishing.choices,
        },
    )


@desk_view("ingest.view_quarantine")
def quarantine(request: HttpRequest) -> HttpResponse:
    """What the pipeline refused, with reasons, bytes and actions; counts per feed."""
    entries = Quarantine.objects.select_related("feed", "resolved_by").order_by(
        "-last_seen_at", "-id"
    )
    show = request.GET.get("show", "open")
    if show == "open":
        entries = entries.filter(resolved_at=None)
    if request.GET.get("feed"):
        entries = entries.filter(feed__slug=request.GET["feed"])
    page = Paginator(entries.defer("data"), PAGE).get_page(request.GET.get("page"))
    per_feed = (
        Quarantine.objects.filter(resolved_at=None)
        .values("feed__slug")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    return render(
        request,
        "desk/quarantine.html",
        {
            "page": page,
            "per_feed": per_feed,
            "show": show,
            "feed": request.GET.get("feed", ""),
        },
    )


@desk_view("ingest.view_quarantine")
def quarantine_raw(request: HttpRequest, pk: int) -> HttpResponse:
    """The exact bytes the pipeline refused, as a download."""
    entry = get_object_or_404(Quarantine, pk=pk)
    return _download(bytes(entry.data), f"quarantine-{entry.pk}-{entry.sha256[:12]}")


@desk_view("ingest.change_quarantine")
@require_POST
def quarantine_action(request: HttpRequest, pk: int) -> HttpResponse:
    """Retry a quarantined delivery through the pipeline, or dismiss it with a reason."""
    entry = get_object_or_404(Quarantine.objects.select_related("feed"), pk=pk)
    action = request.POST.get("action")
    if action == "retry":
        try:
            report = control.retry(entry, request.user)
        except ValueError as exc:
            messages.error(request, str(exc))
        else:
            if report.ok:
                messages.success(request, f"Retried: {report}")
            else:
                messages.error(request, f"Refused again: {report.quarantined}")
    elif action == "dismiss":
        try:
            control.dismiss([entry], request.user, request.POST.get("reason", ""))
            messages.success(request, "Dismissed (its bytes are kept).")
        except editorial.ReasonRequired as exc:
            messages.error(request, str(exc))
    else:
        raise Http404("no such action")
    return redirect("desk:quarantine")


@desk_view("stories.view_lifecycleevent")
def audit(request: HttpRequest) -> HttpResponse:
    """The lifecycle log: every action on stories and feeds, filterable."""
    events = LifecycleEvent.objects.select_related("story", "agency", "feed", "user")
    get = request.GET
    story = number(request, "story")
    if story is not None:
        events = events.filter(story_id=story)
    if get.get("agency"):
        events = events.filter(agency__slug=get["agency"])
    if get.get("feed"):
        events = events.filter(feed__slug=get["feed"])
    if get.get("kind"):
        events = events.filter(kind=get["kind"])
    if get.get("user"):
        events = events.filter(Q(user__username=get["user"]) | Q(actor=f"editor {get['user']}"))
    page = Paginator(events.order_by("-at", "-id"), PAGE).get_page(get.get("page"))
    return render(
        request,
        "desk/audit.html",
        {
            "page": page,
            "kinds": LifecycleEvent.Kind.choices,
            "agencies": Agency.objects.order_by("name"),
            "feeds": Feed.objects.order_by("slug"),
            "filters": {
                k: get[k] for k in ("story", "agency", "feed", "kind", "user") if get.get(k)
            },
        },
    )
