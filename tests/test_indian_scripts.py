"""Stories in Hindi, Marathi, Bengali, Tamil and Urdu: datelines, teasers and slugs keep their words.

Each story is written for these tests, as the agencies' language services write
theirs: the dateline in the story's script with the agency's credit in brackets.
"""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import unquote

import pytest
import regex
import time_machine
from lxml import etree, html

from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.stories.models import Story
from wiredesk.stories.slugs import latin_slug, topic_slug, unicode_slug
from wiredesk.wire.cuts import cut_graphemes, make_teaser
from wiredesk.wire.datelines import find_dateline

from .options import with_options

# language: (headline, body, dateline, place, a word of the body with vowel signs)
STORIES = {
    "hi": (
        "नई दिल्ली में प्रदूषण से राहत, हवा की गुणवत्ता में सुधार",
        "नई दिल्ली, 6 दिसंबर (आईएएनएस)। राजधानी में शनिवार को हवा की गुणवत्ता में सुधार दर्ज"
        " किया गया। मौसम विभाग ने कहा कि तेज़ हवाओं से प्रदूषण घटा है।",
        "नई दिल्ली, 6 दिसंबर (आईएएनएस)",
        "नई दिल्ली",
        "गुणवत्ता",
    ),
    "mr": (
        "मुंबईत मुसळधार पावसाने जनजीवन विस्कळीत",
        "मुंबई, 6 डिसेंबर (पीटीआय) शहरात शनिवारी सकाळपासून मुसळधार पाऊस सुरू असून लोकल सेवा"
        " विस्कळीत झाली आहे. महापालिकेने नागरिकांना घरीच राहण्याचे आवाहन केले आहे.",
        "मुंबई, 6 डिसेंबर (पीटीआय)",
        "मुंबई",
        "विस्कळीत",
    ),
    "bn": (
        "কলকাতায় বৃষ্টিতে জলমগ্ন শহর, ট্রেন চলাচল ব্যাহত",
        "কলকাতা, ৬ ডিসেম্বর (আইএএনএস) শনিবার সকাল থেকে টানা বৃষ্টিতে শহরের বিভিন্ন এলাকা"
        " জলমগ্ন হয়ে পড়েছে। শহরতলির ট্রেন চলাচল ব্যাহত হয়েছে।",
        "কলকাতা, ৬ ডিসেম্বর (আইএএনএস)",
        "কলকাতা",
        "বৃষ্টিতে",
    ),
    "ta": (
        "சென்னையில் கனமழை: பள்ளிகளுக்கு விடுமுறை",
        "சென்னை, டிச. 6 (பிடிஐ) சென்னையில் பெய்து வரும் கனமழை காரணமாக பள்ளிகளுக்கு இன்று"
        " விடுமுறை அறிவிக்கப்பட்டுள்ளது. தாழ்வான பகுதிகளில் வெள்ளம் சூழ்ந்துள்ளது.",
        "சென்னை, டிச. 6 (பிடிஐ)",
        "சென்னை",
        "அறிவிக்கப்பட்டுள்ளது",
    ),
    "ur": (
        "وزیرِ اعظم نے دہلی میں فضائی آلودگی پر اجلاس طلب کیا",
        "نئی دہلی، 6 دسمبر (آئی اے این ایس) دارالحکومت میں ہفتے کے روز ہوا کے معیار میں بہتری"
        " دیکھی گئی۔ محکمہ موسمیات نے کہا کہ تیز ہواؤں سے آلودگی کم ہوئی ہے۔",  # noqa: RUF001
        "نئی دہلی، 6 دسمبر (آئی اے این ایس)",
        "نئی دہلی",
        "آلودگی",
    ),
}
LANGUAGES = list(STORIES)


def graphemes(text: str) -> list[str]:
    return regex.findall(r"\X", text)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_dateline_of_an_indian_language_service_is_read(language):
    _, body, dateline, place, _ = STORIES[language]
    assert find_dateline(body) == (dateline, place)


@pytest.mark.parametrize(
    "text",
    [
        "नई दिल्ली, 6 सितम्बर (भाषा) सरकार ने",  # a half nasal for the anusvara
        "ചെന്നൈ, 6 ഒക്\u200cടോബർ (ഐഎഎൻഎസ്) സംസ്ഥാനത്ത്",  # a zero-width non-joiner
        "ਚੰਡੀਗੜ੍ਹ, 6 ਦਸੰਬਰ (ਆਈਏਐਨਐਸ) ਪੰਜਾਬ",
    ],
)
def test_datelines_with_the_spellings_agencies_use_are_read(text):
    found = find_dateline(text)
    assert found is not None and text.startswith(found[0]) and found[0].endswith(")")


