"""Non-ASCII text and huge numbers in every query parameter, path number and header read:
a 4xx, or a normal answer that ignores the value, never a 500 (issue 27, item 7).

Numbers past 2**63 - 1 (the bigint both SQLite and PostgreSQL stop at) are the
classic trap: Python's int takes them, the database driver does not.
"""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from wiredesk.sources.models import Feed
from wiredesk.stories.models import LifecycleEvent, Section, Story

from .conftest import SEED_V1, SEED_V2

pytestmark = pytest.mark.django_db

BIGINT_PLUS_ONE = str(2**63)
# Each is something a view might feed to int() or to the database unchecked.
BAD_NUMBERS = [
    "9" * 30,  # past any integer column
    BIGINT_PLUS_ONE,
    "9" * 401,  # past a float as well
    "9" * 5000,  # past what int() parses from text (4,300 digits)
    "-" + "9" * 30,
    "1e400",
    "²",  # str.isdigit() says yes; int() says no
    "\u0661\u0662\u0663",  # Arabic-Indic digits: int() takes them
    "\uff11\uff10",  # fullwidth digits: int() takes them too
]
BAD_TEXT = ["é", "日本語", "\u202e", "ﬀ" * 300]
BAD_VALUES = BAD_NUMBERS + BAD_TEXT


def as_sent(value: str) -> str:
    """Return a header value as a WSGI server hands it on: its UTF-8 bytes read as Latin-1."""
    return value.encode("utf-8").decode("latin-1")


@pytest.fixture
def story(ingest) -> Story:
    Section.objects.create(name="World", slug="world")
    ingest(SEED_V1)
    return Story.objects.get()


@pytest.fixture
def anyone() -> Client:
    return Client(raise_request_exception=False)


@pytest.fixture
def superuser(feeds) -> Client:
    client = Client(raise_request_exception=False)
    user = get_user_model().objects.create_superuser("root", "root@news.example", "pw-123456789")
    client.force_login(user)
    return client


def failures(client: Client, method: str, url: str, **kwargs) -> list[str]:
    """Return the requests (one per bad value) that got a 5xx; `kwargs` builds each request."""
    found = []
    for value in BAD_VALUES:
        params = {name: value for name in kwargs.get("params", ())}
        headers = {name: as_sent(value) for name in kwargs.get("headers", ())}
        answer = getattr(client, method)(url.format(value), params, **headers)
        if answer.status_code >= 500:
            found.append(f"{method.upper()} {url} {params or headers} -> {answer.status_code}")
    return found


SITE = [
    ("/", ["page", "before", "after"]),
    ("/agency/ians/", ["page", "before", "after"]),
    ("/section/world/", ["page", "before", "after"]),
    ("/topic/world/", ["page", "before", "after"]),
    ("/search", ["q", "page"]),
    ("/feeds/rss.xml", ["page", "p"]),
    ("/feeds/atom.xml", ["page"]),
    ("/feeds/feed.json", ["page"]),
    ("/agency/ians/rss.xml", ["page"]),
    ("/sitemap.xml", ["p"]),
    ("/sitemap-stories.xml", ["p"]),
    ("/sitemap-news.xml", ["p"]),
    ("/robots.txt", ["p"]),
    ("/api/v1/stories", ["limit", "cursor", "since", "q", "agency", "topic", "language"]),
    ("/api/v1/agencies", ["limit"]),
    ("/api/v1/stories/1/ninjs", ["version"]),
]


@pytest.mark.parametrize(("url", "params"), SITE)
def test_reader_pages_feeds_sitemaps_and_api_never_fail_on_a_bad_query_parameter(
    anyone, story, url, params
):
    assert failures(anyone, "get", url, params=params) == []


@pytest.mark.parametrize(
    "url",
    [
        "/story/{}/",
        "/story/{}/a-slug/",
        "/story/{}/a-slug/versions/",
        "/api/v1/stories/{}",
        "/api/v1/stories/{}/ninjs",
    ],
)
def test_a_huge_or_foreign_story_number_in_a_reader_address_is_never_a_500(anyone, story, url):
    assert failures(anyone, "get", url) == []


@pytest.mark.parametrize(
    ("url", "headers"),
    [
        ("/", ["HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_ACCEPT_ENCODING"]),
        ("/feeds/rss.xml", ["HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_AUTHORIZATION"]),
        ("/api/v1/stories", ["HTTP_AUTHORIZATION"]),
        ("/api/v1/stories", ["HTTP_IF_NONE_MATCH"]),
        ("/api/v1/stories", ["REMOTE_ADDR"]),
        ("/story/1/", ["HTTP_RANGE", "HTTP_COOKIE"]),
    ],
)
def test_reader_answers_never_fail_on_a_bad_header(anyone, story, url, headers):
    assert failures(anyone, "get", url, headers=headers) == []


