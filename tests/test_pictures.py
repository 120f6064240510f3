"""Agency pictures end to end: each format's pictures on the page, in the feeds and the API."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.auth import get_user_model
from lxml import etree, html
from PIL import Image

from wiredesk.config.options import PurgeBackendOptions
from wiredesk.ingest.models import Quarantine
from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.pictures import files
from wiredesk.pictures.models import Picture, StoryPicture
from wiredesk.stories import editorial
from wiredesk.stories.models import Story

from .options import with_options
from .pictures_helpers import fetch_all, photo

CAPTION = "Rescue workers search the debris in Unnao on Monday. <Not markup> & more"
CREDIT = "Jane Doe/IANS"


def g2_package(base: str) -> bytes:
    """A newsMessage as TT sends it: a package, its text, and a picture item with renditions."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/"><itemSet>
<packageItem guid="urn:ians:pkg-1" version="1"><itemMeta><itemClass qcode="ninat:composite"/></itemMeta>
<groupSet root="root"><group id="root"><itemRef residref="urn:ians:text-1"/><itemRef residref="urn:ians:pic-1"/></group></groupSet></packageItem>
<newsItem guid="urn:ians:text-1" version="1"><itemMeta><itemClass qcode="ninat:text"/>
<versionCreated>2026-12-03T10:00:00+05:30</versionCreated><pubStatus qcode="stat:usable"/></itemMeta>
<contentMeta><headline>Flood rescue goes on in Unnao</headline><language tag="en"/></contentMeta>
<contentSet><inlineXML contenttype="application/xhtml+xml"><html xmlns="http://www.w3.org/1999/xhtml"><body><p>UNNAO, Dec 3 (IANS) Rescue teams worked through the night.</p></body></html></inlineXML></contentSet></newsItem>
<newsItem guid="urn:ians:pic-1" version="1"><rightsInfo><copyrightNotice>(c) IANS 2026</copyrightNotice><usageTerms>Editorial use only</usageTerms></rightsInfo>
<itemMeta><itemClass qcode="ninat:picture"/><versionCreated>2026-12-03T10:00:00+05:30</versionCreated></itemMeta>
<contentMeta><description role="drol:caption">{CAPTION.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")}</description><creditline>{CREDIT}</creditline></contentMeta>
<contentSet><remoteContent href="{base}/thumb.jpg" contenttype="image/jpeg" width="320" height="213" rendition="rnd:thumbnail"/>
<remoteContent href="{base}/big.jpg" contenttype="image/jpeg" width="1800" height="1200" rendition="rnd:highRes"/></contentSet></newsItem>
</itemSet></newsMessage>""".encode()


def ninjs3(base: str) -> bytes:
    return json.dumps(
        {
            "uri": "urn:ians:ninjs-1",
            "type": "text",
            "version": "1",
            "versionCreated": "2026-12-03T10:00:00+05:30",
            "headlines": [{"role": "main", "value": "Flood rescue goes on in Unnao"}],
            "bodies": [
                {
                    "role": "main",
                    "contentType": "text/plain",
                    "value": "UNNAO, Dec 3 (IANS) Rescue teams worked.",
                }
            ],
            "associations": [
                {
                    "name": "featureimage",
                    "type": "picture",
                    "uri": "urn:ians:pic-n",
                    "descriptions": [{"role": "caption", "value": CAPTION}],
                    "descriptions_credit": None,
                    "by": "Jane Doe",
                    "copyrightNotice": "IANS",
                    "renditions": [
                        {
                            "name": "hi",
                            "href": f"{base}/big.jpg",
                            "contentType": "image/jpeg",
                            "width": 1800,
                            "height": 1200,
                        }
                    ],
                }
            ],
        }
    ).encode()


def ninjs1(base: str) -> bytes:
    return json.dumps(
        {
            "uri": "urn:ians:ninjs1-1",
            "type": "text",
            "version": "1",
            "versioncreated": "2026-12-03T10:00:00+05:30",
            "headline": "Flood rescue goes on in Unnao",
            "body_text": "UNNAO, Dec 3 (IANS) Rescue teams worked.",
            "associations": {
                "featureimage": {
                    "uri": "urn:ians:pic-1x",
                    "type": "picture",
                    "description_text": CAPTION,
                    "byline": "Jane Doe",
                    "renditions": {
                        "baseImage": {
                            "href": f"{base}/big.jpg",
                            "mimetype": "image/jpeg",
                            "width": 1800,
                            "height": 1200,
                        }
                    },
                }
            },
        }
    ).encode()


def nitf(base: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?><nitf><head><docdata><doc-id id-string="ians-nitf-1"/>
<date.issue norm="20261203T100000+0530"/></docdata></head><body><body.head><hedline><hl1>Flood rescue goes on in Unnao</hl1></hedline></body.head>
<body.content><p>UNNAO, Dec 3 (IANS) Rescue teams worked through the night.</p>
<media media-type="image"><media-reference source="{base}/big.jpg" mime-type="image/jpeg" width="1800" height="1200"/>
<media-caption>{CAPTION.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")}</media-caption><media-producer>{CREDIT}</media-producer></media>
</body.content></body></nitf>""".encode()


def rss_media(base: str) -> bytes:
    caption = CAPTION.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"""<?xml version="1.0"?><rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>IANS</title>
<link>{base}/</link><description>d</description><item><guid isPermaLink="false">ians-rss-1</guid>
<title>Flood rescue goes on in Unnao</title><pubDate>Thu, 03 Dec 2026 10:00:00 +0530</pubDate>
<description>UNNAO, Dec 3 (IANS) Rescue teams worked through the night.</description>
<media:group><media:content url="{base}/thumb.jpg" type="image/jpeg" width="320" height="213"/>
<media:content url="{base}/big.jpg" type="image/jpeg" width="1800" height="1200"/>
<media:description>{caption}</media:description><media:credit>{CREDIT}</media:credit></media:group></item></channel></rss>""".encode()


def rss_enclosure(base: str) -> bytes:
    return f"""<?xml version="1.0"?><rss version="2.0"><channel><title>IANS</title><link>{base}/</link>
<description>d</description><item><guid isPermaLink="false">ians-rss-2</guid><title>Flood rescue goes on in Unnao</title>
<pubDate>Thu, 03 Dec 2026 10:00:00 +0530</pubDate><description>UNNAO, Dec 3 (IANS) Rescue teams worked.</description>
<enclosure url="{base}/big.jpg" type="image/jpeg" length="1000"/></item></channel></rss>""".encode()


def atom_enclosure(base: str) -> bytes:
    return f"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>IANS</title><id>urn:f</id>
<updated>2026-12-03T10:00:00+05:30</updated><entry><id>urn:ians:atom-1</id><title>Flood rescue goes on in Unnao</title>
<updated>2026-12-03T10:00:00+05:30</updated><summary>UNNAO, Dec 3 (IANS) Rescue teams worked.</summary>
<link rel="enclosure" type="image/jpeg" href="{base}/big.jpg"/></entry></feed>""".encode()


def body_img(base: str) -> bytes:
    body = (
        f'&lt;p&gt;UNNAO, Dec 3 (IANS) Rescue teams worked.&lt;/p&gt;&lt;figure&gt;&lt;img src="{base}/big.jpg" '
        f'alt="Rescue boats"&gt;&lt;figcaption&gt;Rescue boats on the river&lt;/figcaption&gt;&lt;/figure&gt;'
    )
    return f"""<?xml version="1.0"?><rss version="2.0"><channel><title>IANS</title><link>{base}/</link>
<description>d</description><item><guid isPermaLink="false">ians-rss-3</guid><title>Flood rescue goes on in Unnao</title>
<pubDate>Thu, 03 Dec 2026 10:00:00 +0530</pubDate><description>{body}</description></item></channel></rss>""".encode()


def json_feed(base: str) -> bytes:
    return json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "IANS",
            "feed_url": f"{base}/feed.json",
            "items": [
                {
                    "id": "ians-jf-1",
                    "title": "Flood rescue goes on in Unnao",
                    "content_text": "UNNAO, Dec 3 (IANS) Rescue teams worked.",
                    "image": "/big.jpg",
                }
            ],
        }
    ).encode()


FORMATS = {
    "newsml-g2 package": (g2_package, CAPTION, CREDIT),
    "ninjs 3 associations": (ninjs3, CAPTION, "Jane Doe / IANS"),
    "ninjs 1 associations": (ninjs1, CAPTION, "Jane Doe"),
    "nitf media": (nitf, CAPTION, CREDIT),
    "rss media group": (rss_media, CAPTION, CREDIT),
    "rss enclosure": (rss_enclosure, "", ""),
    "atom enclosure": (atom_enclosure, "", ""),
    "img in body": (body_img, "Rescue boats on the river", ""),
    "json feed image": (json_feed, "", ""),
}


def _publish(feed, server, make) -> Story:
    server.serve("/big.jpg", photo(1800, 1200))
    server.serve("/thumb.jpg", photo(320, 213))
    report = ingest_bytes(feed, make(server.base_url), origin="delivery")
    assert report.ok, report
    assert fetch_all() == 1
    return Story.objects.get()


@pytest.mark.parametrize("name", FORMATS)
def test_each_format_s_picture_reaches_page_feeds_and_api_with_caption_credit_and_size(
    client, picture_feed, photo_server, name
):
    make, caption, credit = FORMATS[name]
    story = _publish(picture_feed, photo_server, make)
    picture = Picture.objects.get()
    assert (picture.width, picture.height, picture.caption, picture.shown_credit) == (
        1800,
        1200,
        caption,
        credit,
    )
    # Only the largest rendition the agency offered was fetched.
    assert [r.path for r in photo_server.requests] == ["/big.jpg"]

    page = html.fromstring(client.get(story.get_absolute_url()).content)
    figure = page.cssselect("article figure.lead-picture")[0]
    img = figure.cssselect("img")[0]
    assert [s.get("type") for s in figure.cssselect("source")] == ["image/avif", "image/webp"]
    assert "1600w" in img.get("srcset") and (img.get("width"), img.get("height")) == ("1024", "683")
    assert img.get("loading") is None and img.get("fetchpriority") == "high"
    [preload] = page.cssselect('link[rel="preload"][as="image"]')
    assert preload.get("type") == "image/avif" and "1600w" in preload.get("imagesrcset")
    shown = figure.cssselect("figcaption")
    assert (shown[0].text_content() if shown else "") == " ".join(p for p in (caption, credit) if p)
    meta = {m.get("property") or m.get("name"): m.get("content") for m in page.cssselect("meta")}
    assert meta["og:image"].startswith("https://news.example/media/pictures/")
    assert (meta["og:image:width"], meta["og:image:height"]) == ("1600", "1067")
    assert meta["twitter:card"] == "summary_large_image"
    ld = json.loads(page.cssselect('script[type="application/ld+json"]')[0].text)
    assert [u.rsplit("/", 1)[1] for u in ld["image"]] == ["16x9.jpg", "4x3.jpg", "1x1.jpg"]

    rss = etree.fromstring(client.get("/feeds/rss.xml").content)
    enclosure = rss.find("channel/item/enclosure")
    assert enclosure.get("url") == meta["og:image"] and enclosure.get("type") == "image/jpeg"
    media = rss.find("channel/item/{http://search.yahoo.com/mrss/}content")
    assert (media.get("width"), media.get("height")) == ("1600", "1067")
    atom = etree.fromstring(client.get("/feeds/atom.xml").content)
    links = atom.findall("{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}link")
    assert [x.get("href") for x in links if x.get("rel") == "enclosure"] == [meta["og:image"]]
    assert client.get("/feeds/feed.json").json()["items"][0]["image"] == meta["og:image"]

    api = client.get(f"/api/v1/stories/{story.pk}").json()
    assert api["pictures"][0]["caption"] == caption and api["pictures"][0]["width"] == 1600
    ninjs = client.get(f"/api/v1/stories/{story.pk}/ninjs").json()
    assert ninjs["associations"][0]["type"] == "picture"
    assert {r["width"] for r in ninjs["associations"][0]["renditions"]} == {320, 640, 1024, 1600}

    home = html.fromstring(client.get("/").content)
    [thumb] = home.cssselect("ul.cards li.with-picture img.thumb")
    assert thumb.get("src").endswith("/320.webp")
    assert (thumb.get("width"), thumb.get("height")) == ("320", "213")  # 1800 by 1200, at 320
    sitemap = etree.fromstring(client.get("/sitemap-stories.xml").content)
    locs = sitemap.findall(".//{http://www.google.com/schemas/sitemap-image/1.1}loc")
    assert [x.text for x in locs] == [meta["og:image"]]


def test_renditions_are_webp_avif_and_jpeg_at_each_width_and_the_three_crops(
    picture_feed, photo_server, picture_files
):
    _publish(picture_feed, photo_server, g2_package)
    digest = Picture.objects.get().sha256
    made = {name.rsplit("/", 1)[1] for name in files.rendition_names(digest)}
    assert made == {f"{w}.{k}" for w in (320, 640, 1024, 1600) for k in ("avif", "webp", "jpg")} | {
        "16x9.jpg",
        "4x3.jpg",
        "1x1.jpg",
    }
    sizes = {}
    for name in ("16x9.jpg", "4x3.jpg", "1x1.jpg", "1600.avif", "320.webp"):
        with Image.open(picture_files / digest[:2] / digest / name) as image:
            sizes[name] = (image.format, image.size)
    assert sizes == {
        "16x9.jpg": ("JPEG", (1200, 675)),
        "4x3.jpg": ("JPEG", (1200, 900)),
        "1x1.jpg": ("JPEG", (1200, 1200)),
        "1600.avif": ("AVIF", (1600, 1067)),
        "320.webp": ("WEBP", (320, 213)),
    }


def test_the_camera_s_gps_position_is_never_served(picture_feed, photo_server, picture_files):
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (26.0, 32.0, 0.0), 3: "E", 4: (80.0, 29.0, 0.0)}  # GPSInfo
    photo_server.serve("/big.jpg", photo(1800, 1200, exif=exif.tobytes()))
    ingest_bytes(picture_feed, rss_enclosure(photo_server.base_url), origin="x")
    assert fetch_all() == 1
    digest = Picture.objects.get().sha256
    for name in files.rendition_names(digest):
        with Image.open(picture_files.parent.parent / "media" / "pictures" / name) as image:
            assert not image.getexif().get_ifd(0x8825), name


def test_the_file_s_own_iptc_and_xmp_words_fill_what_the_feed_left_out(picture_feed, photo_server):
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" photoshop:Credit="PTI Photo">'
        b"<dc:description><rdf:Alt><rdf:li>Boats on the Ganga at dawn</rdf:li></rdf:Alt></dc:description>"
        b"<dc:rights><rdf:Alt><rdf:li>(c) PTI</rdf:li></rdf:Alt></dc:rights></rdf:Description></rdf:RDF></x:xmpmeta>"
    )
    photo_server.serve("/big.jpg", photo(1800, 1200, xmp=xmp))
    ingest_bytes(picture_feed, rss_enclosure(photo_server.base_url), origin="x")
    assert fetch_all() == 1
    picture = Picture.objects.get()
    assert (picture.caption, picture.credit, picture.copyright) == (
        "Boats on the Ganga at dawn",
        "PTI Photo",
        "(c) PTI",
    )


def test_the_same_photo_from_two_agencies_is_stored_and_rendered_once(
    feeds, picture_files, photo_server
):
    for slug in ("ians", "harbour"):
        feeds[slug].fetch_allowed_hosts = "127.0.0.1"
        feeds[slug].save()
    photo_server.serve("/big.jpg", photo(1800, 1200))
    ingest_bytes(feeds["ians"], rss_enclosure(photo_server.base_url), origin="a")
    ingest_bytes(feeds["harbour"], atom_enclosure(photo_server.base_url), origin="b")
    assert fetch_all() == 2
    digests = set(Picture.objects.values_list("sha256", flat=True))
    assert len(digests) == 1 and len(files.rendition_names(digests.pop())) == 15
    assert len(list((picture_files.parent.parent / "picture-originals").rglob("*.jpg"))) == 1


def test_a_story_update_with_a_new_picture_replaces_it_and_one_without_keeps_it(
    client, picture_feed, photo_server
):
    story = _publish(picture_feed, photo_server, g2_package)
    first = Picture.objects.get()
    photo_server.serve("/new.jpg", photo(1700, 1100))
    update = g2_package(photo_server.base_url).replace(b'version="1"', b'version="2"')
    update = update.replace(b"/big.jpg", b"/new.jpg").replace(b"urn:ians:pic-1", b"urn:ians:pic-2")
    ingest_bytes(picture_feed, update, origin="u")
    fetch_all()
    shown = StoryPicture.objects.get(story=story, current=True).picture
    assert shown != first and shown.width == 1700
    text_only = ninjs3(photo_server.base_url)  # another story: untouched by the first's update
    assert b"associations" in text_only
    page = html.fromstring(client.get(story.get_absolute_url()).content)
    assert page.cssselect("figure.lead-picture img")[0].get("height") == str(
        round(1100 * 1024 / 1700)
    )


def test_an_agency_kill_of_a_picture_alone_removes_it_from_every_story(
    client, picture_feed, photo_server, django_capture_on_commit_callbacks
):
    story = _publish(picture_feed, photo_server, g2_package)
    digest = Picture.objects.get().sha256
    kill = b"""<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="urn:ians:pic-1" version="2">
<itemMeta><itemClass qcode="ninat:picture"/><pubStatus qcode="stat:canceled"/></itemMeta></newsItem>"""
    with django_capture_on_commit_callbacks(execute=True):
        report = ingest_bytes(picture_feed, kill, origin="kill")
    assert report.actions["picture killed"] == 1
    assert Story.objects.get().state == Story.State.PUBLISHED
    assert not html.fromstring(client.get(story.get_absolute_url()).content).cssselect("figure")
    assert files.rendition_names(digest) == []
    assert client.get(f"/media/pictures/{digest[:2]}/{digest}/1024.webp").status_code == 410


def test_a_picture_delivered_beside_a_watch_folder_file_is_taken_from_there(
    client, feeds, picture_files, tmp_path
):
    feed = feeds["ians"]
    inbox = tmp_path / "inbox" / "ians"
    inbox.mkdir(parents=True)
    (inbox / "flood.jpg").write_bytes(photo(1800, 1200))
    outside = tmp_path / "secret.jpg"
    outside.write_bytes(photo(1800, 1200))
    ingest_bytes(feed, nitf("X").replace(b"X/big.jpg", b"flood.jpg"), origin="a.xml")
    other = nitf("X").replace(b"ians-nitf-1", b"ians-nitf-2")
    ingest_bytes(feed, other.replace(b"X/big.jpg", b"../../secret.jpg"), origin="b.xml")
    assert fetch_all() == 1
    refused = Picture.objects.get(href="../../secret.jpg")
    assert "outside the feed's folder" in refused.last_error


def test_the_desk_s_retry_fetches_a_quarantined_picture_again(picture_feed, photo_server):
    from wiredesk.ingest.control import retry

    ingest_bytes(picture_feed, rss_enclosure(photo_server.base_url), origin="x")
    assert fetch_all() == 0  # the server has no such file yet
    entry = Quarantine.objects.get()
    assert entry.item_id.startswith("picture:") and "HTTP 404" in entry.reason
    photo_server.serve("/big.jpg", photo(1800, 1200))
    editor = get_user_model().objects.create_user("desk", password="x" * 12)
    report = retry(entry, editor)
    assert report.ok and Picture.objects.get().state == Picture.State.READY


def test_a_killed_story_s_pictures_answer_410_and_come_back_when_an_editor_restores_it(
    picture_feed, photo_server, django_capture_on_commit_callbacks
):
    story = _publish(picture_feed, photo_server, g2_package)
    digest = Picture.objects.get().sha256
    editor = get_user_model().objects.create_user("desk", password="x" * 12)
    with django_capture_on_commit_callbacks(execute=True):
        editorial.withhold([story.pk], editor, "legal check")
    assert files.rendition_names(digest) == [] and Picture.objects.get().state == "withdrawn"
    with django_capture_on_commit_callbacks(execute=True):
        editorial.restore([story.pk], editor, "cleared")
    assert len(files.rendition_names(digest)) == 15 and Picture.objects.get().state == "ready"


def test_a_transparent_png_is_flattened_and_never_enlarged(picture_feed, photo_server):
    image = Image.new("RGBA", (900, 600), (0, 0, 0, 0))
    out = io.BytesIO()
    image.save(out, "PNG")
    photo_server.serve("/big.jpg", out.getvalue(), "image/png")
    ingest_bytes(picture_feed, rss_enclosure(photo_server.base_url), origin="x")
    assert fetch_all() == 1
    picture = Picture.objects.get()
    assert (picture.mime, picture.widths) == ("image/png", [320, 640])


def test_a_kill_purges_the_story_s_pictures_from_the_cdn_by_their_key(
    settings, picture_feed, photo_server, django_capture_on_commit_callbacks
):
    from .wire_server import AgencyServer

    cdn = AgencyServer().start()
    cdn.routes["/"] = lambda h: h.reply(200)
    try:
        story = _publish(picture_feed, photo_server, g2_package)
        digest = Picture.objects.get().sha256
        purge = PurgeBackendOptions("wiredesk.site.purge.HttpPurgeBackend", {"url": cdn.base_url})
        with_options(settings, purge=(purge,))
        editor = get_user_model().objects.create_user("desk", password="x" * 12)
        with django_capture_on_commit_callbacks(execute=True):
            editorial.kill([story.pk], editor, "legal takedown")
    finally:
        cdn.stop()
    keys = [r.headers["surrogate-key"] for r in cdn.requests if r.method == "PURGE"]
    assert f"picture-{digest}" in keys and f"story-{story.pk}" in keys


def test_tt_s_real_newsml_g2_package_shows_its_photo_with_tt_s_caption_and_credit(
    client, picture_feed, photo_server
):
    from .conftest import DATA

    sample = (DATA / "iptc" / "agency-samples" / "TT_newsmlg2_sample.xml").read_bytes()
    for host in (b"https://beta.tt.se", b"https://thumbnail.tt.se"):
        sample = sample.replace(host, photo_server.base_url.encode())
    photo_server.serve("/media/text/210919-janguillou-879f202b/a001_NormalHires.jpg", photo())
    assert ingest_bytes(picture_feed, sample, origin="tt.xml").ok
    assert fetch_all() == 1
    page = html.fromstring(client.get(Story.objects.get().get_absolute_url()).content)
    caption = page.cssselect("figure.lead-picture figcaption")[0]
    assert caption.text.startswith("Journalisten och författaren Jan Guillou jobbar")
    assert caption.cssselect(".credit")[0].text == "Naina Helén Jåma/TT"  # from the body's figure


def test_an_embargoed_story_s_picture_is_not_served_until_the_embargo_ends(
    client, picture_feed, photo_server, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from wiredesk.stories.releases import release_due

    ends = timezone.now() + timedelta(hours=2)
    embargoed = g2_package(photo_server.base_url).replace(
        b'<pubStatus qcode="stat:usable"/></itemMeta>',
        f'<pubStatus qcode="stat:usable"/><embargoed>{ends.isoformat()}</embargoed></itemMeta>'.encode(),
    )
    photo_server.serve("/big.jpg", photo())
    ingest_bytes(picture_feed, embargoed, origin="e")
    assert Story.objects.get().state == Story.State.EMBARGOED
    fetch_all()
    picture = Picture.objects.get()
    assert picture.state == Picture.State.WITHDRAWN and files.rendition_names(picture.sha256) == []
    with django_capture_on_commit_callbacks(execute=True):
        release_due(ends + timedelta(seconds=1))
    assert Picture.objects.get().state == Picture.State.READY
    assert len(files.rendition_names(picture.sha256)) == 15


def test_a_picture_the_agency_sends_again_with_a_new_file_replaces_the_old_one_everywhere(
    client, picture_feed, photo_server
):
    story = _publish(picture_feed, photo_server, g2_package)
    old = Picture.objects.get().sha256
    photo_server.serve("/better.jpg", photo(1700, 1100))
    update = b"""<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="urn:ians:pic-1" version="2">
<itemMeta><itemClass qcode="ninat:picture"/><pubStatus qcode="stat:usable"/></itemMeta>
<contentMeta><description role="drol:caption">A better photo of the rescue</description></contentMeta>
<contentSet><remoteContent href="%s/better.jpg" contenttype="image/jpeg" width="1700" height="1100"/></contentSet>
</newsItem>""" % photo_server.base_url.encode()
    assert ingest_bytes(picture_feed, update, origin="u").actions["picture updated"] == 1
    assert fetch_all() == 1
    picture = Picture.objects.get()
    assert picture.sha256 != old and picture.caption == "A better photo of the rescue"
    assert files.rendition_names(old) == []  # the first file is served no more
    page = html.fromstring(client.get(story.get_absolute_url()).content)
    assert picture.sha256 in page.cssselect("figure.lead-picture img")[0].get("src")
