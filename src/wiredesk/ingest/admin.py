from django.contrib import admin

from wiredesk.stories.admin import ReadOnlyAdmin

from .models import Quarantine


@admin.register(Quarantine)
class QuarantineAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "feed", "origin", "item_id", "reason", "size", "repeats")
    list_filter = ("feed",)
    search_fields = ("origin", "reason", "item_id")
    exclude = ("data",)