def test_a_bearer_token_with_foreign_characters_is_refused_by_the_api(anyone, story):
    for token in BAD_VALUES:
        answer = anyone.get("/api/v1/stories", HTTP_AUTHORIZATION=as_sent(f"Bearer {token}"))
        assert answer.status_code == 401, token


DESK = [
    ("/desk/", ["before", "urgency", "since", "agency", "feed", "section", "state", "q"]),
    ("/desk/wire/rows", ["after", "urgency", "agency", "feed", "state", "q"]),
    ("/desk/quarantine/", ["page", "show", "feed"]),
    ("/desk/audit/", ["story", "page", "agency", "feed", "kind", "user"]),
    ("/desk/feeds/", ["page"]),
]


@pytest.mark.parametrize(("url", "params"), DESK)
def test_desk_pages_never_fail_on_a_bad_query_parameter(superuser, story, url, params):
    assert failures(superuser, "get", url, params=params) == []


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/desk/story/{}/"),
        ("post", "/desk/story/{}/act"),
        ("get", "/desk/delivery/{}/raw"),
        ("post", "/desk/feeds/{}/act"),
        ("get", "/desk/quarantine/{}/raw"),
        ("post", "/desk/quarantine/{}/act"),
    ],
)
def test_a_huge_number_in_a_desk_address_is_never_a_500(superuser, story, method, url):
    assert failures(superuser, method, url) == []


def test_the_audit_log_filtered_by_a_story_past_bigint_is_a_400(superuser, story):
    for number in ("9" * 30, BIGINT_PLUS_ONE, "²"):
        answer = superuser.get("/desk/audit/", {"story": number})
        assert answer.status_code == 400, number
        assert b"'story' must be a whole number" in answer.content
    assert superuser.get("/desk/audit/", {"story": str(story.pk)}).status_code == 200


def test_the_wire_and_its_new_rows_past_bigint_or_in_foreign_digits_are_a_400(superuser, story):
    for name in ("before", "urgency"):
        for number in ("9" * 30, "²", "\u0661\u0662\u0663"):
            assert superuser.get("/desk/", {name: number}).status_code == 400, (name, number)
    for after in ("9" * 30, "1e400", "é"):
        assert superuser.get("/desk/wire/rows", {"after": after}).status_code == 400, after
    assert superuser.get("/desk/wire/rows", {"after": "0"}).json()["count"] == 1


def test_a_page_number_in_foreign_digits_or_past_a_million_is_not_found(anyone, story):
    for url in ("/", "/agency/ians/", "/section/world/", "/topic/world/"):
        for number in ("²", "\u0661", "9" * 30, "9" * 5000):
            assert anyone.get(url, {"page": number}).status_code == 404, (url, number)
    assert anyone.get("/", {"page": "1"}).status_code == 200


def test_the_desk_s_number_filters_are_not_checked_where_nothing_reads_them(anyone, story):
    assert anyone.get("/api/v1/stories", {"before": "²", "story": "9" * 30}).status_code == 200


# -- push and WebSub --------------------------------------------------------------------------


@pytest.fixture
def push_feed(feeds, monkeypatch) -> Feed:
    monkeypatch.setenv("TEST_PUSH_SECRET", "push-secret")
    return Feed.objects.create(
        agency=feeds["ians"].agency,
        slug="ians-push",
        transport="push",
        location="-",
        options={"secret_env": "TEST_PUSH_SECRET"},
    )


@pytest.fixture
def websub_feed(feeds, monkeypatch) -> Feed:
    monkeypatch.setenv("TEST_WEBSUB_SECRET", "hub-secret")
    return Feed.objects.create(
        agency=feeds["ians"].agency,
        slug="ians-websub",
        transport="websub",
        location="https://agency.example/topic.xml",
        options={"secret_env": "TEST_WEBSUB_SECRET"},
    )


@pytest.mark.parametrize("header", ["HTTP_X_WIREDESK_SIGNATURE", "HTTP_AUTHORIZATION"])
def test_a_push_with_a_foreign_character_in_its_proof_is_refused_with_401(
    anyone, push_feed, header
):
    for value in BAD_VALUES:
        for shown in (value, f"sha256={value}", f"Bearer {value}"):
            answer = anyone.post(
                "/push/ians-push/",
                b"<x/>",
                content_type="application/xml",
                **{header: as_sent(shown)},
            )
            assert answer.status_code == 401, (header, shown)


