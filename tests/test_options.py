"""wiredesk.toml read into typed options: every key known, every value checked, the message says where."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from wiredesk.config.loader import load_config
from wiredesk.config.option_fields import MEGABYTE
from wiredesk.config.options import ConfigError, Options, PurgeBackendOptions
from wiredesk.demo.setup import CONFIG as DEMO_CONFIG

from .options import with_options
from .test_commands_live import clean_env

ROOT = Path(__file__).resolve().parent.parent


def read(text: str, **environ: str) -> Options:
    return Options.from_config(tomllib.loads(text), environ)


def refused(text: str, **environ: str) -> str:
    with pytest.raises(ConfigError) as caught:
        read(text, **environ)
    return str(caught.value)


def test_the_example_config_reads_whole():
    options = Options.from_config(load_config(ROOT / "wiredesk.example.toml"), {})
    assert options.site.name == "Daily Example"
    assert options.site.url == "https://news.example"
    assert options.site.time_zone == "Asia/Kolkata"
    assert options.site.user_agent.startswith("DailyExample-Wiredesk/1.0")
    assert options.site.app.link == "https://news.example/app/story/{id}"
    assert options.duplicates.preferred == ("ians",)
    assert options.pictures.max_bytes == 25 * MEGABYTE
    assert options.api.require_token is False


def test_the_demo_config_and_every_toml_example_in_the_docs_read():
    Options.from_config(load_config(DEMO_CONFIG), {})
    blocks = [
        block
        for page in sorted((ROOT / "docs").glob("*.md"))
        for block in re.findall(r"```toml\n(.*?)```", page.read_text(), re.DOTALL)
    ]
    assert len(blocks) > 5
    for block in blocks:
        # A feed's example belongs to an agency: sources sync reads those.
        Options.from_config(tomllib.loads('[[agencies]]\nslug = "docs"\n' + block), {})


def test_no_config_is_the_defaults():
    options = Options.from_config({}, {})
    assert options == Options()
    assert options.site.url == "http://127.0.0.1:8000"
    assert options.site.page_size == 20
    assert options.site.fast_path_bytes == 8 * MEGABYTE
    assert options.duplicates.policy == "all"
    assert options.database.prepared_statements is True
    assert options.purge == ()


def test_sizes_are_given_in_megabytes_and_kept_in_bytes_and_a_url_without_its_slash():
    options = read(
        '[site]\nurl = "https://news.example/"\nrequest_body_megabytes = 0.5\n'
        "[pictures]\nmax_megabytes = 2\n"
    )
    assert options.site.url == "https://news.example"
    assert options.site.request_body_bytes == MEGABYTE // 2
    assert options.pictures.max_bytes == 2 * MEGABYTE


def test_an_unknown_key_is_refused_naming_the_section_the_key_and_the_known_ones():
    message = refused("[site]\npagesize = 20\n")
    assert message.startswith(
        "wiredesk.toml [site]: unknown key 'pagesize' (did you mean 'page_size'?"
    )
    assert "known keys: app, cdn_max_age," in message
    assert refused('[site.app]\nlnk = "x://{id}"\n').startswith(
        "wiredesk.toml [site.app]: unknown key 'lnk' (did you mean 'link'?"
    )


def test_an_unknown_section_is_refused():
    message = refused("[sites]\nname = 'x'\n")
    assert message.startswith("wiredesk.toml: unknown section [sites] (did you mean [site]?")
    assert (
        "[[agencies]], [[alerts]], [api], [database], [duplicates], [email], [log], [metrics], "
        "[pictures], [[purge]], [site]" in message
    )
    assert refused("[celery]\nbroker = 'x'\n").startswith("wiredesk.toml: unknown section [celery]")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[site]\npage_size = 'twenty'\n",
            "wiredesk.toml [site] page_size: expected a whole number, got 'twenty'",
        ),
        (
            "[site]\npage_size = 20.5\n",
            "wiredesk.toml [site] page_size: expected a whole number, got 20.5",
        ),
        (
            "[site]\npage_size = true\n",
            "wiredesk.toml [site] page_size: expected a whole number, got true",
        ),
        (
            "[site]\npage_size = 0\n",
            "wiredesk.toml [site] page_size: expected a whole number at least 1, got 0",
        ),
        (
            "[api]\nrequire_token = 1\n",
            "wiredesk.toml [api] require_token: expected true or false, got 1",
        ),
        (
            "[api]\nrequire_token = 'yes'\n",
            "wiredesk.toml [api] require_token: expected true or false, got 'yes'",
        ),
        ("[site]\nname = 5\n", "wiredesk.toml [site] name: expected a string, got 5"),
        (
            "[pictures]\nmax_megabytes = '25'\n",
            "wiredesk.toml [pictures] max_megabytes: expected a number, got '25'",
        ),
        (
            "[duplicates]\npolicy = 'best'\n",
            "wiredesk.toml [duplicates] policy: expected one of 'all', 'first' or 'preferred', got 'best'",
        ),
        (
            "[duplicates]\npreferred = 'ians'\n",
            "wiredesk.toml [duplicates] preferred: expected a list of strings, got 'ians'",
        ),
        (
            "[duplicates]\nthreshold = 2\n",
            "wiredesk.toml [duplicates] threshold: expected a number from 0.01 to 1, got 2",
        ),
        ("site = 'x'\n", "wiredesk.toml [site]: expected a table, got 'x'"),
        ("[site]\napp = 'x'\n", "wiredesk.toml [site.app]: expected a table, got 'x'"),
        (
            "[[purge]]\nurl = 'http://varnish'\n",
            'wiredesk.toml [[purge]] #1 backend: expected a dotted path such as "wiredesk.site.purge.HttpPurgeBackend", got nothing',
        ),
    ],
)
def test_a_wrong_type_is_refused_saying_what_was_expected(text, message):
    assert refused(text) == message


def test_a_whole_number_is_a_number_but_true_is_neither():
    assert read("[site]\nrequest_body_seconds = 5\n").site.request_body_seconds == 5.0
    assert isinstance(read("[site]\nrequest_body_seconds = 5\n").site.request_body_seconds, float)
    assert refused("[site]\nrequest_body_seconds = false\n").endswith(
        "expected a number, got false"
    )


def test_purge_backends_keep_their_order_and_options():
    options = read('[[purge]]\nbackend = "a.B"\nurl = "http://one"\n\n[[purge]]\nbackend = "c.D"\n')
    assert options.purge == (
        PurgeBackendOptions("a.B", {"url": "http://one"}),
        PurgeBackendOptions("c.D"),
    )


def test_the_environment_wins_over_the_file():
    text = '[site]\nurl = "https://file.example"\npage_cache_seconds = 300\n'
    options = read(text, WIREDESK_SITE_URL="https://env.example/", WIREDESK_PAGE_CACHE_SECONDS="5")
    assert (options.site.url, options.site.page_cache_seconds) == ("https://env.example", 5)
    assert read(text, WIREDESK_SITE_URL="").site.url == "https://file.example"  # empty: unset
    bucket = read('[pictures]\nbucket = "file"\n', WIREDESK_S3_BUCKET="env").pictures.bucket
    assert bucket == "env"
    assert refused(text, WIREDESK_PAGE_CACHE_SECONDS="soon") == (
        "environment variable WIREDESK_PAGE_CACHE_SECONDS: expected a whole number, got 'soon'"
    )


def test_the_options_are_frozen():
    options = Options()
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.site.page_size = 5  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.site = options.site  # type: ignore[misc]
    # Lists are read into tuples, a backend's options into a read-only mapping.
    assert read("[duplicates]\npreferred = ['ians']\n").duplicates.preferred == ("ians",)
    with pytest.raises(TypeError):
        read('[[purge]]\nbackend = "a.B"\nurl = "x"\n').purge[0].options["url"] = "y"  # type: ignore[index]


def test_with_options_changes_a_copy(settings):
    before = settings.WIREDESK
    with_options(settings, site={"page_size": 7, "app": {"link": None}})
    assert settings.WIREDESK.site.page_size == 7 and settings.WIREDESK.site.app.link is None
    assert settings.WIREDESK.site.name == before.site.name
    assert before.site.page_size != 7


def test_a_bad_config_stops_the_site_with_the_message(tmp_path):
    config = tmp_path / "site.toml"
    config.write_text("[site]\npage_size = 'twenty'\n")
    env = clean_env() | {"WIREDESK_CONFIG": str(config), "WIREDESK_DATA_DIR": str(tmp_path / "var")}
    result = subprocess.run(
        [sys.executable, "-m", "wiredesk.cli", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"wiredesk: {config} [site] page_size: expected a whole number, got 'twenty'"
    )
