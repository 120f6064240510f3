from django.contrib import admin

from .models import Delivery, Story, StoryVersion


class VersionInline(admin.TabularInline):
    model = StoryVersion
    extra = 0
    can_delete = False
    fields = (
        "version",
        "effective_at",
        "received_at",
        "pub_status",
        "signal",
        "headline",
        "ednote",
    )
    readonly_fields = fields
    show_change_link = True


@admin.register(Story)
class StoryAdmin(admin.ModelAdmin):
    list_display = ("headline", "agency", "state", "first_published_at", "modified_at",
                    "version_count")  # fmt: skip
    list_filter = ("state", "agency")
    search_fields = ("headline", "item_id")
    date_hierarchy = "first_published_at"
    readonly_fields = ("agency", "item_id", "first_published_at", "modified_at", "version_count",
                       "created_at")  # fmt: skip
    inlines = [VersionInline]


@admin.register(StoryVersion)
class StoryVersionAdmin(admin.ModelAdmin):
    list_display = ("story", "version", "effective_at", "received_at", "pub_status", "signal")
    search_fields = ("story__headline", "version")
    raw_id_fields = ("story", "delivery")


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("origin", "feed", "received_at", "size", "sha256")
    list_filter = ("feed",)
    exclude = ("data",)
    readonly_fields = ("sha256", "feed", "origin", "received_at", "size")
