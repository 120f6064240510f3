from django.contrib import admin

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
        "slug", "agency", "transport", "format", "poll_interval", "enabled",
        "last_success_at", "failures", "last_error",
    )  # fmt: skip
    list_filter = ("agency", "transport", "enabled")
    search_fields = ("slug", "location")
    readonly_fields = (
        "etag", "last_modified", "failures", "next_poll_at", "last_polled_at",
        "last_success_at", "last_error",
    )  # fmt: skip
