"""URL map: admin, then the reader site."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("wiredesk.site.urls")),
]
