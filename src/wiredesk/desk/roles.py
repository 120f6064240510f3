"""The desk's roles: three groups of model permissions, made by `migrate` (docs/desk.md, Roles).

Viewers read the desk; duty editors also act on stories (the lifecycle's hand
actions) and the quarantine, and pause feeds; administrators hold every
permission: feeds' and agencies' settings, sections, where alerts go, users. A group is made once, with its permissions, when
missing; an operator's later changes to it are kept, but for the
administrators, who are given every permission a new version brings.
"""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.apps import apps as installed_apps
from django.contrib.auth.models import Group, Permission
from django.db.models import Q

VIEWERS, DUTY_EDITORS, ADMINISTRATORS = "Viewers", "Duty editors", "Administrators"

# What a viewer reads on the desk: the wire and stories, deliveries' bytes (they may
# hold editors' notes: newsroom eyes only), the feeds board, the quarantine, the log.
VIEWER_PERMISSIONS = (
    "stories.view_story",
    "stories.view_delivery",
    "stories.view_lifecycleevent",
    "sources.view_feed",
    "ingest.view_quarantine",
)
# A duty editor's actions: every hand action on a story (kill, withhold, restore, hold,
# release, accept, reject, correct, sections), the quarantine's retry and dismiss (on
# the desk only: the admin shows the quarantine read-only, so change_quarantine opens
# nothing there) and a feed's or an agency's pause and resume. A feed's or an agency's
# settings are configuration: change_feed would let them edit a feed's address and
# transport in the admin too.
DUTY_EDITOR_PERMISSIONS = (
    *VIEWER_PERMISSIONS,
    "stories.change_story",
    "ingest.change_quarantine",
    "sources.pause_feed",
)
ROLES: dict[str, tuple[str, ...]] = {
    VIEWERS: VIEWER_PERMISSIONS,
    DUTY_EDITORS: DUTY_EDITOR_PERMISSIONS,
}


def permissions(names: tuple[str, ...]) -> list[Permission]:
    """Return the Permission rows named "app_label.codename"."""
    wanted = Q(pk__in=[])
    for name in names:
        app_label, codename = name.split(".")
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    return list(Permission.objects.filter(wanted))


def ensure_roles(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """Make the missing role groups; give the administrators every permission there is.

    Connected to post_migrate (apps.py), sent for each app with models in turn:
    acts on the last one's, after every migrate and every test database flush,
    when every app's permissions exist.
    """
    with_models = [app for app in installed_apps.get_app_configs() if app.models_module]
    if sender is not with_models[-1]:
        return
    for name, names in ROLES.items():
        group, made = Group.objects.using(using).get_or_create(name=name)
        if made:
            group.permissions.set(permissions(names))
    administrators, _ = Group.objects.using(using).get_or_create(name=ADMINISTRATORS)
    administrators.permissions.add(*Permission.objects.using(using).all())
