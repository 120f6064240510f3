"""Load from crawlers and apps is shed, not suffered: per-client limits on search and the API.

Each client may send so many searches (`[site] search_per_minute`) and API
requests (`[api] anonymous_per_minute`; a token client its own
`requests_per_minute`) a minute; over that it is answered 429 with
Retry-After, while every other client is served. A client is its address as
the trusted proxies report it. A failing cache lifts the limits: slower,
never a 500.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import time_machine

from wiredesk.api.models import ApiClient

from .options import with_options
from .test_redis_outage import free_port

PROXY = "10.0.0.5"  # the reverse proxy in front, as Wiredesk sees it
CLIENT_A, CLIENT_B = "203.0.113.9", "198.51.100.7"
CLIENT_C, CLIENT_D = "192.0.2.10", "192.0.2.20"
# Five seconds into a minute: 55 until the next window.
MOMENT = datetime(2026, 12, 6, 12, 0, 5, tzinfo=UTC)

SHAPES = {
    "search": "/search?q=monsoon",
    "api list since": "/api/v1/stories?since=2021-10-14T09%3A39%3A03%2B05%3A30",
    "api search": "/api/v1/stories?q=monsoon",
}


@pytest.fixture(autouse=True)
def clock():
    """Stop the clock five seconds into a minute: each test's counting starts a fresh window."""
    with time_machine.travel(MOMENT, tick=False) as traveller:
        yield traveller


@pytest.fixture
def limits(settings, db):
    """Set the search and anonymous API limits (requests a minute per client)."""

    def limit(search: int = 2, api: int = 2) -> None:
        with_options(
            settings, site={"search_per_minute": search}, api={"anonymous_per_minute": api}
        )

    limit()
    return limit


def ask(client, path: str, address: str, forwarded: str | None = None, token: str | None = None):
    headers = {"REMOTE_ADDR": address}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    if token is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client.get(path, **headers)


def statuses(client, path: str, times: int, *args, **kwargs) -> list[int]:
    return [ask(client, path, *args, **kwargs).status_code for _ in range(times)]


def assert_shed(answer, path: str) -> None:
    """A 429 that says when to ask again, in a short body, and is never kept."""
    assert answer.status_code == 429
    assert answer["Retry-After"] == "55"
    assert "no-store" in answer["Cache-Control"]
    if path.startswith("/api/"):
        assert answer["Content-Type"].startswith("application/json")
        assert "55" in json.loads(answer.content)["detail"]
    else:
        assert answer["Content-Type"].startswith("text/plain")
        assert len(answer.content) < 200 and b"55" in answer.content


@pytest.mark.parametrize("path", SHAPES.values(), ids=SHAPES.keys())
def test_over_the_limit_a_client_is_shed_and_another_is_served(client, limits, settings, path):
    settings.TRUSTED_PROXIES = [PROXY]
    assert statuses(client, path, 2, CLIENT_A) == [200, 200]
    assert_shed(ask(client, path, CLIENT_A), path)
    assert ask(client, path, CLIENT_B).status_code == 200  # another address
    # Behind the trusted proxy: each client by its own X-Forwarded-For.
    assert statuses(client, path, 3, PROXY, forwarded=CLIENT_C) == [200, 200, 429]
    assert ask(client, path, PROXY, forwarded=CLIENT_D).status_code == 200
    # An untrusted peer's X-Forwarded-For is its own word: it does not make it another client.
    assert ask(client, path, CLIENT_A, forwarded=CLIENT_D).status_code == 429


@pytest.mark.parametrize("path", SHAPES.values(), ids=SHAPES.keys())
def test_the_window_resets_after_retry_after(client, limits, clock, path):
    assert statuses(client, path, 2, CLIENT_A) == [200, 200]
    assert_shed(ask(client, path, CLIENT_A), path)  # Retry-After: 55
    clock.shift(54)  # still this minute
    last = ask(client, path, CLIENT_A)
    assert last.status_code == 429 and last["Retry-After"] == "1"
    clock.shift(1)
    assert statuses(client, path, 3, CLIENT_A) == [200, 200, 429]


def test_an_ipv6_client_is_counted_by_its_64(client, limits):
    path = SHAPES["search"]
    assert statuses(client, path, 2, "2001:db8:0:1::1") == [200, 200]
    assert ask(client, path, "2001:db8:0:1::2").status_code == 429  # the same /64
    assert ask(client, path, "2001:db8:0:2::1").status_code == 200


def test_a_token_client_is_limited_by_its_token_not_by_a_shared_address(client, limits):
    """Apps behind one address (an office, a carrier's NAT): each token its own rate."""
    slow = ApiClient.objects.create(name="slow", requests_per_minute=3)
    fast = ApiClient.objects.create(name="fast", requests_per_minute=100)
    unlimited = ApiClient.objects.create(name="partner", requests_per_minute=0)
    path = SHAPES["api list since"]
    assert statuses(client, path, 3, CLIENT_A) == [200, 200, 429]  # the address's own share
    answers = [ask(client, path, CLIENT_A, token=slow.token) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert_shed(answers[-1], path)
    assert ask(client, path, CLIENT_B, token=slow.token).status_code == 429  # the token, anywhere
    assert statuses(client, SHAPES["api search"], 5, CLIENT_A, token=fast.token) == [200] * 5
    assert statuses(client, path, 10, CLIENT_A, token=unlimited.token) == [200] * 10
    # Tokens are not the address's: another address still has its whole share.
    assert statuses(client, path, 3, CLIENT_B) == [200, 200, 429]
    # A token that is no client's is no way around the address's limit.
    assert ask(client, path, CLIENT_A, token="not-a-token").status_code == 429
    assert ask(client, path, CLIENT_C, token="not-a-token").status_code == 401


@pytest.mark.parametrize(
    "ignore_exceptions", [True, False], ids=["errors ignored", "errors raised"]
)
def test_a_failing_cache_lifts_the_limits_and_never_answers_500(
    client, limits, settings, ignore_exceptions
):
    limits(search=1, api=1)
    app = ApiClient.objects.create(name="app", requests_per_minute=1)
    # Redis away: the cache points at a port nothing listens on. With errors
    # ignored (the site's settings) every cache call answers None; raised,
    # they are the backend's ConnectionError.
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": ignore_exceptions,
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
            },
        }
    }
    for path in SHAPES.values():
        assert statuses(client, path, 3, CLIENT_A) == [200] * 3, path
    assert statuses(client, SHAPES["api list since"], 3, CLIENT_A, token=app.token) == [200] * 3
