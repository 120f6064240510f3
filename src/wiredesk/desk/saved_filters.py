"""An editor's saved wire filters: named query strings, each user's own, listed on the wire."""

from __future__ import annotations

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from .models import QUERY_MOST, SavedFilter
from .views import FILTERS, desk_view

MOST = 50  # per editor: a list on the wire, not a database of searches


def editor(request: HttpRequest) -> int:
    """Return the user's id (0 for no one: a desk view lets staff only in)."""
    return int(request.user.pk or 0)


def only_filters(query: str) -> str:
    """Return `query` with the wire's filters only, in their order (no paging, nothing else)."""
    given = QueryDict(query)
    kept = QueryDict(mutable=True)
    for name in FILTERS:
        if given.get(name):
            kept[name] = given[name][:200]
    return kept.urlencode()


def wire_with(query: str) -> str:
    """Return the wire's address under the filters of `query`."""
    query = only_filters(query)
    return reverse("desk:wire") + (f"?{query}" if query else "")


# A saved filter is the reader's own, not an action on the news: whoever reads the wire may.
@desk_view("stories.view_story")
@require_POST
def saved_filters(request: HttpRequest) -> HttpResponse:
    """Save the wire's filters under a name (the same name replaces), or delete a saved one."""
    action = request.POST.get("action", "")
    if action == "save":
        name = " ".join(request.POST.get("name", "").split())[:80]
        query = only_filters(request.POST.get("query", ""))
        if not name or not query:
            messages.error(request, "Name the filter, and filter the wire first.")
            return redirect(wire_with(query))
        if len(query) > QUERY_MOST:
            messages.error(request, "These filters are too long to save.")
            return redirect(wire_with(query))
        mine = SavedFilter.objects.filter(user_id=editor(request))
        if not mine.filter(name=name).exists() and mine.count() >= MOST:
            messages.error(request, f"At most {MOST} saved filters: delete one first.")
            return redirect(wire_with(query))
        try:
            with transaction.atomic():
                SavedFilter.objects.update_or_create(
                    user_id=editor(request), name=name, defaults={"query": query}
                )
        except IntegrityError:  # saved by another tab at the same moment: that one stands
            pass
        messages.success(request, f"Saved the filter “{name}”.")
        return redirect(wire_with(query))
    if action == "delete":
        pk = request.POST.get("filter", "")
        saved = get_object_or_404(
            SavedFilter,
            pk=int(pk) if pk.isascii() and pk.isdigit() else 0,
            user_id=editor(request),
        )
        saved.delete()
        messages.success(request, f"Deleted the filter “{saved.name}”.")
        return redirect(wire_with(request.POST.get("query", "")))
    raise Http404("no such action")
