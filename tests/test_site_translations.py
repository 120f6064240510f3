"""The site's own words in Hindi, Marathi, Bengali, Tamil and Urdu: catalogues that compile to
the committed .mo files, Hindi complete, and a `lang` that says which language the words are in."""

from __future__ import annotations

import shutil
from pathlib import Path

import django
import pytest
from babel.messages.pofile import read_po
from django.apps import apps
from django.core.management import CommandError, call_command
from lxml import html

from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.site import catalogues
from wiredesk.sources.models import DEFAULT_DISCLAIMER
from wiredesk.stories.models import Story

from .helpers import visible_text
from .options import with_options
from .test_indian_scripts import ninjs

STARTED = ("mr", "bn", "ta", "ur")
# The words every reader sees first: navigation, the byline line, the disclaimer.
MOST_VISIBLE = [
    ("site search", "Search"),
    (None, "Sections"),
    (None, "Agencies"),
    (None, "Skip to content"),
    ("the newest stories", "Latest"),
    (None, "By %(byline)s"),
    (None, "Published:"),
    (None, "Updated:"),
    (None, "Disclaimer:"),
    (None, DEFAULT_DISCLAIMER),
    (None, "Open in app"),
    (None, "%(site_name)s · stories auto-published from agency feeds by Wiredesk"),
]


def keys(catalog) -> dict:
    return {(m.context, m.id): m for m in catalog if m.id}


def test_each_language_s_compiled_catalogue_is_its_po_compiled():
    assert {"hi", *STARTED} <= set(catalogues.languages())
    for language in catalogues.languages():
        po = catalogues.po_path(language)
        with po.open("rb") as f:
            catalog = read_po(f, locale=language)
        committed = po.with_suffix(".mo").read_bytes()
        assert catalogues.compiled(catalog) == committed, f"{language}: run wiredesk translations"


def test_every_word_the_site_marks_is_in_every_catalogue():
    template = keys(catalogues.marked())
    # The extractor reads templates and code: a template's words, a view's, a model's.
    assert (None, "By %(byline)s") in template
    assert (None, "Too many searches from your address; try again in %(seconds)s s.") in template
    assert (None, DEFAULT_DISCLAIMER) in template
    for language in catalogues.languages():
        assert set(keys(catalogues.read(language))) == set(template), language
    assert catalogues.stale() == []


def test_no_word_the_site_marks_is_one_of_django_s_own():
    # Django merges every installed app's catalogue: a word of ours that Django or an
    # app also marks would be translated by theirs on a site whose language we lack,
    # in words our `lang` says are English. A context keeps ours apart.
    folders = [Path(django.__file__).parent / "conf" / "locale"]
    folders += [Path(app.path) / "locale" for app in apps.get_app_configs()]
    theirs = set()
    for folder in folders:
        found = sorted(folder.glob("en/LC_MESSAGES/django.po")) or sorted(
            folder.glob("*/LC_MESSAGES/django.po")
        )
        for path in found[:1]:
            with path.open("rb") as f:
                theirs |= set(keys(read_po(f)))
    assert (None, "Page not found") in theirs  # what the check is for
    assert set(keys(catalogues.marked())) & theirs == set()


def test_hindi_is_complete_and_keeps_every_placeholder():
    hindi = catalogues.read("hi")
    for key in keys(catalogues.marked()):
        message = keys(hindi)[key]
        assert message.string and "fuzzy" not in message.flags, key
    # Babel's checks: the same %(name)s placeholders in each translation as in its English.
    assert [(m.id, errors) for m, errors in hindi.check()] == []


@pytest.mark.parametrize("language", STARTED)
def test_a_started_language_has_its_most_visible_words(language):
    catalog = catalogues.read(language)
    found = keys(catalog)
    untranslated = [key for key in MOST_VISIBLE if not found[key].string]
    assert untranslated == []
    assert [(m.id, errors) for m, errors in catalog.check()] == []


def hindi_site(settings):
    with_options(settings, site={"language": "hi"})
    settings.LANGUAGE_CODE = "hi"


# The parts of a story page made of the site's words, not the story's.
SITE_WORDS = (
    "header",
    "footer",
    "p[@class='meta']",
    "p[@class='disclaimer']",
    "a[@class='skip']",
)


def assert_site_words_say(page, language: str) -> None:
    """Assert each part of the page made of the site's words says it is in `language`."""
    for part in SITE_WORDS:
        assert page.find(f".//{part}").get("lang") == language, part


