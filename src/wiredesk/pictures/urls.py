from django.urls import re_path

from . import views

app_name = "pictures"

urlpatterns = [
    re_path(
        r"^media/pictures/[0-9a-f]{2}/(?P<digest>[0-9a-f]{64})/(?P<name>[\w.-]{1,40})$",
        views.gone,
        name="gone",
    ),
]