@pytest.mark.parametrize(
    "text", ["वह, 6 लोग आए और चले गए", "दिल्ली 6 दिसंबर को", "सरकार ने कहा, 6 दिसंबर तक"]
)
def test_a_sentence_with_a_number_is_not_a_dateline(text):
    # No month after the day, no comma after the place, or more than a place's words.
    assert find_dateline(text) is None


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_teaser_is_never_cut_inside_a_grapheme(language):
    headline = STORIES[language][0]
    # One long run without spaces: the teaser must cut inside the word, between graphemes.
    word = "".join(headline.split()) * 3
    boundaries = {0}
    for cluster in graphemes(word):
        boundaries.add(max(boundaries) + len(cluster))
    split = 0
    for limit in range(4, 60):
        cut = make_teaser(word, limit).removesuffix(" ...")
        assert word.startswith(cut) and len(cut) <= limit
        assert len(cut) in boundaries, f"cut inside a grapheme at {limit}"
        split += limit not in boundaries  # where a cut by characters would have split one
    assert split, "the sample has no conjunct or vowel sign to split"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_latin_slug_transliterates_the_headline(language):
    slug = latin_slug(STORIES[language][0])
    assert slug != "story" and slug.isascii() and len(slug.split("-")) >= 3
    assert regex.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_unicode_slug_keeps_every_letter_and_vowel_sign(language):
    headline = STORIES[language][0]
    slug = unicode_slug(headline)
    words = regex.findall(r"[\p{L}\p{M}\p{N}]+", unicodedata.normalize("NFC", headline.lower()))
    assert slug == "-".join(words)
    long = unicode_slug(" ".join([headline] * 4))
    assert len(long) <= 80 and "".join(graphemes(long)) == long
    assert regex.fullmatch(r"(?:\X)*", long) and long.split("-")[-1]  # no trailing hyphen
    assert "-".join(words * 4).startswith(long)


def test_a_topic_in_an_indian_script_keeps_a_slug_and_latin_topics_keep_theirs():
    assert topic_slug("राजनीति") == latin_slug("राजनीति") != ""
    assert topic_slug("Weather & Climate") == "weather-climate"


# The stories' time, as the agency gives it; the news sitemap is read an hour
# later (`time_machine`), within its two days whatever day the suite runs.
PUBLISHED = "2026-12-06T09:00:00+05:30"


def ninjs(uri: str, language: str) -> bytes:
    headline, body, *_ = STORIES[language]
    return json.dumps(
        {
            "uri": uri,
            "type": "text",
            "language": language,
            "headline": headline,
            "versioncreated": PUBLISHED,
            "body_text": body,
        },
        ensure_ascii=False,
    ).encode()