def test_a_hindi_site_shows_its_words_in_hindi_and_says_so(client, feeds, settings):
    hindi_site(settings)
    ingest_bytes(feeds["ians"], ninjs("urn:ians:hi:words", "hi"), "s.json")
    story = Story.objects.get(item_id="urn:ians:hi:words")
    page = html.fromstring(client.get(story.get_absolute_url()).content)
    assert page.getroottree().getroot().get("lang") == "hi"
    # The words are Hindi, as the page is: no part says another language.
    assert page.xpath("//body//*[@lang]/@lang") == ["hi"]  # the article's own
    header = page.find(".//header")
    assert header.find(".//label").text == "खोजें"
    assert header.find(".//input").get("placeholder") == "खोजें"
    assert [n.get("aria-label") for n in header.iter("nav")][-1] == "एजेंसियाँ"
    meta = visible_text(page.find(".//p[@class='meta']"))
    assert meta.startswith("IANS द्वारा | प्रकाशित: 6 दिसंबर 2026, 09:00 IST")
    disclaimer = visible_text(page.find(".//p[@class='disclaimer']"))
    assert disclaimer.startswith("अस्वीकरण: यह ख़बर एजेंसी की फ़ीड से")
    assert page.find(".//a[@class='app-link']").text == "ऐप में खोलें"
    assert page.find(".//a[@class='skip']").text == "सीधे सामग्री पर जाएँ"
    home = html.fromstring(client.get("/").content)
    assert home.getroottree().getroot().get("lang") == "hi"
    assert home.find(".//h1").text == "ताज़ा ख़बरें" and home.find(".//h1").get("lang") is None
    # The versions page: its words, and its times to the second as Hindi writes them.
    versions = html.fromstring(client.get(f"{story.get_absolute_url()}versions/").content)
    [agency_time] = versions.xpath("//dt[text()='एजेंसी का समय']/following-sibling::dd[1]/time")
    assert agency_time.text == "6 दिसंबर 2026, 09:00:00 IST"
    assert versions.find(".//h1").text == "संस्करण"


def test_an_english_story_on_a_hindi_site_has_hindi_words_said_hindi(client, ingest, settings):
    from .conftest import SEED_V1

    hindi_site(settings)
    ingest(SEED_V1)
    page = html.fromstring(client.get(Story.objects.get().get_absolute_url()).content)
    assert page.getroottree().getroot().get("lang") == "en"
    assert_site_words_say(page, "hi")
    assert visible_text(page.find(".//p[@class='meta']")).startswith("IANS द्वारा | प्रकाशित:")


def test_an_english_site_s_hindi_story_has_english_words_said_english(client, feeds):
    ingest_bytes(feeds["ians"], ninjs("urn:ians:hi:en-words", "hi"), "s.json")
    story = Story.objects.get(item_id="urn:ians:hi:en-words")
    page = html.fromstring(client.get(story.get_absolute_url()).content)
    assert page.getroottree().getroot().get("lang") == "hi"
    assert_site_words_say(page, "en")
    assert page.find(".//header//label").text == "Search"
    assert visible_text(page.find(".//p[@class='meta']")).startswith("By IANS | Published:")


def test_a_site_in_a_language_without_a_catalogue_says_its_english_words_are_english(
    client, feeds, settings
):
    # Telugu: Django and CLDR know it, the site's words are not translated into it yet.
    with_options(settings, site={"language": "te"})
    settings.LANGUAGE_CODE = "te"
    assert not catalogues.has_catalogue("te")
    ingest_bytes(feeds["ians"], ninjs("urn:ians:hi:te-site", "hi"), "s.json")
    ians = feeds["ians"].agency
    ians.language = "te"
    ians.save()
    story = Story.objects.get(item_id="urn:ians:hi:te-site")
    story.language = "te"
    story.save()
    page = html.fromstring(client.get(story.get_absolute_url()).content)
    assert page.getroottree().getroot().get("lang") == "te"
    assert_site_words_say(page, "en")
    assert page.find(".//header//label").text == "Search"
    home = html.fromstring(client.get("/").content)
    assert home.getroottree().getroot().get("lang") == "te"
    h1 = home.find(".//h1")
    assert (h1.text, h1.get("lang")) == ("Latest", "en")
    assert home.find(".//footer").get("lang") == "en"


def test_the_translations_command_checks_adds_and_compiles(settings, tmp_path):
    call_command("translations", "--check")  # the committed catalogues are current
    shutil.copytree(catalogues.locale_dir(), tmp_path / "locale")
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    call_command("translations", "--add", "gu")
    gujarati = catalogues.read("gu")
    assert set(keys(gujarati)) == set(keys(catalogues.marked()))
    assert (tmp_path / "locale/gu/LC_MESSAGES/django.mo").exists()
    before = {p: p.read_bytes() for p in (tmp_path / "locale").rglob("django.*")}
    call_command("translations")  # nothing new: no file changes
    assert {p: p.read_bytes() for p in (tmp_path / "locale").rglob("django.*")} == before
    (tmp_path / "locale/hi/LC_MESSAGES/django.mo").write_bytes(b"")
    with pytest.raises(CommandError, match=r"hi: django\.mo is not django\.po compiled"):
        call_command("translations", "--check")