def test_a_websub_distribution_with_a_foreign_character_in_its_signature_is_refused_with_403(
    anyone, websub_feed
):
    for value in BAD_VALUES:
        for shown in (value, f"sha1={value}", f"sha256={value}"):
            answer = anyone.post(
                "/websub/ians-websub/",
                b"<x/>",
                content_type="application/xml",
                HTTP_X_HUB_SIGNATURE=as_sent(shown),
            )
            assert answer.status_code == 403, shown


@pytest.mark.parametrize("url", ["/push/ians-push/", "/websub/ians-websub/"])
def test_a_content_length_that_is_no_plain_number_is_never_a_500(
    anyone, push_feed, websub_feed, url
):
    for value in BAD_NUMBERS:
        answer = anyone.post(
            url, b"<x/>", content_type="application/xml", CONTENT_LENGTH=as_sent(value)
        )
        assert answer.status_code < 500, value


@pytest.mark.parametrize(
    "name", ["hub.mode", "hub.topic", "hub.challenge", "hub.lease_seconds", "hub.reason"]
)
def test_a_websub_intent_check_never_fails_on_a_bad_parameter(anyone, websub_feed, name):
    topic = websub_feed.location
    for mode in ("subscribe", "unsubscribe", "denied"):
        check = {"hub.mode": mode, "hub.topic": topic, "hub.challenge": "c-1", "token": "t-1"}
        for value in BAD_VALUES:
            # A request of ours pending each time, with its token, so that a bad value
            # gets as far as it can.
            pending = {
                "mode": "unsubscribe" if mode == "unsubscribe" else "subscribe",
                "topic": topic,
                "lease_seconds": 3600,
                "at": time.time(),
                "token": "t-1",
            }
            Feed.objects.filter(pk=websub_feed.pk).update(checkpoint={"pending_request": pending})
            answer = anyone.get("/websub/ians-websub/", {**check, name: value})
            assert answer.status_code < 500, (mode, name, value)


@pytest.mark.parametrize("action", ["withhold", "kill"])
def test_a_reason_typed_with_control_characters_is_kept_without_them_never_a_500(
    superuser, story, action
):
    # PostgreSQL refuses a NUL in text; the reason's words are kept, the NUL is not.
    answer = superuser.post(
        f"/desk/story/{story.pk}/act", {"action": action, "reason": "court\x00 order\x0b 12\ufffe"}
    )
    assert answer.status_code == 302
    logged = LifecycleEvent.objects.filter(story=story).order_by("-id").first()
    assert logged is not None and logged.reason == "court order 12"
    story.refresh_from_db()
    assert story.state == {"withhold": "withheld", "kill": "killed"}[action]


@pytest.mark.parametrize("field", ["publish_delay_minutes", "hold_urgency"])
def test_a_feed_setting_past_its_range_is_refused_and_ingest_goes_on(
    superuser, story, ingest, field
):
    # SQLite keeps any 64-bit number: a delay of 10**18 minutes was stored, and
    # every later delivery of the feed failed on timedelta's range.
    feed = Feed.objects.get(slug="ians-inbox")
    before = getattr(feed, field)
    good = "5" if field == "hold_urgency" else "20"
    for value in ("9" * 18, "0" if field == "hold_urgency" else "10081", good):
        answer = superuser.post(
            f"/desk/feeds/{feed.pk}/act",
            {
                "action": "settings",
                "publishing": "delay",
                "publish_delay_minutes": "10",
                "hold_urgency": "",
                "hold_keywords": "",
                "encoding": "",
                field: value,
            },
        )
        assert answer.status_code == 302, value
        feed.refresh_from_db()
        assert getattr(feed, field) == (int(good) if value == good else before), value
    assert ingest(SEED_V2).ok


@pytest.mark.parametrize("forwarded", [*BAD_VALUES, "999.1.1.1", "::g", "1.2.3.4:99999"])
def test_a_login_through_a_proxy_never_fails_on_a_bad_x_forwarded_for(anyone, settings, forwarded):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    answer = anyone.post(
        "/admin/login/?next=/admin/",
        {"username": "root", "password": "no"},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR=as_sent(forwarded),
    )
    assert answer.status_code < 500, forwarded
