"""Full text on request: a teaser-only RSS item, its link fetched from a real server."""

from __future__ import annotations

import pytest

from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.stories.models import Story

from .wire_server import AgencyServer

ARTICLE = b"""<!doctype html><html lang="en"><head><title>Storm forces evacuations | Wire</title></head>
<body><nav><a href="/">Home</a> | <a href="/world">World</a></nav>
<article><h1>Storm forces evacuations along the coast</h1>
<p>PORT TOWN, Oct 14 (WX) - A storm forced the evacuation of about 4,000 people along the coast on Thursday, officials said.</p>
<p>Schools were closed and ferries were halted until further notice, the district office said in a statement issued late in the evening.</p>
<p>The weather office expects the storm to weaken by Saturday as it moves inland over the hills.</p>
</article><aside>Most read: something else entirely</aside><footer>Copyright Wire Example</footer></body></html>"""


def teaser_feed(base: str) -> bytes:
    return f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title><link>{base}/</link>
<description>d</description><item><guid>wx-storm-1</guid><title>Storm forces evacuations along the coast</title>
<link>{base}/world/storm</link><pubDate>Thu, 14 Oct 2021 09:39:03 +0530</pubDate>
<description>A storm forced the evacuation of about 4,000 people ...</description></item></channel></rss>""".encode()


@pytest.fixture
def server():
    server = AgencyServer().start()
    server.routes["/world/storm"] = lambda h: h.reply(200, ARTICLE, {"Content-Type": "text/html"})
    yield server
    server.stop()


@pytest.fixture
def full_text_feed(feeds):
    feed = feeds["ians"]
    feed.full_text = True
    feed.fetch_allowed_hosts = "127.0.0.1"  # the test's agency server is on this machine
    feed.save()
    return feed


def test_teaser_only_item_gets_the_article_text_and_keeps_its_metadata(full_text_feed, server):
    report = ingest_bytes(full_text_feed, teaser_feed(server.base_url), "feed.xml")
    assert report.actions == {"published": 1}
    story = Story.objects.get()
    assert story.headline == "Storm forces evacuations along the coast"
    assert story.first_published_at.isoformat() == "2021-10-14T04:09:03+00:00"
    paragraphs = story.body_text.split("\n\n")
    assert paragraphs[0].startswith("PORT TOWN, Oct 14 (WX) - A storm forced the evacuation")
    assert paragraphs[-1].startswith("The weather office expects the storm to weaken")
    assert "Most read" not in story.body_text and "Home" not in story.body_text
    assert story.dateline == "PORT TOWN, Oct 14 (WX)"
    assert server.requests[0].headers["user-agent"].startswith("Wiredesk/")


def test_a_repeat_of_the_same_item_is_not_fetched_again(full_text_feed, server):
    ingest_bytes(full_text_feed, teaser_feed(server.base_url), "feed.xml")
    again = ingest_bytes(full_text_feed, teaser_feed(server.base_url), "feed.xml")
    assert again.actions == {"unchanged": 1}
    assert len(server.requests) == 1


def test_without_the_option_the_teaser_is_published_as_sent(feeds, server):
    ingest_bytes(feeds["ians"], teaser_feed(server.base_url), "feed.xml")
    assert (
        Story.objects.get().body_text == "A storm forced the evacuation of about 4,000 people ..."
    )
    assert server.requests == []


def test_an_unreachable_page_leaves_the_item_as_sent(full_text_feed, server):
    server.routes.pop("/world/storm")  # now 404
    assert ingest_bytes(full_text_feed, teaser_feed(server.base_url), "feed.xml").actions == {
        "published": 1
    }
    assert Story.objects.get().body_text.startswith("A storm forced the evacuation")


# -- The outbound policy: an agency's links may not reach what readers cannot ------------


def link_feed(link: str) -> bytes:
    return f"""<rss version="2.0"><channel><title>W</title><item><guid>ssrf-1</guid>
<title>Teaser</title><link>{link}</link><description>The teaser as sent.</description>
</item></channel></rss>""".encode()


@pytest.mark.parametrize(
    "link",
    [
        "http://127.0.0.1:{port}/world/storm",  # loopback, the feed allows none
        "http://localhost:{port}/world/storm",
        "http://2130706433:{port}/world/storm",  # 127.0.0.1 written as one number
        "http://[::1]:{port}/world/storm",
        "http://169.254.169.254/latest/meta-data/",  # the cloud's metadata address
        "file:///etc/passwd",
        "http://[::1/broken",  # a malformed IPv6 URL crashed the whole delivery
        "gopher://127.0.0.1:{port}/",
    ],
)
def test_links_to_this_machine_or_private_networks_are_never_fetched(feeds, server, link):
    feed = feeds["ians"]
    feed.full_text = True
    feed.save()
    port = server.base_url.rsplit(":", 1)[1]
    report = ingest_bytes(feed, link_feed(link.replace("{port}", port)), "feed.xml")
    assert report.actions == {"published": 1}
    assert Story.objects.get().body_text == "The teaser as sent."
    assert server.requests == []


def test_a_redirect_from_an_allowed_host_to_a_refused_one_is_refused(feeds, server):
    feed = feeds["ians"]
    feed.full_text = True
    feed.fetch_allowed_hosts = "127.0.0.1"
    feed.save()
    port = server.base_url.rsplit(":", 1)[1]
    server.routes["/moved"] = lambda h: h.reply(
        302, b"", {"Location": f"http://localhost:{port}/world/storm"}
    )
    ingest_bytes(feed, link_feed(f"{server.base_url}/moved"), "feed.xml")
    assert Story.objects.get().body_text == "The teaser as sent."
    assert [r.path for r in server.requests] == ["/moved"]  # the redirect was not followed


def test_an_oversized_or_endless_page_is_cut_off(feeds, server):
    from wiredesk.transports.outbound import OutboundPolicy, Refused, fetch

    server.routes["/huge"] = lambda h: h.reply(200, b"x" * 5000)
    policy = OutboundPolicy(allowed_hosts=frozenset({"127.0.0.1"}), max_bytes=1000)
    with pytest.raises(Refused, match="over the limit of 1,000"):
        fetch(f"{server.base_url}/huge", policy, "Wiredesk-test")
