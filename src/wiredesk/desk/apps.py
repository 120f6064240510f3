from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.http import HttpRequest


class DeskConfig(AppConfig):
    name = "wiredesk.desk"
    label = "desk"
    verbose_name = "Duty desk"

    def ready(self) -> None:
        from .roles import ensure_roles

        # The role groups, after each migrate and test database flush (docs/desk.md,
        # Roles). post_migrate is sent for each app with models in turn: ensure_roles
        # acts on the last app's, when every permission exists.
        post_migrate.connect(ensure_roles, dispatch_uid="wiredesk.desk.roles")
        # Every admin action asks a permission; django-axes' cleanup asks none (any
        # user who may list the login attempts could run it): it deletes, so it asks that.
        # It also reads the time of the request's login attempt, which axes sets only on
        # a login: in the admin it failed (AttributeError, a 500) until given one.
        from axes.admin import AccessAttemptAdmin
        from axes.handlers.proxy import AxesProxyHandler
        from django.contrib import admin

        cleanup = AccessAttemptAdmin.cleanup_expired_attempts

        @admin.action(description=cleanup.short_description, permissions=["delete"])
        def cleanup_expired_attempts(model_admin: Any, request: HttpRequest, queryset: Any) -> None:
            AxesProxyHandler.update_request(request)
            cleanup(model_admin, request, queryset)

        AccessAttemptAdmin.cleanup_expired_attempts = cleanup_expired_attempts
        # After each poll, ingest asks: the desk judges the feed, and its alerts tell
        # a change (docs/desk.md, Alerts).
        from wiredesk.ingest.signals import feed_checked

        from .alerting import check_feed

        feed_checked.connect(check_feed, dispatch_uid="wiredesk.desk.alerting")
