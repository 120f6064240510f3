"""The login throttle behind proxies: each client is throttled by its own address.

Behind a reverse proxy every request comes from the proxy's address; keyed
on that, five wrong passwords from anyone would lock the real editor out.
The client's address is read from X-Forwarded-For, from the right, only
when the request comes from a trusted proxy (WIREDESK_TRUSTED_PROXIES), and
a lock-out holds one (username, address) pair, never the username alone.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import RequestFactory

from wiredesk.site.clients import client_address

PROXY = "10.0.0.5"  # the reverse proxy in front, as Wiredesk sees it
CLIENT_A, CLIENT_B = "203.0.113.9", "198.51.100.7"
RIGHT = "right-password-42"


@pytest.fixture(autouse=True)
def _quick_hashing(settings):
    """Many logins a test: a fast hasher (the throttle, not the hashing, is under test)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def editor(db):
    return User.objects.create_superuser("editor", "editor@news.example", RIGHT)


def login(
    client, password: str, peer: str = PROXY, forwarded: str | None = None, username: str = "editor"
) -> int:
    headers = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    answer = client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": password}, **headers
    )
    client.logout()
    return answer.status_code


def guess(client, times: int, **where) -> list[int]:
    return [login(client, f"guess-{n}", **where) for n in range(times)]


def test_behind_a_trusted_proxy_a_guessing_client_is_locked_and_the_editor_elsewhere_logs_in(
    client, editor, settings
):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    answers = guess(client, 6, forwarded=CLIENT_A)
    assert answers[:4] == [200] * 4 and answers[4:] == [429, 429]  # A is locked out ...
    assert login(client, RIGHT, forwarded=CLIENT_A) == 429  # ... even with the right password
    # ... but the editor, through the same proxy from their own address, logs in.
    assert login(client, RIGHT, forwarded=CLIENT_B) == 302
    # Entries the client wrote itself (left of what the proxy appended) change nothing.
    assert login(client, RIGHT, forwarded=f"{CLIENT_B}, {CLIENT_A}") == 429


def test_an_untrusted_peer_cannot_spoof_itself_out_of_a_lock_with_x_forwarded_for(
    client, editor, settings
):
    settings.TRUSTED_PROXIES = [PROXY]
    assert guess(client, 5, peer=CLIENT_A)[-1] == 429  # straight to Wiredesk, not via the proxy
    for forged in (CLIENT_B, f"{CLIENT_B}, {PROXY}", "10.0.0.99"):
        assert login(client, RIGHT, peer=CLIENT_A, forwarded=forged) == 429, forged
    assert login(client, RIGHT, peer=CLIENT_B) == 302  # the editor from elsewhere


def test_a_chain_of_trusted_proxies_is_skipped_from_the_right(client, editor, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "2001:db8::/32"]
    chain = f"{CLIENT_A}, 10.1.2.3, 2001:db8::7"  # client, CDN edge, load balancer
    assert guess(client, 5, forwarded=chain)[-1] == 429
    assert login(client, RIGHT, forwarded=f"{CLIENT_B}, 10.1.2.3, 2001:db8::7") == 302


