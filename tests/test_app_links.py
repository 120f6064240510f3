"""Open in app: .well-known files from settings, the iOS smart banner, the story's deep link."""

from __future__ import annotations

import lxml.html
import pytest

from wiredesk.stories.models import Story

from .conftest import SEED_V1
from .options import with_options


@pytest.fixture
def app_settings(settings):
    with_options(
        settings,
        site={
            "app": {
                "android_package": "com.example.news",
                "android_sha256_fingerprints": ("14:6D:E9:83:C5:73:06:50:D8:EE:B9:95:2F:34:FC:64",),
                "ios_app_ids": ("ABCDE12345.com.example.news",),
                "ios_app_store_id": "123456789",
            }
        },
    )


def test_assetlinks_json(client, app_settings):
    response = client.get("/.well-known/assetlinks.json")
    assert response["Content-Type"] == "application/json"
    [statement] = response.json()
    assert statement["relation"] == ["delegate_permission/common.handle_all_urls"]
    assert statement["target"]["package_name"] == "com.example.news"
    assert statement["target"]["sha256_cert_fingerprints"][0].startswith("14:6D")


def test_apple_app_site_association_is_json_without_redirect(client, app_settings):
    response = client.get("/.well-known/apple-app-site-association")
    assert response.status_code == 200  # no redirect, no extension
    assert response["Content-Type"] == "application/json"
    assert response.json()["applinks"]["details"][0]["appIDs"] == ["ABCDE12345.com.example.news"]


def test_no_app_no_files(client, db):
    assert client.get("/.well-known/assetlinks.json").status_code == 404
    assert client.get("/.well-known/apple-app-site-association").status_code == 404


def test_story_page_has_the_ios_banner_and_deep_link(client, ingest, app_settings):
    ingest(SEED_V1)
    story = Story.objects.get()
    tree = lxml.html.fromstring(client.get(story.get_absolute_url()).content)
    banner = tree.xpath('//meta[@name="apple-itunes-app"]/@content')[0]
    assert (
        banner == f"app-id=123456789, app-argument=https://news.example{story.get_absolute_url()}"
    )
    assert tree.xpath('//a[@class="app-link"]/@href') == [f"newsexample://story/{story.pk}"]
