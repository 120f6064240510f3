"""A feed's and an agency's actions on the desk's feeds board: pause, resume, and settings.

A pause is a duty editor's (`sources.pause_feed`), a publishing policy or an
encoding an administrator's (docs/desk.md). Every action calls ingest/control.py
with the editor and the reason, which logs it; nothing here writes a feed itself.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from wiredesk.ingest import control
from wiredesk.sources.models import Agency, Feed
from wiredesk.stories import editorial

from .views import desk_view, require


class FeedSettings(forms.ModelForm):
    """What the desk may change of a feed: its publishing policy and its encoding."""

    class Meta:
        model = Feed
        fields = [
            "publishing",
            "publish_delay_minutes",
            "hold_urgency",
            "hold_keywords",
            "encoding",
        ]


class AgencySettings(forms.ModelForm):
    """An agency's publishing policy, for its feeds that follow it."""

    class Meta:
        model = Agency
        fields = ["publishing", "publish_delay_minutes", "hold_urgency", "hold_keywords"]


def _save_settings(
    request: HttpRequest, form_class: type[forms.ModelForm], target: Feed | Agency, name: str
) -> None:
    """Validate the posted settings of a feed or an agency, save and log what changed."""
    # Validated against a copy: the form writes its values onto its instance.
    form = form_class(request.POST, instance=type(target).objects.get(pk=target.pk))
    if form.is_valid():
        said = control.configure(target, request.user, form.cleaned_data)
        messages.success(request, f"{name}: " + ("; ".join(said) or "no change"))
    else:
        messages.error(request, f"{name}: {form.errors.as_text()}")


# What each action on a feed or an agency asks (docs/desk.md): a pause is a duty
# editor's, a publishing policy or an encoding is configuration, an administrator's.
PAUSE = ("sources.pause_feed",)
FEED_ACTIONS = {"pause": PAUSE, "resume": PAUSE, "settings": ("sources.change_feed",)}
AGENCY_ACTIONS = {
    "pause": PAUSE,
    "resume": PAUSE,
    "settings": ("sources.change_agency", "sources.change_feed"),
}


@desk_view()
@require_POST
def feed_action(request: HttpRequest, pk: int) -> HttpResponse:
    """Pause or resume one feed, or change its desk settings."""
    action, reason = request.POST.get("action", ""), request.POST.get("reason", "")
    if action not in FEED_ACTIONS:
        raise Http404("no such action")
    require(request, *FEED_ACTIONS[action])
    feed = get_object_or_404(Feed.objects.select_related("agency"), pk=pk)
    try:
        if action == "settings":
            _save_settings(request, FeedSettings, feed, feed.slug)
        elif action == "pause":
            control.pause([feed], request.user, reason)
            messages.success(request, f"Paused {feed.slug}.")
        else:
            control.resume([feed], request.user, reason)
            messages.success(request, f"Resumed {feed.slug}: it is polled at once.")
    except editorial.ReasonRequired as exc:
        messages.error(request, str(exc))
    return redirect("desk:feeds")


@desk_view()
@require_POST
def agency_action(request: HttpRequest, slug: str) -> HttpResponse:
    """Pause (and perhaps withhold) or resume every feed of an agency, or set its policy."""
    action, reason = request.POST.get("action", ""), request.POST.get("reason", "")
    if action not in AGENCY_ACTIONS:
        raise Http404("no such action")
    require(request, *AGENCY_ACTIONS[action])
    if action == "pause" and "withhold" in request.POST:
        # Withholding its live stories is a story action: the admin asks change_story for it.
        require(request, "stories.change_story")
    agency = get_object_or_404(Agency, slug=slug)
    try:
        if action == "settings":
            _save_settings(request, AgencySettings, agency, agency.name)
        elif action == "pause":
            paused, withheld = control.pause_agency(
                agency, request.user, reason, withhold_live="withhold" in request.POST
            )
            messages.success(
                request,
                f"Paused {len(paused)} feed(s) of {agency.name}"
                + (f"; withheld {len(withheld)} stories." if withheld else "."),
            )
        else:
            resumed = control.resume(list(agency.feeds.all()), request.user, reason)
            messages.success(request, f"Resumed {len(resumed)} feed(s) of {agency.name}.")
    except editorial.ReasonRequired as exc:
        messages.error(request, str(exc))
    return redirect("desk:feeds")
