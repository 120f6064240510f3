from django.contrib import admin
from django.http import HttpRequest

from .models import AlertDestination, OutboundMessage, Webhook


class DeliveryInline(admin.TabularInline):
    model = OutboundMessage
    extra = 0
    can_delete = False
    fields = (
        "created_at",
        "event",
        "story_id",
        "status",
        "attempts",
        "response_status",
        "last_error",
    )
    readonly_fields = fields
    ordering = ["-created_at"]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = ("url", "description", "active", "events")
    inlines = [DeliveryInline]


@admin.register(AlertDestination)
class AlertDestinationAdmin(admin.ModelAdmin):
    """Where the desk's alerts go (also on the desk: Alerts); wiredesk.toml's are not here."""

    list_display = ("kind", "target", "name", "enabled", "events")
    list_filter = ("kind", "enabled")


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):
    """The delivery log: every ping and webhook call, with its attempts and last answer."""

    list_display = (
        "created_at",
        "kind",
        "event",
        "url",
        "status",
        "attempts",
        "response_status",
        "sent_at",
    )
    list_filter = ("kind", "status", "event", "webhook")
    search_fields = ("url", "last_error")
    readonly_fields = [f.name for f in OutboundMessage._meta.fields]
