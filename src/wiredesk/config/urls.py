"""URL map: admin, API, the desk, then the reader site."""

from django.contrib import admin
from django.urls import include, path

from wiredesk.api.views import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("desk/", include("wiredesk.desk.urls")),
    path("", include("wiredesk.pictures.urls")),
    path("", include("wiredesk.ingest.urls")),
    path("", include("wiredesk.syndication.urls")),
    path("", include("wiredesk.site.urls")),
]
