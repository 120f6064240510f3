from django.contrib import admin

from .models import ApiClient


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ("name", "requests_per_minute", "active", "created_at")
    readonly_fields = ("token", "created_at")
