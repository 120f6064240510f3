"""The desk's URLs, under /desk/."""

from django.urls import path

from . import (
    alerts_views,
    bulk,
    feed_actions,
    presence,
    quarantined,
    saved_filters,
    story_actions,
    translations,
    views,
)
from .language_choice import choose as choose_desk_language

app_name = "desk"
urlpatterns = [
    path("", views.wire, name="wire"),
    path("wire/rows", views.wire_rows, name="wire_rows"),
    path("wire/act", bulk.wire_action, name="wire_action"),
    path("wire/filters", saved_filters.saved_filters, name="saved_filters"),
    path("story/<int:pk>/", views.story, name="story"),
    path("story/<int:pk>/act", story_actions.story_action, name="story_action"),
    path("story/<int:pk>/kill", story_actions.story_kill, name="story_kill"),
    path("story/<int:pk>/presence", presence.story_presence, name="story_presence"),
    path("story/<int:pk>/translation", translations.story_translation, name="story_translation"),
    path("delivery/<int:pk>/raw", views.delivery_raw, name="delivery_raw"),
    path("feeds/", views.feeds, name="feeds"),
    path("feeds/<int:pk>/act", feed_actions.feed_action, name="feed_action"),
    path("agency/<slug:slug>/act", feed_actions.agency_action, name="agency_action"),
    path("quarantine/", views.quarantine, name="quarantine"),
    path("quarantine/<int:pk>/raw", views.quarantine_raw, name="quarantine_raw"),
    path("quarantine/<int:pk>/", quarantined.quarantine_bytes, name="quarantine_bytes"),
    path("quarantine/<int:pk>/act", views.quarantine_action, name="quarantine_action"),
    path("audit/", views.audit, name="audit"),
    path("language", choose_desk_language, name="language"),
    path("alerts/", alerts_views.alerts_page, name="alerts"),
    path("alerts/act", alerts_views.alerts_action, name="alerts_action"),
]
