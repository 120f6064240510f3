"""The wire's saved filters and bulk actions, and a story's "being edited by" notice."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from ..bulk import BULK
from ..models import SavedFilter
from ..presence import BEAT, notice, others
from ..saved_filters import editor, only_filters

register = template.Library()


@register.inclusion_tag("desk/_wire_tools.html", takes_context=True)
def wire_tools(context: dict[str, Any]) -> dict[str, Any]:
    """Render the editor's saved filters, saving the filters on screen, and the bulk actions."""
    request = context["request"]
    return {
        "saved": SavedFilter.objects.filter(user_id=editor(request)),
        "current": only_filters(request.GET.urlencode()),
        "may_act": request.user.has_perm("stories.change_story"),
        "actions": BULK,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("desk/_presence.html", takes_context=True)
def being_edited(context: dict[str, Any], story_id: int) -> dict[str, Any]:
    """Render who else has this story's actions open (kept up to date by desk/presence.js)."""
    return {
        "story_id": story_id,
        "notice": notice(others(story_id, editor(context["request"]), timezone.now())),
        "beat": int(BEAT.total_seconds()),
    }
