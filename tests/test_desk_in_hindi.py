"""The desk's own words in Hindi for an editor who chose Hindi; English, said English, for one
who did not, on a Hindi site too. Agencies' words and machine values stay as they are."""

from __future__ import annotations

import lxml.html
import pytest

from wiredesk.desk import words
from wiredesk.desk.language_choice import COOKIE
from wiredesk.ingest.models import Quarantine
from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.stories.models import LifecycleEvent, Story
from wiredesk.syndication.models import AlertDestination

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

    # The wire's rows: a state as a word, the phone layout's labels; the class stays English.
    assert row.find('td[@class="st"]/span[@class="state"]').text == "होल्ड पर"
    assert row.find('td[@class="agency"]').get("data-label") == "एजेंसी"
    assert wire.find(".//main").get("lang") is None

    # What the desk says after an action is Hindi too.
    reply = client.post(f"/desk/story/{held.pk}/act", {"action": "release"}, follow=True)
    said = lxml.html.fromstring(reply.content.decode()).find('.//ul[@class="messages"]/li')
    assert said.text == "जारी करें: हो गया।"


def column_headers(doc: lxml.html.HtmlElement, table: str) -> list[str]:
    cells = doc.xpath(f'.//table[contains(concat(" ", @class, " "), " {table} ")]/thead/tr/th')
    return [th.text_content() for th in cells]


def test_the_audit_log_is_in_hindi_its_filter_values_english(client, editor, held):
    client.cookies[COOKIE] = "hi"
    audit = page(client, "/desk/audit/")
    assert (lang(audit), audit.find(".//main").get("lang")) == ("hi", None)
    assert audit.find(".//main/h1").text == "ऑडिट"
    assert column_headers(audit, "audit") == ["कब", "क्या", "ख़बर या फ़ीड", "किसने", "क्यों"]
    assert filter_labels(audit)[:2] == ["प्रकार", "एजेंसी"]
    assert audit.find('.//form[@class="filters"]//button[@type="submit"]').text == "छानें"
    kinds = audit.find('.//form[@class="filters"]//select[@name="kind"]')
    shown = {o.get("value"): o.text for o in kinds.findall("option")}
    assert shown["on_hold"] == "संपादक के लिए होल्ड पर" and shown["paused"] == "फ़ीड रोकी गई"
    # The held story's event: what happened in Hindi, its headline as the agency sent it.
    [row] = audit.findall('.//table[@class="audit"]/tbody/tr')
    assert row.findtext("td[2]") == "संपादक के लिए होल्ड पर"
    assert row.find("td[3]/a").text == held.headline
    assert row.find("td[3]/a").get("lang") == "en"


def test_every_lifecycle_event_has_a_word_on_the_desk():
    assert set(words.EVENTS) == set(LifecycleEvent.Kind.values)


def test_the_quarantine_and_its_bytes_are_in_hindi_their_actions_english(client, editor, feeds):
    client.cookies[COOKIE] = "hi"
    ingest_bytes(feeds["ians"], b"<nitf><head>", "broken.xml")
    entry = Quarantine.objects.get()
    quarantine = page(client, "/desk/quarantine/")
    assert (lang(quarantine), quarantine.find(".//main").get("lang")) == ("hi", None)
    assert quarantine.find(".//main/h1").text == "क्वारंटीन"
    headers = column_headers(quarantine, "quarantine")
    assert headers[:5] == ["मिली", "फ़ीड", "डिलीवरी", "कारण", "बार"]
    row = quarantine.find(f'.//tr[@id="quarantine-{entry.pk}"]')
    buttons = {b.get("value"): b.text for b in row.findall(".//button[@name='action']")}
    assert buttons == {"retry": "फिर कोशिश करें", "dismiss": "ख़ारिज करें"}
    assert row.find('td[@class="reason"]').get("data-label") == "कारण"
    # The pipeline's reason is its own English, said so.
    assert row.find('td[@class="reason"]/span').get("lang") == "en"
    bytes_page = page(client, f"/desk/quarantine/{entry.pk}/")
    assert (lang(bytes_page), bytes_page.find(".//main").get("lang")) == ("hi", None)
    assert bytes_page.find(".//main/h1").text == "क्वारंटीन किए गए बाइट"
    terms = [dt.text for dt in bytes_page.findall('.//dl[@class="entry"]/dt')]
    assert terms == ["फ़ीड", "डिलीवरी", "मिली", "कारण", "ऐसे पढ़ा गया"]


