from django.urls import path

from wiredesk.site.cache import cached_page

from .feeds import AtomStoryFeed, JsonStoryFeed, StoryFeed

rss, atom, json_feed = (cached_page(f()) for f in (StoryFeed, AtomStoryFeed, JsonStoryFeed))

urlpatterns = [
    path("feeds/rss.xml", rss, name="feed-rss"),
    path("feeds/atom.xml", atom, name="feed-atom"),
    path("feeds/feed.json", json_feed, name="feed-json"),
    path("agency/<slug:slug>/rss.xml", rss, name="agency-feed-rss"),
    path("agency/<slug:slug>/atom.xml", atom, name="agency-feed-atom"),
    path("agency/<slug:slug>/feed.json", json_feed, name="agency-feed-json"),
]
