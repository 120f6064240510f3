"""Every ninjs the API emits validates against the official 2.2 and 3.1 schemas (offline)."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

from wiredesk.stories.models import Story

from .conftest import DATA, SEED_V1, SEED_V2

SCHEMAS = DATA / "ninjs-schemas"
GEOJSON_URL = "https://geojson.org/schema/GeoJSON.json"


def validator(version: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / f"ninjs-schema_{version}.json").read_text())
    geojson = json.loads((SCHEMAS / "GeoJSON-schema.json").read_text())
    # The schemas $ref GeoJSON remotely: register it locally, so validation never goes online.
    registry = Registry().with_resources(
        [
            (GEOJSON_URL, Resource.from_contents(geojson)),
            (GEOJSON_URL + "#", Resource.from_contents(geojson)),
        ]
    )
    return Draft202012Validator(schema, registry=registry, format_checker=FormatChecker())


@pytest.mark.parametrize("version", ["2.2", "3.1"])
def test_official_examples_validate_with_our_setup(version):
    # A check of the check: the official examples pass and a broken document fails.
    check = validator(version)
    example = json.loads(
        (DATA / "iptc" / "ninjs" / version / "005_complex_text_article.json").read_text()
    )
    check.validate(example)
    assert list(check.iter_errors({"uri": 5}))


@pytest.mark.parametrize("version", ["2.2", "3.1"])
def test_every_bundled_story_as_ninjs_is_valid(client, all_bundled, version):
    check = validator(version)
    for story in Story.objects.all():
        response = client.get(f"/api/v1/stories/{story.pk}/ninjs", {"version": version})
        assert response.status_code == 200
        document = response.json()
        errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in check.iter_errors(document)]
        assert errors == [], (story.pk, errors)
        assert document["standard"]["version"] == version


def test_ninjs_fields_of_the_seed_story(client, ingest):
    ingest(SEED_V1)
    ingest(SEED_V2)
    story = Story.objects.get()
    three = client.get(f"/api/v1/stories/{story.pk}/ninjs").json()
    assert three["uri"] == f"https://news.example/story/{story.pk}/"
    assert three["versionCreated"] == "2021-10-14T09:50:13+05:30"
    assert three["firstCreated"] == "2021-10-14T09:39:03+05:30"
    assert three["headlines"] == [{"role": "main", "value": story.headline}]
    assert three["bodies"][1]["value"] == story.body_text
    assert three["located"] == "Seoul"
    two = client.get(f"/api/v1/stories/{story.pk}/ninjs", {"version": "2.2"}).json()
    assert two["versioncreated"] == three["versionCreated"] and "versionCreated" not in two
    assert client.get(f"/api/v1/stories/{story.pk}/ninjs", {"version": "9.9"}).status_code == 422


@pytest.mark.parametrize("version", ["2.2", "3.1"])
def test_killed_story_is_valid_ninjs_with_pub_status_canceled(client, ingest, feeds, version):
    from datetime import UTC, datetime

    from wiredesk.ingest.pipeline import ingest_bytes

    from .wire_builder import g2_item

    when = datetime(2021, 10, 14, tzinfo=UTC)
    ingest_bytes(feeds["ians"], g2_item("urn:k", 1, when), "a.xml")
    ingest_bytes(
        feeds["ians"], g2_item("urn:k", 2, when.replace(hour=1), status="canceled"), "b.xml"
    )
    story = Story.objects.get()
    response = client.get(f"/api/v1/stories/{story.pk}/ninjs", {"version": version})
    assert response.status_code == 410
    document = response.json()
    validator(version).validate(document)
    assert document["pubStatus" if version == "3.1" else "pubstatus"] == "canceled"
    assert "bodies" not in document and "headlines" not in document