def test_the_alerts_page_is_in_hindi_its_actions_english(client, editor):
    client.cookies[COOKIE] = "hi"
    row = AlertDestination.objects.create(kind="slack", target="https://hooks.example/x")
    alerts = page(client, "/desk/alerts/")
    assert (lang(alerts), alerts.find(".//main").get("lang")) == ("hi", None)
    assert alerts.find(".//main/h1").text == "अलर्ट"
    assert [h2.text for h2 in alerts.findall(".//main/h2")] == [
        "wiredesk.toml से",
        "डेस्क पर तय",
        "गंतव्य जोड़ें",
        "पिछले अलर्ट",
    ]
    assert column_headers(alerts, "desk-destinations")[:5] == [
        "नाम",
        "प्रकार",
        "किसे",
        "घटनाएँ",
        "चालू",
    ]
    destination = alerts.find(f'.//tr[@id="destination-{row.pk}"]')
    buttons = {b.get("value"): b.text for b in destination.findall(".//button[@name='action']")}
    assert buttons == {"test": "टेस्ट भेजें", "disable": "बंद करें", "delete": "हटाएँ"}
    assert destination.findtext("td[5]") == "चालू"
    add = alerts.find('.//form[@class="alert-destination"]')
    assert add.find('.//button[@type="submit"]').text == "जोड़ें"
    kinds = {o.get("value"): o.text for o in add.findall('.//select[@name="kind"]/option')}
    assert kinds["slack"] == "Slack जैसा वेबहुक"


def test_the_kill_confirmations_are_in_hindi_their_action_english(client, editor, held):
    client.cookies[COOKIE] = "hi"
    kill = page(client, f"/desk/story/{held.pk}/kill")
    assert (lang(kill), kill.find(".//main").get("lang")) == ("hi", None)
    assert kill.find(".//main//h1").text == "यह ख़बर किल करें?"
    assert kill.find('.//p[@class="headline"]/strong').text == held.headline
    form = kill.find('.//form[@method="post"]')
    assert form.find('.//input[@name="action"]').get("value") == "kill"
    assert form.find('.//button[@class="a-kill"]').text == "हमेशा के लिए किल करें"
    surfaces = [li.text for li in kill.findall('.//ul[@class="surfaces"]/li')]
    assert surfaces[3] == "साइट की खोज" and len(surfaces) == len(words.KILL_SURFACES)
    picked = client.post("/desk/wire/act", {"action": "kill", "story": [held.pk]})
    assert picked.status_code == 200
    bulk = lxml.html.fromstring(picked.content.decode())
    assert (lang(bulk), bulk.find(".//main").get("lang")) == ("hi", None)
    assert bulk.find(".//main//h1").text == "यह ख़बर किल करें?"
    assert bulk.find('.//button[@class="a-kill"]').text == "1 हमेशा के लिए किल करें"
    assert bulk.find('.//input[@name="action"]').get("value") == "kill"


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
    assert audit.find(".//main/h1").text == "Audit"
    assert column_headers(audit, "audit") == ["When", "What", "Story or feed", "Who", "Why"]
    kill = page(client, f"/desk/story/{held.pk}/kill")
    assert (lang(kill), kill.find(".//main//h1").text) == ("en", "Kill this story?")
    assert kill.find('.//button[@class="a-kill"]').text == "Kill for good"


def test_a_language_whose_catalogue_lacks_the_desk_s_words_says_english(client, editor, held):
    # Marathi's catalogue has the site's most visible words, not the desk's yet.
    client.cookies[COOKIE] = "mr"
    wire = page(client, "/desk/")
    assert lang(wire) == "en"
    assert wire.find(".//main/h1").text == "Wire"