@pytest.mark.parametrize("slugs", ["latin", "unicode"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_story_in_an_indian_language_is_served_at_an_address_that_keeps_its_words(
    client, feeds, settings, language, slugs
):
    with_options(settings, site={"slugs": slugs})
    headline, _, dateline, place, word = STORIES[language]
    report = ingest_bytes(feeds["ians"], ninjs(f"urn:ians:{language}:1", language), "s.json")
    assert report.ok and not report.item_failures, report
    story = Story.objects.get(item_id=f"urn:ians:{language}:1")
    assert story.slug == (latin_slug if slugs == "latin" else unicode_slug)(headline)
    assert (story.dateline, story.located) == (dateline, place)
    address = story.get_absolute_url()
    assert address.isascii()  # percent-encoded where the slug keeps its own letters
    assert unquote(address) == f"/story/{story.pk}/{story.slug}/"
    page = client.get(address)
    assert page.status_code == 200
    assert html.fromstring(page.content).findtext(".//h1").strip() == headline
    # Any other slug (the one the headline had before a correction) redirects to it.
    moved = client.get(f"/story/{story.pk}/old-headline/")
    assert moved.status_code == 301 and moved["Location"] == address
    found = client.get("/search", {"q": word})
    links = html.fromstring(found.content).xpath("//main//a/@href")
    assert any(unquote(link).endswith(unquote(address)) for link in links)


def test_a_cut_between_graphemes_keeps_a_whole_text_that_fits():
    assert cut_graphemes("क्षि", 4) == "क्षि" and cut_graphemes("क्षि", 3) == ""


def test_the_slug_quality_measure_runs_on_the_chosen_library():
    # benchmarks/slug_quality.py: the figure docs/benchmarks.md gives for choosing anyascii.
    script = Path(__file__).parent.parent / "benchmarks" / "slug_quality.py"
    out = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()[1:]}
    assert [float(v) for v in rows["anyascii"]][-1] > 0.75


ATOM = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_story_s_language_is_said_on_its_page_and_every_surface(client, feeds, language):
    headline = STORIES[language][0]
    ingest_bytes(feeds["ians"], ninjs(f"urn:ians:{language}:2", language), "s.json")
    story = Story.objects.get(item_id=f"urn:ians:{language}:2")
    rtl = language == "ur"
    page = html.fromstring(client.get(story.get_absolute_url()).content)
    root = page.getroottree().getroot()
    # The page is in the story's language; the site's English chrome says it is English.
    assert root.get("lang") == language and (root.get("dir") == "rtl") == rtl
    assert page.find(".//header").get("lang") == "en"
    assert page.find(".//footer").get("lang") == "en"
    assert page.find(".//p[@class='meta']").get("lang") == "en"
    article = page.find(".//article")
    assert article.get("lang") == language and (article.get("dir") == "rtl") == rtl
    locale = page.find(".//meta[@property='og:locale']").get("content")
    assert locale == f"{language}_IN"  # the site's country (its time zone's) where it is spoken
    ld = json.loads(page.find(".//script[@type='application/ld+json']").text)
    assert ld["inLanguage"] == language
    # Each feed says each item's language.
    rss = etree.fromstring(client.get("/feeds/rss.xml").content)
    item = next(i for i in rss.iter("item") if i.findtext("title") == headline)
    assert item.findtext("{http://purl.org/dc/elements/1.1/}language") == language
    atom = etree.fromstring(client.get("/feeds/atom.xml").content)
    entry = next(e for e in atom.iter(f"{ATOM}entry") if e.findtext(f"{ATOM}title") == headline)
    assert entry.get(XML_LANG) == language
    items = json.loads(client.get("/feeds/feed.json").content)["items"]
    assert next(i for i in items if i["title"] == headline)["language"] == language
    with time_machine.travel(datetime.fromisoformat(PUBLISHED) + timedelta(hours=1)):
        news = etree.fromstring(client.get("/sitemap-news.xml").content)
    said = [(n.findtext(f".//{NEWS}title"), n.findtext(f".//{NEWS}language")) for n in news]
    assert (headline, language) in said
    assert client.get(f"/api/v1/stories/{story.pk}").json()["language"] == language


def test_a_story_without_a_language_takes_its_agency_s_then_the_site_s(client, feeds, settings):
    def story_from(slug: str, uri: str) -> Story:
        item = json.loads(ninjs(uri, "hi"))
        del item["language"]  # neither the item nor its document names one
        ingest_bytes(feeds[slug], json.dumps(item).encode(), "s.json")
        return Story.objects.get(item_id=uri)

    feeds["ians"].agency.language = "hi"
    feeds["ians"].agency.save()
    assert story_from("ians", "urn:ians:lang:1").language == "hi"
    feeds["harbour"].agency.language = ""
    feeds["harbour"].agency.save()
    with_options(settings, site={"language": "mr"})
    assert story_from("harbour", "urn:h:lang:1").language == "mr"


LOCAL_DATES = {
    "hi": "6 दिसंबर 2026, 09:00 IST",
    "mr": "6 डिसेंबर 2026, 09:00 IST",
    "bn": "6 ডিসেম্বর 2026, 09:00 IST",
    "ta": "6 டிசம்பர் 2026, 09:00 IST",
    "ur": "6 دسمبر 2026, 09:00 IST",
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_site_in_an_indian_language_writes_its_dates_so_with_the_zone_named(
    client, feeds, settings, language
):
    with_options(settings, site={"language": language})
    settings.LANGUAGE_CODE = language
    ingest_bytes(feeds["ians"], ninjs(f"urn:ians:{language}:3", language), "s.json")
    story = Story.objects.get(item_id=f"urn:ians:{language}:3")
    page = html.fromstring(client.get(story.get_absolute_url()).content)
    published = page.find(".//p[@class='meta']/time")
    assert published.text == LOCAL_DATES[language]
    assert published.get("datetime") == PUBLISHED
    home = html.fromstring(client.get("/").content)
    assert LOCAL_DATES[language] in [t.text for t in home.iter("time")]


def test_an_english_site_names_the_zone_of_every_time_it_shows(client, feeds):
    ingest_bytes(feeds["ians"], ninjs("urn:ians:hi:4", "hi"), "s.json")
    story = Story.objects.get(item_id="urn:ians:hi:4")
    page = html.fromstring(client.get(story.get_absolute_url()).content)
    assert page.find(".//p[@class='meta']/time").text == "December 6, 2026 09:00 AM IST"


def test_a_page_carries_the_fonts_of_the_scripts_it_shows_and_no_others(client, feeds, ingest):
    from .conftest import SEED_V1

    ingest(SEED_V1)
    english = Story.objects.get()
    style = html.fromstring(client.get(english.get_absolute_url()).content).findtext(".//style")
    assert "Noto" not in style  # an English page pays for no script's fonts
    ingest_bytes(feeds["ians"], ninjs("urn:ians:ta:5", "ta"), "s.json")
    tamil = Story.objects.get(item_id="urn:ians:ta:5")
    style = html.fromstring(client.get(tamil.get_absolute_url()).content).findtext(".//style")
    assert ":lang(ta){" in style and "Noto Sans Tamil" in style
    assert "Devanagari" not in style and "Nastaliq" not in style
    assert "[lang]:lang(en){" in style  # the site's English words in the site's fonts


ZWJ, ZWNJ = "\u200d", "\u200c"
# language: the story's word with vowel signs as other agencies write it: with a
# joiner after its virama, without its nukta, precomposed, or typed on an
# Arabic keyboard with a short vowel marked (search folds them: wire/folding.py).
SPELLINGS = {
    "hi": ("गुणवत्ता", f"गुणवत्{ZWJ}ता", "तेज"),
    "mr": ("विस्कळीत", f"विस्{ZWNJ}कळीत", unicodedata.normalize("NFD", "विस्कळीत")),
    "bn": ("বৃষ্টিতে", f"বৃষ্{ZWJ}টিতে", "কলকাতা\u09df"),
    "ta": ("அறிவிக்கப்பட்டுள்ளது", f"அறிவிக்{ZWNJ}கப்பட்டுள்ளது", "சென்னையில்"),
    "ur": ("آلودگی", "آلُودگي", "دہلي"),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_story_in_each_indian_language_is_whole_on_every_surface(
    client, feeds, settings, language
):
    # The "Done when", one story a language: lang and dir, slug, teaser,
    # dateline, the local date with its zone, the feed's item language, search.
    with_options(settings, site={"language": language, "slugs": "latin"})
    settings.LANGUAGE_CODE = language
    headline, body, dateline, place, word = STORIES[language]
    ingest_bytes(feeds["ians"], ninjs(f"urn:ians:{language}:9", language), "s.json")
    story = Story.objects.get(item_id=f"urn:ians:{language}:9")
    rtl = language == "ur"
    page = html.fromstring(client.get(story.get_absolute_url()).content)
    root = page.getroottree().getroot()
    assert root.get("lang") == language and (root.get("dir") == "rtl") == rtl
    article = page.find(".//article")
    assert article.get("lang") == language and (article.get("dir") == "rtl") == rtl
    assert page.findtext(".//h1").strip() == headline
    assert story.slug == latin_slug(headline) and story.slug.isascii() and story.slug != "story"
    # The teaser is the text's first graphemes, never part of one.
    cut = story.teaser.removesuffix(" ...")
    assert cut and len(cut) < len(story.body_text)
    start = story.body_text.index(cut)
    ends, at = {0}, 0
    for cluster in graphemes(story.body_text):
        at += len(cluster)
        ends.add(at)
    assert start in ends and start + len(cut) in ends
    assert (story.dateline, story.located) == (dateline, place)
    published = page.find(".//p[@class='meta']/time")
    assert published.text == LOCAL_DATES[language] and published.text.endswith(" IST")
    rss = etree.fromstring(client.get("/feeds/rss.xml").content)
    item = next(i for i in rss.iter("item") if i.findtext("title") == headline)
    assert item.findtext("{http://purl.org/dc/elements/1.1/}language") == language
    items = json.loads(client.get("/feeds/feed.json").content)["items"]
    assert next(i for i in items if i["title"] == headline)["language"] == language
    # Search finds it by a word with its vowel signs, as written and as other
    # agencies write it, and by its headline's Latin letters (the slug's).
    address = story.get_absolute_url()
    assert word in body
    for q in (word, *SPELLINGS[language], story.slug.split("-")[1]):
        found = html.fromstring(client.get("/search", {"q": q}).content)
        assert found.xpath("//main//a/@href") == [address], q
    # A word is whole: its first letter alone (a word of its own) finds nothing.
    missing = html.fromstring(client.get("/search", {"q": word[0]}).content)
    assert missing.xpath("//main//a/@href") == []
