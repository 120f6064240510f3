"""URL map: admin, API, the desk, then the reader site."""

from django.contrib import admin
from django.urls import include, path

from wiredesk.api.views import api
from wiredesk.desk.exposition import metrics

urlpatterns = [
    path("metrics", metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("desk/", include("wiredesk.desk.urls")),
    path("", include("wiredesk.pictures.urls")),
    path("", include("wiredesk.ingest.urls")),
    path("", include("wiredesk.syndication.urls")),
    path("", include("wiredesk.site.urls")),
]

# The site's own 404 page (header, navigation, viewport), not Django's bare one.
handler404 = "wiredesk.site.views.not_found"
