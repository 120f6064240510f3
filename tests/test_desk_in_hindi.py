"""The desk's own words in Hindi for an editor who chose Hindi; English, said English, for one
who did not, on a Hindi site too. Agencies' words and machine values stay as they are."""

from __future__ import annotations

import lxml.html
import pytest

from wiredesk.desk.language_choice import COOKIE
from wiredesk.stories.models import Story

from .conftest import SEED_V1
from .desk_users import DESK_PERMISSIONS, staff
from .options import with_options


@pytest.fixture
def editor(client, db):
    user = staff("meera", *DESK_PERMISSIONS)
    client.force_login(user)
    return user


@pytest.fixture
def held(feeds, ingest):
    """A story its feed held for an editor: it waits for a release."""
    feeds["ians"].publishing = "hold"
    feeds["ians"].save()
    ingest(SEED_V1)
    story = Story.objects.get()
    assert story.state == "held"
    return story


def page(client, url: str) -> lxml.html.HtmlElement:
    reply = client.get(url)
    assert reply.status_code == 200, (url, reply.status_code)
    return lxml.html.fromstring(reply.content.decode())


def lang(doc: lxml.html.HtmlElement) -> str | None:
    return doc.getroottree().getroot().get("lang")


def filter_labels(wire: lxml.html.HtmlElement) -> list[str]:
    return [label.text.strip() for label in wire.findall('.//form[@class="filters"]/label')]


def release_button(wire: lxml.html.HtmlElement, story: Story) -> str:
    row = wire.find(
        f'.//table[@id="wire"]/tbody/tr/td[@class="headline"]/a[@href="/desk/story/{story.pk}/"]/../..'
    )
    [button] = row.xpath(
        'td[@class="act"]//form[.//input[@name="action"][@value="release"]]/button'
    )
    return button.text


def test_an_editor_who_chose_hindi_reads_the_desk_in_hindi(client, editor, held):
    client.cookies[COOKIE] = "hi"
    wire = page(client, "/desk/")
    assert lang(wire) == "hi"
    assert wire.find(".//main/h1").text == "वायर"
    assert [a.text for a in wire.findall('.//header//nav[@aria-label="डेस्क"]//a')][:2] == [
        "वायर",
        "फ़ीड",
    ]
    assert filter_labels(wire)[:3] == ["खोजें", "एजेंसी", "भाषा"]
    assert wire.find('.//form[@class="filters"]//button[@type="submit"]').text == "छानें"
    states = wire.find('.//form[@class="filters"]//select[@name="state"]')
    shown = {o.get("value"): o.text for o in states.findall("option")}
    assert shown["held"] == "होल्ड पर" and shown[""] == "सभी"  # the value stays English
    assert release_button(wire, held) == "जारी करें"
    # The agency's words and the state's CSS class are as they came.
    [row] = wire.findall('.//table[@id="wire"]/tbody/tr')
    assert row.find('td[@class="headline"]/a').text == held.headline
    assert "state-held" in row.get("class").split()

    story = page(client, f"/desk/story/{held.pk}/")
    assert lang(story) == "hi"
    assert story.find('.//h2[@id="actions-h"]').text == "कार्रवाइयाँ"
    assert story.find('.//h2[@id="versions-h"]').text == "संस्करण"
    release = story.find('.//form[@class="act"]//button[@value="release"]')
    assert release.text == "जारी करें"
    assert story.find('.//p[@class="meta"]/span[@class="state state-held"]').text == "होल्ड पर"
    assert story.find(".//main//h1").text == held.headline

    feeds = page(client, "/desk/feeds/")
    assert lang(feeds) == "hi"
    assert feeds.find(".//main/h1").text == "फ़ीड"
    headers = [th.text_content() for th in feeds.findall('.//table[@class="feeds"]/thead/tr/th')]
    assert headers[:3] == ["फ़ीड", "सेहत", "पिछली जाँच"]

    # A page whose own words are not translated yet says so under the Hindi header.
    assert wire.find(".//main").get("lang") is None
    audit = page(client, "/desk/audit/")
    assert (lang(audit), audit.find(".//main").get("lang")) == ("hi", "en")

    # What the desk says after an action is Hindi too.
    reply = client.post(f"/desk/story/{held.pk}/act", {"action": "release"}, follow=True)
    said = lxml.html.fromstring(reply.content.decode()).find('.//ul[@class="messages"]/li')
    assert said.text == "जारी करें: हो गया।"


def test_an_editor_who_did_not_choose_reads_english_said_english_on_a_hindi_site(
    client, editor, held, settings
):
    with_options(settings, site={"language": "hi"})
    settings.LANGUAGE_CODE = "hi"
    wire = page(client, "/desk/")
    assert lang(wire) == "en"
    assert wire.find(".//main/h1").text == "Wire"
    assert filter_labels(wire)[:3] == ["Search", "Agency", "Language"]
    assert release_button(wire, held) == "Release"
    story = page(client, f"/desk/story/{held.pk}/")
    assert lang(story) == "en"
    assert story.find('.//h2[@id="actions-h"]').text == "Actions"
    feeds = page(client, "/desk/feeds/")
    assert (lang(feeds), feeds.find(".//main/h1").text) == ("en", "Feeds")
    audit = page(client, "/desk/audit/")
    assert (lang(audit), audit.find(".//main").get("lang")) == ("en", None)


def test_a_language_whose_catalogue_lacks_the_desk_s_words_says_english(client, editor, held):
    # Marathi's catalogue has the site's most visible words, not the desk's yet.
    client.cookies[COOKIE] = "mr"
    wire = page(client, "/desk/")
    assert lang(wire) == "en"
    assert wire.find(".//main/h1").text == "Wire"
