from django.contrib import admin

from .models import Quarantine


@admin.register(Quarantine)
class QuarantineAdmin(admin.ModelAdmin):
    list_display = ("received_at", "feed", "origin", "item_id", "reason", "size")
    list_filter = ("feed",)
    search_fields = ("origin", "reason", "item_id")
    exclude = ("data",)
    readonly_fields = ("feed", "origin", "received_at", "reason", "item_id", "sha256", "size")
