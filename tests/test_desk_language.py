"""The desk and languages: each story's language shown, filtered and said on its headline;
the desk in English on a site in another language, unless its editor chooses otherwise."""

from __future__ import annotations

import lxml.html
import pytest

from wiredesk.desk.language_choice import COOKIE
from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.stories.models import Story

from .conftest import SEED_V1
from .desk_users import DESK_PERMISSIONS, staff
from .options import with_options
from .test_indian_scripts import STORIES, ninjs


@pytest.fixture
def editor(client, db):
    user = staff("meera", *DESK_PERMISSIONS)
    client.force_login(user)
    return user


@pytest.fixture
def three_languages(feeds, ingest):
    """An English, a Hindi and an Urdu story on the wire; return them by language."""
    ingest(SEED_V1)
    for language in ("hi", "ur"):
        ingest_bytes(feeds["ians"], ninjs(f"urn:ians:{language}:desk", language), "s.json")
    return {story.language: story for story in Story.objects.all()}


def page(client, url: str, **params) -> lxml.html.HtmlElement:
    reply = client.get(url, params)
    assert reply.status_code == 200, (url, reply.status_code)
    return lxml.html.fromstring(reply.content)


def rows(wire: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    return wire.findall('.//table[@id="wire"]/tbody/tr')


def test_the_wire_shows_each_story_s_language_in_its_own_column(client, editor, three_languages):
    wire = page(client, "/desk/")
    headers = [th.text_content().strip() for th in wire.findall('.//table[@id="wire"]/thead/tr/th')]
    column = headers.index("Language")
    shown = {}
    for row in rows(wire):
        cells = row.findall("td")
        cell = cells[column]
        assert cell.get("class") == "language" and cell.get("data-label") == "Language"
        headline = row.find('td[@class="headline"]/a').text
        shown[headline] = (cell.text_content(), cell.find("abbr").get("title"))
    assert shown[STORIES["hi"][0]] == ("hi", "Hindi")
    assert shown[STORIES["ur"][0]] == ("ur", "Urdu")
    assert shown[three_languages["en"].headline] == ("en", "English")


def test_the_wire_filters_by_a_story_s_language(client, editor, three_languages):
    wire = page(client, "/desk/")
    select = wire.find('.//form[@class="filters"]//select[@name="language"]')
    offered = {option.get("value"): option.text for option in select.findall("option")}
    assert offered == {"": "all", "en": "English (en)", "hi": "Hindi (hi)", "ur": "Urdu (ur)"}

    def headlines(**params) -> list[str]:
        return [
            r.find('td[@class="headline"]/a').text for r in rows(page(client, "/desk/", **params))
        ]

    assert headlines(language="hi") == [STORIES["hi"][0]]
    assert headlines(language="ur") == [STORIES["ur"][0]]
    chosen = page(client, "/desk/", language="ur").find(
        './/form[@class="filters"]//select[@name="language"]/option[@selected]'
    )
    assert chosen.get("value") == "ur"
    # A story without a language is in the site's: found under it.
    english = three_languages["en"]
    Story.objects.filter(pk=english.pk).update(language="")
    assert headlines(language="en") == [english.headline]
    # Live rows keep the filter (the wire polls with its query string).
    reply = client.get("/desk/wire/rows", {"language": "hi", "after": 0}).json()
    assert STORIES["hi"][0] in reply["html"] and STORIES["ur"][0] not in reply["html"]


def test_every_headline_on_the_desk_says_its_language(client, editor, three_languages):
    wire = page(client, "/desk/")
    said = {
        a.text: (a.get("lang"), a.get("dir"))
        for a in wire.findall('.//table[@id="wire"]/tbody/tr/td[@class="headline"]/a')
    }
    assert said[STORIES["hi"][0]] == ("hi", None)
    assert said[STORIES["ur"][0]] == ("ur", "rtl")
    assert said[three_languages["en"].headline] == ("en", None)
    urdu = three_languages["ur"]
    story = page(client, f"/desk/story/{urdu.pk}/")
    h1 = story.find(".//main//h1")
    assert (h1.text, h1.get("lang"), h1.get("dir")) == (urdu.headline, "ur", "rtl")
    version = story.find('.//p[@class="headline"]')
    assert (version.get("lang"), version.get("dir")) == ("ur", "rtl")
    assert story.find('.//input[@name="headline"]').get("dir") == "rtl"
    kill = page(client, f"/desk/story/{urdu.pk}/kill")
    assert kill.find('.//p[@class="headline"]/strong').get("lang") == "ur"


def hindi_site(settings):
    with_options(settings, site={"language": "hi"})
    settings.LANGUAGE_CODE = "hi"


def test_the_desk_stays_english_on_a_hindi_site(client, editor, three_languages, settings):
    hindi_site(settings)
    reply = client.get("/desk/")
    assert reply["Content-Language"] == "en"
    wire = lxml.html.fromstring(reply.content)
    assert wire.getroottree().getroot().get("lang") == "en"
    assert wire.find(".//h1").text == "Wire"
    # Django's own words follow the active language: its month names too.
    day = rows(wire)[0].find('td[@class="received"]/small').text
    assert day.split()[1] in {"Dec", "Oct"}
    admin = lxml.html.fromstring(client.get("/admin/").content.decode())
    assert admin.getroottree().getroot().get("lang") == "en"
    assert admin.find(".//main//h1").text == "Site administration"
    # The reader site is in Hindi all the while.
    home = lxml.html.fromstring(client.get("/").content)
    assert home.getroottree().getroot().get("lang") == "hi"


def test_an_editor_may_read_the_desk_in_another_language(client, editor, three_languages):
    # Every desk page links to the choice (a link: a viewer's pages offer no form).
    wire = page(client, "/desk/", state="published")
    link = wire.find('.//header//a[@class="desk-language"]').get("href")
    assert link == "/desk/language?next=/desk/%3Fstate%3Dpublished"
    form = page(client, link).find('.//main//form[@class="desk-language"]')
    offered = [option.get("value") for option in form.findall(".//option")]
    assert offered[0] == "en" and {"hi", "mr", "bn", "ta", "ur"} <= set(offered)
    assert form.find(".//option[@selected]").get("value") == "en"
    assert form.find('.//input[@name="next"]').get("value") == "/desk/?state=published"
    reply = client.post("/desk/language", {"language": "hi", "next": "/desk/?state=published"})
    assert reply.status_code == 302 and reply["Location"] == "/desk/?state=published"
    assert reply.cookies[COOKIE].value == "hi"
    # Django's admin speaks Hindi where Django has the words ...
    admin = client.get("/admin/")
    assert admin["Content-Language"] == "hi"
    html = lxml.html.fromstring(admin.content.decode())
    assert html.getroottree().getroot().get("lang") == "hi"
    assert html.find(".//main//h1").text == "साइट प्रशासन"
    # ... the desk's own words follow it (tests/test_desk_in_hindi.py), and it offers the
    # choice back.
    wire = page(client, "/desk/")
    assert wire.getroottree().getroot().get("lang") == "hi"
    assert wire.find(".//h1").text == "वायर"
    chooser = page(client, "/desk/language").find('.//form[@class="desk-language"]')
    assert chooser.find(".//option[@selected]").get("value") == "hi"
    # The reader site ignores the desk's choice.
    home = lxml.html.fromstring(client.get("/").content)
    assert home.getroottree().getroot().get("lang") == "en"
    assert home.find(".//h1").text == "Latest"
    # Elsewhere, nowhere: a language not offered, or an address off this site.
    assert client.post("/desk/language", {"language": "xx"}).status_code == 400
    away = client.post("/desk/language", {"language": "en", "next": "https://evil.example/"})
    assert away["Location"] == "/desk/"
    assert lxml.html.fromstring(client.get("/admin/").content.decode()).find(
        ".//main//h1"
    ).text == ("Site administration")


def test_choosing_the_desk_s_language_is_for_staff(client, feeds):
    reply = client.post("/desk/language", {"language": "hi"})
    assert reply.status_code == 302 and COOKIE not in reply.cookies
