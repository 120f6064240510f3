from django.contrib.sitemaps import views as sitemap_views
from django.urls import path, re_path

from wiredesk.site import editions  # noqa: F401  (registers the <edition:> converter)
from wiredesk.site.cache import cached_page, on_site_url

from . import views
from .edition_sitemaps import edition_index, edition_sitemap
from .feeds import AtomStoryFeed, JsonStoryFeed, StoryFeed
from .sitemap_text import news_sitemap, site_index, story_sitemap
from .sitemaps import SITEMAPS, xml_safe

rss, atom, json_feed = (
    cached_page(on_site_url(f())) for f in (StoryFeed, AtomStoryFeed, JsonStoryFeed)
)

urlpatterns = [
    path("feeds/rss.xml", rss, name="feed-rss"),
    path("feeds/atom.xml", atom, name="feed-atom"),
    path("feeds/feed.json", json_feed, name="feed-json"),
    path("agency/<slug:slug>/rss.xml", rss, name="agency-feed-rss"),
    path("agency/<slug:slug>/atom.xml", atom, name="agency-feed-atom"),
    path("agency/<slug:slug>/feed.json", json_feed, name="agency-feed-json"),
    path("topic/<slug:topic>/rss.xml", rss, name="topic-feed-rss"),
    path("topic/<slug:topic>/atom.xml", atom, name="topic-feed-atom"),
    path("topic/<slug:topic>/feed.json", json_feed, name="topic-feed-json"),
    path("section/<slug:section>/rss.xml", rss, name="section-feed-rss"),
    path("section/<slug:section>/atom.xml", atom, name="section-feed-atom"),
    path("section/<slug:section>/feed.json", json_feed, name="section-feed-json"),
    path(
        "sitemap.xml",
        cached_page(on_site_url(site_index)),
        name="sitemap-index",
    ),
    path(
        "sitemap-news.xml",
        cached_page(on_site_url(news_sitemap)),
        name="sitemap-news",
    ),
    # The stories' and news files written as text (syndication/sitemap_text.py); the
    # sections' by Django.
    path(
        "sitemap-stories.xml",
        cached_page(on_site_url(story_sitemap)),
        name="sitemap-stories",
    ),
    path(
        "sitemap-<section>.xml",
        cached_page(on_site_url(xml_safe(sitemap_views.sitemap))),
        # Full W3C datetimes in <lastmod> (Django's own template gives only the date).
        {"sitemaps": SITEMAPS, "template_name": "sitemaps/stories.xml"},
        name="sitemap-section",
    ),
    # Another edition's feeds and sitemaps, under its prefix (site/editions.py).
    path("<edition:edition>/feeds/rss.xml", rss, name="edition-feed-rss"),
    path("<edition:edition>/feeds/atom.xml", atom, name="edition-feed-atom"),
    path("<edition:edition>/feeds/feed.json", json_feed, name="edition-feed-json"),
    path("<edition:edition>/agency/<slug:slug>/rss.xml", rss),
    path("<edition:edition>/agency/<slug:slug>/atom.xml", atom),
    path("<edition:edition>/agency/<slug:slug>/feed.json", json_feed),
    path("<edition:edition>/topic/<slug:topic>/rss.xml", rss),
    path("<edition:edition>/topic/<slug:topic>/atom.xml", atom),
    path("<edition:edition>/topic/<slug:topic>/feed.json", json_feed),
    path("<edition:edition>/section/<slug:section>/rss.xml", rss),
    path("<edition:edition>/section/<slug:section>/atom.xml", atom),
    path("<edition:edition>/section/<slug:section>/feed.json", json_feed),
    path(
        "<edition:edition>/sitemap.xml",
        cached_page(on_site_url(edition_index)),
        name="edition-sitemap-index",
    ),
    path(
        "<edition:edition>/sitemap-<section>.xml",
        cached_page(on_site_url(xml_safe(edition_sitemap))),
        name="edition-sitemap",
    ),
    path("robots.txt", views.robots_txt, name="robots"),
    re_path(r"^(?P<key>[A-Za-z0-9-]{8,128})\.txt$", views.indexnow_key, name="indexnow-key"),
]
