"""URL map: the reader site, then admin, API, the desk and the other apps' addresses.

The reader site comes first: its story page is the address most asked for, and
Django tries each pattern in turn (docs/benchmarks.md, "One uncached story page").
Each of its patterns matches a whole address that none of the others serves.
"""

from django.contrib import admin
from django.urls import include, path

from wiredesk.api.views import api
from wiredesk.desk.exposition import metrics

urlpatterns = [
    path("", include("wiredesk.site.urls")),
    path("metrics", metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("desk/", include("wiredesk.desk.urls")),
    path("", include("wiredesk.pictures.urls")),
    path("", include("wiredesk.ingest.urls")),
    path("", include("wiredesk.syndication.urls")),
]

# The site's own 404 page (header, navigation, viewport), not Django's bare one.
handler404 = "wiredesk.site.views.not_found"
