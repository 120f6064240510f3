from django.contrib import admin
from django.http import HttpRequest

from .models import Picture


@admin.register(Picture)
class PictureAdmin(admin.ModelAdmin):
    """Pictures as the agencies described them: read here; their words are never edited."""

    list_display = ["__str__", "agency", "state", "width", "height", "attempts", "created_at"]
    list_filter = ["state", "agency"]
    search_fields = ["caption", "credit", "identity"]
    readonly_fields = [f.name for f in Picture._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