def test_a_count_of_proxies_reads_that_many_entries_from_the_right(client, editor, settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert guess(client, 5, forwarded=f"192.0.2.1, {CLIENT_A}, 10.9.9.9")[-1] == 429
    assert login(client, RIGHT, forwarded=f"192.0.2.1, {CLIENT_B}, 10.9.9.9") == 302


def test_without_a_proxy_configured_the_peer_address_is_the_client_as_before(
    client, editor, settings
):
    assert settings.TRUSTED_PROXIES == [] and settings.TRUSTED_PROXY_COUNT == 0
    assert guess(client, 5, peer=CLIENT_A, forwarded=CLIENT_B)[-1] == 429
    assert login(client, RIGHT, peer=CLIENT_A, forwarded=CLIENT_B) == 429  # the header ignored
    assert login(client, RIGHT, peer=CLIENT_B) == 302


def test_strangers_cannot_lock_a_user_out_of_every_address(client, editor, settings):
    settings.TRUSTED_PROXIES = [PROXY]
    for n in range(4):  # guesses for "editor" from four addresses, five from each
        assert guess(client, 5, forwarded=f"192.0.2.{n}")[-1] == 429
    assert login(client, RIGHT, forwarded=CLIENT_B) == 302


def test_a_guesser_logging_into_his_own_account_keeps_his_guesses_at_another_s(
    client, editor, settings
):
    # A login forgets failures (AXES_RESET_ON_SUCCESS), but only its own pair's
    # (AXES_LOCKOUT_PARAMETERS), never every failure from its address: a guesser with
    # an account cannot clear his count against the editor by logging into his own.
    settings.TRUSTED_PROXIES = [PROXY]
    User.objects.create_user("mallory", password="mallory-password-42", is_staff=True)
    assert guess(client, 4, forwarded=CLIENT_A) == [200] * 4
    assert login(client, "mallory-password-42", forwarded=CLIENT_A, username="mallory") == 302
    assert guess(client, 1, forwarded=CLIENT_A) == [429]  # the fifth: the pair is locked
    assert login(client, RIGHT, forwarded=CLIENT_A) == 429
    assert login(client, RIGHT, forwarded=CLIENT_B) == 302


def test_a_cap_per_address_across_usernames_stops_password_spraying(client, editor, settings):
    settings.TRUSTED_PROXIES = [PROXY]
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 12
    answers = [
        login(client, "Summer2026!", forwarded=CLIENT_A, username=f"user{n}") for n in range(13)
    ]
    assert answers[:11] == [200] * 11 and answers[11:] == [429, 429]
    assert login(client, RIGHT, forwarded=CLIENT_A) == 429  # that address, whoever it names
    assert login(client, RIGHT, forwarded=CLIENT_B) == 302  # the editor's own address is not


@pytest.mark.parametrize(
    ("trusted", "count", "peer", "forwarded", "expected"),
    [
        ([], 0, "10.0.0.5", "203.0.113.9", "10.0.0.5"),
        (["10.0.0.5"], 0, "10.0.0.5", "203.0.113.9", "203.0.113.9"),
        (["10.0.0.5"], 0, "10.0.0.6", "203.0.113.9", "10.0.0.6"),
        (["10.0.0.5"], 0, "10.0.0.5", "", "10.0.0.5"),
        (["10.0.0.5"], 0, "10.0.0.5", "evil, 203.0.113.9", "203.0.113.9"),
        (["10.0.0.5"], 0, "10.0.0.5", "203.0.113.9, not-an-address", "10.0.0.5"),
        (["10.0.0.5"], 0, "10.0.0.5", "203.0.113.9:5123", "203.0.113.9"),
        (["10.0.0.5"], 0, "10.0.0.5", "[2001:db8::1]:443", "2001:db8::1"),
        (["10.0.0.0/8"], 0, "::ffff:10.0.0.5", "10.2.2.2, 10.3.3.3", "10.2.2.2"),
        ([], 1, "10.0.0.5", "198.51.100.1, 203.0.113.9", "203.0.113.9"),
        ([], 2, "10.0.0.5", "203.0.113.9", "10.0.0.5"),  # fewer hops than proxies
        (["10.0.0.5"], 1, "192.0.2.50", "203.0.113.9", "192.0.2.50"),
    ],
)
def test_the_client_address(settings, trusted, count, peer, forwarded, expected):
    settings.TRUSTED_PROXIES, settings.TRUSTED_PROXY_COUNT = trusted, count
    request = RequestFactory().get("/", REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def test_a_trusted_proxy_that_is_not_an_address_stops_the_start(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("WIREDESK_")}
    env.update(
        WIREDESK_DATA_DIR=str(tmp_path),
        WIREDESK_TRUSTED_PROXIES="10.0.0.5,proxy.local",
        DJANGO_SETTINGS_MODULE="wiredesk.config.settings",
    )
    result = subprocess.run(
        [sys.executable, "-m", "django", "check"],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode != 0
    assert "WIREDESK_TRUSTED_PROXIES: 'proxy.local' does not appear to be" in result.stderr
