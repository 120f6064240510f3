"""A story's actions on the desk: the hand actions, its sections, a correction, and a kill.

The hand actions (withhold, restore, hold, release, accept or reject the
agency's version) are the table in stories/hand_actions.py; a kill is asked
for on a page of its own first, since it cannot be undone. Every action calls
the lifecycle (stories/editorial.py) with the editor and the reason; nothing
here writes a story's fields itself.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from wiredesk.stories import editorial, rules
from wiredesk.stories.hand_actions import HAND_ACTIONS
from wiredesk.stories.models import Story

from .views import applicable, desk_view
from .words import action_word


@desk_view("stories.change_story")
def story_kill(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask before a kill, which cannot be undone: the headline and where it will disappear."""
    story = get_object_or_404(Story.objects.select_related("agency"), pk=pk)
    if rules.Action.KILL not in applicable(story):
        messages.warning(request, pgettext("desk", "Kill does not apply to this story now."))
        return redirect("desk:story", pk=story.pk)
    return render(request, "desk/kill.html", {"story": story})


# The hand actions a story's page offers (but a correction, with a form of its own),
# by the rules' names: the table the admin's story list is built from too.
HAND = {name: hand.operation for name, hand in HAND_ACTIONS.items()}


@desk_view("stories.change_story")
@require_POST
def story_action(request: HttpRequest, pk: int) -> HttpResponse:
    """Apply one hand action to a story, with the editor's reason."""
    story = get_object_or_404(Story, pk=pk)
    action, reason = request.POST.get("action", ""), request.POST.get("reason", "")
    try:
        if action == "sections":
            editorial.set_sections(story.pk, request.user, request.POST.getlist("section"), reason)
            messages.success(
                request, pgettext("desk", "Sections set: routing rules leave this story alone now.")
            )
        elif action == "correct":
            editorial.correct(
                story.pk,
                request.user,
                reason,
                request.POST.get("headline"),
                request.POST.get("byline"),
                request.POST.get("body_text"),
            )
            messages.success(request, pgettext("desk", "Corrected: the desk's version is shown."))
        elif action == rules.Action.KILL:
            note = request.POST.get("note", "")
            if editorial.kill([story.pk], request.user, reason, note=note):
                messages.success(
                    request, pgettext("desk", "Kill: done. The story answers 410 everywhere.")
                )
            else:
                messages.warning(
                    request, pgettext("desk", "Kill does not apply to this story now.")
                )
        elif action in HAND:
            done = HAND[action]([story.pk], request.user, reason)
            if done:
                said = pgettext("desk", "%(action)s: done.")
                messages.success(request, said % {"action": action_word(action)})
            else:
                said = pgettext("desk", "%(action)s does not apply to this story now.")
                messages.warning(request, said % {"action": action_word(action)})
        else:
            raise Http404("no such action")
    except (editorial.ReasonRequired, editorial.NothingToCorrect) as exc:
        messages.error(request, str(exc))
    return redirect("desk:story", pk=story.pk)
