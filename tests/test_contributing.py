"""CONTRIBUTING.md stays true: the files it names exist, and its "Add a format" steps work.

The walk below follows those steps with a throwaway format: a tiny format
module (this test's `sniff` and `parse`), registered as a row of `FORMATS`
for the test alone, read by `detect` and `parse`, and taken in by a feed of
that format through the ingest pipeline to a stored story.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from wiredesk.wire import ParseError, WireItem, detect, formats, parse
from wiredesk.wire.errors import ItemFailure
from wiredesk.wire.text import text_to_html

ROOT = Path(__file__).resolve().parent.parent
GUIDE = (ROOT / "CONTRIBUTING.md").read_text()
TICKED = re.compile(r"`([^`\s]+)`")


def steps(heading: str) -> str:
    """Return one "## ..." section of CONTRIBUTING.md."""
    start = GUIDE.index(f"\n## {heading}\n")
    end = GUIDE.find("\n## ", start + 1)
    return GUIDE[start : end if end != -1 else None]


def paths_in(text: str) -> list[str]:
    """Return the file paths written in backticks: `src/...`, `tests/...`, `docs/...`."""
    return [t for t in TICKED.findall(text) if re.match(r"(src|tests|docs)/", t)]


@pytest.mark.parametrize(
    "heading",
    [
        "Add a format",
        "Add a transport",
        "Add a surface (a page, feed or API endpoint)",
        "Add a lifecycle rule",
    ],
)
def test_every_file_the_steps_name_exists(heading):
    named = paths_in(steps(heading))
    assert named, f"no file named under {heading!r}"
    for path in named:
        if "<" in path:  # a file to write (`src/wiredesk/wire/<name>.py`): its folder exists
            assert (ROOT / path).parent.is_dir(), path
        else:
            assert (ROOT / path).exists(), path


def test_the_setup_is_the_readmes_two_commands():
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"^uv run \S+(?: \S+)?", readme.split("```sh\n", 1)[1], re.M)[:2]
    assert commands == ["uv run wiredesk demo", "uv run pytest"]
    assert all(c in steps("Set up") for c in commands)
    assert "CONTRIBUTING.md" in readme


def commands(script: str) -> list[str]:
    """Return the `uv` commands of a shell text, continuation lines joined, comments,
    quotes and the environment before them left out."""
    joined = re.sub(r"\\\n\s*", " ", script)
    found = []
    for line in joined.splitlines():
        line = line.split(" #", 1)[0].replace('"', "").strip()
        if "uv " in line and not line.startswith(("#", "echo")):
            found.append(" ".join(line[line.index("uv ") :].split()))
    return found


def test_the_checks_are_the_ones_ci_runs():
    """Each command "Run the checks" lists, in order, is one of .ci/run's, the two test
    runs' options included (the second leaves out the `embedded_engine` tests)."""
    block = steps("Run the checks").split("```sh\n", 1)[1].split("```", 1)[0]
    ci = (ROOT / ".ci" / "run").read_text()
    listed = commands(block)
    assert listed == [c for c in commands(ci) if c in listed]
    assert listed[-2:] == ["uv run pytest", "uv run pytest -m not embedded_engine"]
    assert [c for c in commands(ci) if c.startswith("uv run pytest")] == listed[-2:]


# Step 1: the format module, here in the test. A delivery is a JSON object
# {"tinywire": [{"id": ..., "headline": ..., "text": ...}, ...]}.
def sniff(document: Any) -> bool:
    return isinstance(document, dict) and isinstance(document.get("tinywire"), list)


def _item(entry: Any) -> WireItem:
    if not isinstance(entry, dict) or not entry.get("id"):
        raise ParseError("a tinywire story has no id")
    text = str(entry.get("text", ""))
    return WireItem(
        format="tinywire",
        item_id=str(entry["id"]),
        headline=str(entry.get("headline", "")),
        body_html=text_to_html(text),
    )


def parse_tinywire(document: Any) -> list[WireItem | ItemFailure]:
    results: list[WireItem | ItemFailure] = []
    for position, entry in enumerate(document["tinywire"], 1):
        try:
            results.append(_item(entry))
        except ParseError as exc:
            results.append(ItemFailure(str(exc), position))
    return results


SAMPLE = b"""{"tinywire": [
  {"id": "urn:tiny:1", "headline": "Monsoon reaches Kerala early",
   "text": "Kochi, June 1 -- The monsoon reached Kerala three days early, forecasters said."},
  {"headline": "A story with no id"}
]}"""


@pytest.fixture
def tinywire(monkeypatch):
    """Step 2: the format's row in the formats table, for this test alone."""
    row = formats.Format("tinywire", "json", sniff, parse_tinywire, rule="a `tinywire` list")
    monkeypatch.setattr(formats, "FORMATS", (*formats.FORMATS, row))
    yield row
    monkeypatch.undo()
    with pytest.raises(ParseError, match="unknown format"):
        detect(SAMPLE)  # unregistered again


def test_a_format_added_as_the_steps_say_is_detected_parsed_and_ingested(tinywire, feeds):
    from wiredesk.ingest.models import Quarantine
    from wiredesk.ingest.pipeline import ingest_bytes
    from wiredesk.sources.models import Feed
    from wiredesk.stories.models import Story

    assert "tinywire" in formats.format_names()
    assert detect(SAMPLE) == "tinywire"
    [item] = parse(SAMPLE, format="tinywire")
    assert (item.item_id, item.headline) == ("urn:tiny:1", "Monsoon reaches Kerala early")
    assert len(formats.read(SAMPLE).failures) == 1  # the broken story alone

    # A feed may name it (no migration: test_sources.py checks that), and its
    # deliveries become stories.
    feed = Feed(
        agency=feeds["ians"].agency,
        slug="ians-tiny",
        transport="folder",
        location="/tmp/tiny",
        format="tinywire",
    )
    feed.full_clean()
    feed.save()
    ingest_bytes(feed, SAMPLE, origin="tiny.json")
    story = Story.objects.get(item_id="urn:tiny:1")
    assert story.headline == "Monsoon reaches Kerala early"
    assert "three days early" in story.body_text
    assert Quarantine.objects.filter(feed=feed).count() == 1
