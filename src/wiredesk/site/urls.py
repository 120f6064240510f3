from django.templatetags.static import static
from django.urls import path, register_converter
from django.views.generic import RedirectView

from . import applinks, views


class StorySlug:
    """A story's slug in any script (stories/slugs.py): one path segment, read decoded.

    The number finds the story; a slug that is not its own redirects to its address.
    """

    regex = "[^/]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(StorySlug, "storyslug")

app_name = "site"
urlpatterns = [
    path("", views.home, name="home"),
    path("agency/<slug:slug>/", views.agency, name="agency"),
    path("section/<slug:slug>/", views.section, name="section"),
    path("topic/<slug:topic>/", views.topic, name="topic"),
    # Another edition's pages (site/editions.py): only its configured languages match.
    path("<edition:edition>/", views.home, name="edition-home"),
    path("<edition:edition>/agency/<slug:slug>/", views.agency, name="edition-agency"),
    path("<edition:edition>/section/<slug:slug>/", views.section, name="edition-section"),
    path("<edition:edition>/topic/<slug:topic>/", views.topic, name="edition-topic"),
    path("<edition:edition>/search", views.search, name="edition-search"),
    path("story/<int:pk>/", views.story, name="story-short"),
    path("story/<int:pk>/<storyslug:slug>/", views.story, name="story"),
    path("story/<int:pk>/<storyslug:slug>/versions/", views.provenance, name="provenance"),
    path("search", views.search, name="search"),
    path("healthz", views.healthz, name="healthz"),
    # Browsers ask for it on every site, admin pages included.
    path("favicon.ico", RedirectView.as_view(url=static("site/icon.svg"), permanent=True)),
    path(".well-known/assetlinks.json", applinks.assetlinks, name="assetlinks"),
    path(
        ".well-known/apple-app-site-association", applinks.apple_app_site_association, name="aasa"
    ),
]
