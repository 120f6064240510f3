from django.urls import path

from . import views

app_name = "ingest"

urlpatterns = [
    path("push/<slug:slug>/", views.push, name="push"),
    path("websub/<slug:slug>/", views.websub, name="websub"),
]
