"""Staff users for the desk's tests, holding exactly the model permissions named."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q

# Every permission a page or an action of the desk asks for (docs/desk.md).
DESK_PERMISSIONS = (
    "stories.view_story",
    "stories.change_story",
    "stories.view_delivery",
    "stories.view_lifecycleevent",
    "sources.view_feed",
    "sources.change_feed",
    "sources.pause_feed",
    "sources.change_agency",
    "ingest.view_quarantine",
    "ingest.change_quarantine",
    "wiredesk_syndication.view_alertdestination",
    "wiredesk_syndication.add_alertdestination",
    "wiredesk_syndication.change_alertdestination",
    "wiredesk_syndication.delete_alertdestination",
)


def staff(username: str, *perms: str):
    """Return a new staff user (not a superuser) with exactly `perms` ("app_label.codename")."""
    # No password (tests log in with force_login): hashing one costs a tenth of a second.
    user = get_user_model().objects.create_user(username, f"{username}@news.example", is_staff=True)
    wanted = Q(pk__in=[])
    for perm in perms:
        app_label, codename = perm.split(".")
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    found = list(Permission.objects.filter(wanted))
    assert len(found) == len(set(perms)), f"no such permission among {perms}"
    user.user_permissions.set(found)
    return user
