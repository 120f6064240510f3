"""Sources: declared in wiredesk.toml, applied idempotently, editable in the admin."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from wiredesk.config.loader import load_config
from wiredesk.demo.setup import CONFIG
from wiredesk.sources.models import Agency, Feed
from wiredesk.sources.services import sync_sources

TOML = """
[[agencies]]
slug = "ians"
name = "IANS"
time_zone = "Asia/Kolkata"

  [[agencies.feeds]]
  slug = "ians-ftp"
  transport = "folder"
  location = "inbox/ians"
  poll_interval = 5

  [[agencies.feeds]]
  slug = "ians-rss"
  transport = "http"
  location = "https://ians.example/rss"
  format = "rss2"
  encoding = "iso-8859-1"
  full_text = true
  auth = "basic"
  username = "publisher"
  password_env = "IANS_TEST_PASSWORD"
"""


@pytest.fixture
def config_file(tmp_path, monkeypatch):
    monkeypatch.setenv("IANS_TEST_PASSWORD", "s3cret")
    path = tmp_path / "wiredesk.toml"
    path.write_text(TOML)
    return path


@pytest.mark.django_db
def test_sources_sync_creates_then_changes_nothing(config_file, monkeypatch, capsys):
    monkeypatch.setenv("IANS_TEST_PASSWORD", "s3cret")
    call_command("sources", "sync", "--config", str(config_file))
    assert "3 created, 0 updated, 0 unchanged" in capsys.readouterr().out
    call_command("sources", "sync", "--config", str(config_file))
    assert "0 created, 0 updated, 3 unchanged" in capsys.readouterr().out
    agency = Agency.objects.get()
    assert agency.byline == "IANS"  # defaults to the name
    assert agency.disclaimer.startswith("This post has been auto-published")
    ftp = Feed.objects.get(slug="ians-ftp")
    assert ftp.location == str(config_file.parent / "inbox" / "ians")
    rss = Feed.objects.get(slug="ians-rss")
    # The credential is named, never stored.
    assert rss.options == {
        "auth": "basic",
        "username": "publisher",
        "password_env": "IANS_TEST_PASSWORD",
    }
    assert "s3cret" not in str(Feed.objects.filter(slug="ians-rss").values().get())
    assert rss.encoding == "iso-8859-1" and rss.full_text is True


@pytest.mark.django_db
def test_sources_sync_applies_an_edit(config_file):
    sync_sources(load_config(config_file), config_file.parent)
    config_file.write_text(TOML.replace("poll_interval = 5", "poll_interval = 30"))
    report = sync_sources(load_config(config_file), config_file.parent)
    assert report.updated == ["feed ians-ftp"]
    assert Feed.objects.get(slug="ians-ftp").poll_interval == 30


@pytest.mark.django_db
def test_sources_sync_refuses_an_unknown_time_zone(tmp_path):
    with pytest.raises(ValidationError, match="IANA time zone"):
        sync_sources({"agencies": [{"slug": "x", "time_zone": "India/Delhi"}]}, tmp_path)
    assert not Agency.objects.exists()


@pytest.mark.django_db
def test_demo_config_declares_four_agencies(monkeypatch, tmp_path):
    monkeypatch.setenv("WIREDESK_DATA_DIR", str(tmp_path))
    sync_sources(load_config(CONFIG), CONFIG.parent)
    assert Agency.objects.count() == 4
    assert all(f.location.startswith(str(tmp_path)) for f in Feed.objects.all())


def test_admin_pages_for_sources_and_stories_load(admin_client, all_bundled):
    agency = Agency.objects.get(slug="ians")
    story = agency.stories.get()
    for url in (
        "/admin/sources/agency/",
        "/admin/sources/feed/",
        f"/admin/sources/agency/{agency.pk}/change/",
        "/admin/stories/story/",
        f"/admin/stories/story/{story.pk}/change/",
        "/admin/stories/delivery/",
        "/admin/ingest/quarantine/",
    ):
        assert admin_client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_models_and_migrations_agree():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
def test_a_new_format_in_the_table_needs_no_migration_and_a_feed_may_name_it(monkeypatch):
    # A feed's format choices are read from the formats table when asked: a row
    # added to it (here for this test alone) changes no model.
    from wiredesk.wire import formats

    row = formats.Format("throwaway", "json", lambda document: False, lambda document: [])
    monkeypatch.setattr(formats, "FORMATS", (*formats.FORMATS, row))
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
    agency = Agency.objects.create(slug="wire", name="Wire", byline="Wire")
    feed = Feed(
        agency=agency, slug="wire-in", transport="folder", location="/tmp/in", format="throwaway"
    )
    feed.full_clean()
    assert ("throwaway", "throwaway") in Feed._meta.get_field("format").choices
    monkeypatch.undo()
    with pytest.raises(ValidationError, match="throwaway"):
        feed.full_clean()


@pytest.mark.django_db
def test_the_example_config_in_the_docs_applies(tmp_path, monkeypatch):
    from pathlib import Path

    monkeypatch.setenv("IANS_FEED_PASSWORD", "from-the-environment")
    example = Path(__file__).resolve().parent.parent / "wiredesk.example.toml"
    report = sync_sources(load_config(example), tmp_path)
    assert report.created == ["agency ians", "feed ians-ftp", "feed ians-rss"]
    assert Agency.objects.get().urgency_map == {"flash": 1, "bulletin": 2, "urgent": 3}


@pytest.mark.django_db
def test_a_credential_named_but_unset_is_an_error_that_names_it(config_file, monkeypatch):
    monkeypatch.delenv("IANS_TEST_PASSWORD", raising=False)
    with pytest.raises(ValidationError, match="IANS_TEST_PASSWORD is not set"):
        sync_sources(load_config(config_file), config_file.parent)
    assert not Feed.objects.exists()  # nothing half-applied


@pytest.mark.django_db
def test_a_password_written_into_the_config_is_refused(tmp_path):
    spec = {
        "slug": "pti-ftp",
        "transport": "ftp",
        "location": "ftp://ftp.pti.example/out",
        "username": "publisher",
        "password": "hunter2",
    }
    with pytest.raises(ValidationError, match=r"password_env .* or password_file"):
        sync_sources({"agencies": [{"slug": "pti", "feeds": [spec]}]}, tmp_path)


@pytest.mark.django_db
def test_a_transport_setting_with_a_typo_is_refused_with_the_known_names(tmp_path):
    spec = {
        "slug": "pti-ftp",
        "transport": "ftp",
        "location": "ftp://ftp.pti.example/out",
        "afterwards": "delete",
    }
    with pytest.raises(ValidationError, match=r"unknown setting .afterwards.*after"):
        sync_sources({"agencies": [{"slug": "pti", "feeds": [spec]}]}, tmp_path)


@pytest.mark.django_db
def test_start_up_refuses_a_feed_whose_credential_went_missing(config_file, monkeypatch):
    from django.core.management.base import CommandError

    from wiredesk.sources.checks import refuse_broken_feeds

    monkeypatch.setenv("IANS_TEST_PASSWORD", "s3cret")
    sync_sources(load_config(config_file), config_file.parent)
    refuse_broken_feeds()  # all well
    monkeypatch.delenv("IANS_TEST_PASSWORD")
    with pytest.raises(
        CommandError,
        match="feed ians-rss: password: environment variable IANS_TEST_PASSWORD is not set",
    ):
        refuse_broken_feeds()


def test_a_credential_file_is_read_at_use_and_its_newline_dropped(tmp_path):
    from wiredesk.transports.secrets import SecretMissing, Secrets

    secret = tmp_path / "pti-ftp"
    secret.write_text("hunter2\n")
    secrets = Secrets({"password_file": str(secret)})
    assert secrets.get("password") == "hunter2"
    secret.write_text("rotated\n")
    assert secrets.get("password") == "rotated"  # no restart needed
    assert "hunter2" not in repr(secrets) and "rotated" not in repr(secrets)
    secret.unlink()
    with pytest.raises(SecretMissing, match="cannot be read"):
        secrets.get("password")


@pytest.mark.django_db
def test_every_transport_has_a_docs_example_that_applies(tmp_path, monkeypatch):
    """docs/sources.md shows a wiredesk.toml example for each transport; each loads."""
    import re
    import tomllib
    from pathlib import Path

    from wiredesk.transports.base import transport_choices

    docs = (Path(__file__).resolve().parent.parent / "docs" / "sources.md").read_text()
    blocks = re.findall(r"```toml\n(.*?)```", docs, re.DOTALL)
    secret_file = tmp_path / "secret"
    secret_file.write_text("from-a-file\n")
    shown = set()
    for block in blocks:
        config = tomllib.loads('[[agencies]]\nslug = "docs"\n' + block)
        [spec] = config["agencies"][0]["feeds"]
        for key, value in list(spec.items()):
            if key.endswith("_env"):
                monkeypatch.setenv(value, "from-the-environment")
            elif key.endswith("_file") and key != "ca_file":
                spec[key] = str(secret_file)  # the example's path is the reader's own
        sync_sources(config, tmp_path)
        feed = Feed.objects.get(slug=spec["slug"])
        assert feed.transport == spec["transport"]
        for key in ("publishing", "publish_delay_minutes", "hold_urgency", "hold_keywords"):
            if key in spec:  # the publishing policy's example
                assert getattr(feed, key) == spec[key]
        shown.add(feed.transport)
    assert shown == {name for name, _ in transport_choices()}


def test_the_admin_refuses_a_transport_setting_that_is_wrong_and_never_shows_a_credential(
    admin_client, feeds, monkeypatch
):
    monkeypatch.setenv("PTI_FTP_PASSWORD", "hunter2")
    agency = feeds["ians"].agency
    form = {
        "agency": agency.pk,
        "slug": "pti-ftp",
        "transport": "ftp",
        "format": "auto",
        "location": "ftp://ftp.pti.example/out",
        "poll_interval": 5,
        "enabled": "on",
        "publishing": "auto",
        "publish_delay_minutes": 10,
    }
    refused = admin_client.post(
        "/admin/sources/feed/add/",
        {**form, "options": '{"username": "publisher", "password": "hunter2"}'},
    )
    assert refused.status_code == 200  # the form again, with the reason
    assert "give password_env" in refused.content.decode()
    assert not Feed.objects.filter(slug="pti-ftp").exists()
    saved = admin_client.post(
        "/admin/sources/feed/add/",
        {**form, "options": '{"username": "publisher", "password_env": "PTI_FTP_PASSWORD"}'},
    )
    assert saved.status_code == 302
    feed = Feed.objects.get(slug="pti-ftp")
    page = admin_client.get(f"/admin/sources/feed/{feed.pk}/change/").content.decode()
    assert "PTI_FTP_PASSWORD" in page and "hunter2" not in page
    listing = admin_client.get("/admin/sources/feed/").content.decode()
    assert "hunter2" not in listing
