import json

from django.contrib import admin
from django.utils.html import format_html

from .models import Agency, Feed


class FeedInline(admin.TabularInline):
    model = Feed
    extra = 0
    fields = ("slug", "transport", "location", "format", "poll_interval", "enabled")


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "byline", "language", "time_zone")
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name", "slug")
    inlines = [FeedInline]


@admin.register(Feed)
class FeedAdmin(admin.ModelAdmin):
    list_display = (
        "slug",
        "agency",
        "transport",
        "format",
        "poll_interval",
        "enabled",
        "last_success_at",
        "failures",
        "health",
    )
    list_filter = ("agency", "transport", "enabled")
    search_fields = ("slug", "location")
    readonly_fields = (
        "where_it_is_up_to",
        "failures",
        "next_poll_at",
        "last_polled_at",
        "last_success_at",
        "last_error",
    )

    @admin.display(description="Health")
    def health(self, feed: Feed) -> str:
        # Red for a feed that is failing, in the editor's words (the transport's).
        if not feed.last_error:
            return format_html('<span style="color:#176117">{}</span>', "OK")
        return format_html('<strong style="color:#b00020">{}</strong>', feed.last_error)

    @admin.display(description="Checkpoint")
    def where_it_is_up_to(self, feed: Feed) -> str:
        # The transport's own bookkeeping; it never holds a credential.
        return json.dumps(feed.checkpoint, indent=1, sort_keys=True) if feed.checkpoint else "-"
