"""Parameters no one can mean get 400 with a reason, on every engine, never a 500."""

from __future__ import annotations

import base64

import pytest

from .conftest import SEED_V1


@pytest.mark.parametrize(
    "url",
    [
        "/search?q=%00",
        "/search?q=kim%00jong",
        "/api/v1/stories?q=%00",
        "/api/v1/stories?agency=%00",
        "/api/v1/stories?topic=wo%00rld",
        "/api/v1/stories?language=e%00n",
        "/?page=%01",
    ],
)
def test_a_control_character_in_a_parameter_is_a_400_with_a_reason(client, ingest, url):
    ingest(SEED_V1)
    response = client.get(url)
    assert response.status_code == 400
    assert "control character" in response.content.decode()


def cursor_of(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "params",
    [
        {"since": "9999-12-31T23:59:59-14:00"},
        {"since": "0001-01-01T00:00:00+14:00"},
        {"cursor": cursor_of("9999-12-31T23:59:59-14:00|5")},
        {"cursor": cursor_of("2021-10-14T09:39:03+05:30|99999999999999999999999")},
        {"cursor": cursor_of("2021-10-14T09:39:03+05:30|-3")},
        {"cursor": "x" * 5000},
    ],
)
def test_out_of_range_times_and_crafted_cursors_are_a_400(client, ingest, params):
    ingest(SEED_V1)
    response = client.get("/api/v1/stories", params)
    assert response.status_code == 400, response.content
    assert response.json()["detail"]
