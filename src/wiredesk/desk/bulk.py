"""Hand actions on several stories picked on the wire, with one reason.

Each goes through the same lifecycle function as the story page's action
(`views.HAND`, the hand actions' table), which logs every story it acts on; a
kill asks first, as a single kill does, on a page listing the headlines and
where they will disappear.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from wiredesk.site.request_guard import whole_number
from wiredesk.stories import editorial, rules
from wiredesk.stories.models import Story

from .saved_filters import wire_with
from .story_actions import HAND
from .views import applicable, desk_view
from .words import action_word

# What the wire offers on picked stories, in the order of its buttons.
BULK = (
    rules.Action.HOLD,
    rules.Action.RELEASE,
    rules.Action.WITHHOLD,
    rules.Action.RESTORE,
    rules.Action.KILL,
)
MOST = 200  # stories at once: four pages of the wire


def picked(request: HttpRequest) -> list[int]:
    """Return the picked stories' ids, each once, in the order given (numbers only)."""
    ids = [whole_number(text) for text in request.POST.getlist("story")[:MOST]]
    return list(dict.fromkeys(pk for pk in ids if pk is not None))


@desk_view("stories.change_story")
@require_POST
def wire_action(request: HttpRequest) -> HttpResponse:
    """Apply one hand action, with one reason, to the stories picked on the wire."""
    action, reason = request.POST.get("action", ""), request.POST.get("reason", "")
    if action not in BULK:
        raise Http404("no such action")
    back = redirect(wire_with(request.POST.get("filters", "")))
    ids = picked(request)
    if not ids:
        messages.warning(request, pgettext("desk", "Pick one or more stories first."))
        return back
    verb = action_word(action)
    if action == rules.Action.KILL and request.POST.get("confirmed") != "yes":
        stories = Story.objects.select_related("agency").filter(pk__in=ids).order_by("-pk")
        return render(
            request,
            "desk/bulk_kill.html",
            {
                "stories": [s for s in stories if rules.Action.KILL in applicable(s)],
                "passed_over": [s for s in stories if rules.Action.KILL not in applicable(s)],
                "filters": request.POST.get("filters", ""),
            },
        )
    try:
        if action == rules.Action.KILL:
            done = editorial.kill(ids, request.user, reason, note=request.POST.get("note", ""))
        else:
            done = HAND[action](ids, request.user, reason)
    except editorial.ReasonRequired as exc:
        messages.error(request, f"{verb}: {exc}")
        return back
    if done:
        said = pgettext("desk", "%(action)s: done for %(done)d of %(picked)d stories.")
        messages.success(request, said % {"action": verb, "done": len(done), "picked": len(ids)})
    if len(done) < len(ids):
        said = pgettext("desk", "%(action)s does not apply now to %(left)d of the stories picked.")
        messages.warning(request, said % {"action": verb, "left": len(ids) - len(done)})
    return back
