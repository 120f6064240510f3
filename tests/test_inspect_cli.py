"""`wiredesk inspect`: one JSON object per item, keys exactly the WireItem fields."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from wiredesk.cli import main
from wiredesk.demo.replay import bundled_deliveries
from wiredesk.wire import FIELD_NAMES

from .conftest import DATA, SEED_V2

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d$")
TIME_FIELDS = ("first_created", "version_created", "embargoed_until")


def test_inspect_prints_one_object_per_item_with_exact_keys(capsys):
    paths = [str(p) for p in bundled_deliveries()]
    assert main(["inspect", *paths]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 40
    for line in lines:
        item = json.loads(line)
        assert tuple(item) == FIELD_NAMES
        for name in TIME_FIELDS:
            assert item[name] is None or RFC3339.match(item[name]), (name, item[name])


def test_inspect_seed_values_and_nulls(capsys):
    main(["inspect", "--time-zone", "Asia/Kolkata", str(SEED_V2)])
    item = json.loads(capsys.readouterr().out)
    assert item["item_id"] == "IANS-WORLD-20211014-0939-US-SKOREA-DIALOGUE"
    assert item["first_created"] == "2021-10-14T09:39:03+05:30"
    assert item["version_created"] == "2021-10-14T09:50:13+05:30"
    assert item["embargoed_until"] is None
    assert item["urgency"] is None
    assert item["signal"] is None
    assert item["dateline"] == "Seoul, Oct 14"
    assert item["subjects"] == [{"name": "World"}, {"name": "Korea"}]
    assert item["is_advisory"] is False


def test_inspect_reports_a_bad_file_and_goes_on(capsys):
    status = main(["inspect", str(DATA / "wire" / "xxe.xml"), str(SEED_V2)])
    out, err = capsys.readouterr()
    assert status == 1
    assert "xxe.xml: XML declares entities" in err
    assert len(out.splitlines()) == 1


def test_inspect_runs_as_the_installed_command():
    result = subprocess.run(
        [sys.executable, "-m", "wiredesk.cli", "inspect", str(SEED_V2)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(result.stdout)["format"] == "rss2"
