"""The docs cover the code: a format or transport added without its docs fails here."""

from __future__ import annotations

import re
from pathlib import Path

from wiredesk.transports import base as transports
from wiredesk.wire.formats import format_names

DOCS = Path(__file__).resolve().parent.parent / "docs"
TICKED = re.compile(r"`([^`]+)`")


def section(text: str, heading: str) -> str:
    """Return the part of a Markdown file under `heading`, up to the next heading of its level."""
    level = heading.split(" ", 1)[0]
    start = text.index(f"\n{heading}\n")
    end = re.search(rf"\n{level} ", text[start + len(heading) + 2 :])
    return text[start : start + len(heading) + 2 + end.start()] if end else text[start:]


def table_first_cells(text: str) -> list[str]:
    """Return the first cell of each row of the Markdown tables in `text`, headers included."""
    return [line.split("|")[1].strip() for line in text.splitlines() if line.startswith("|")]


def test_every_format_in_the_table_is_described_in_docs_formats():
    text = (DOCS / "formats.md").read_text()
    # Its own row in "Per format", named as a feed's `format` names it ...
    rows = table_first_cells(section(text, "## Per format"))
    described = {name for cell in rows for name in TICKED.findall(cell)}
    assert set(format_names()) - described == set()
    # ... and among the values of an item's `format` key.
    [key_row] = [line for line in text.splitlines() if line.startswith("| `format` |")]
    assert set(format_names()) - set(TICKED.findall(key_row)) == set()


def test_every_transport_in_the_registry_is_described_in_docs_sources():
    text = section((DOCS / "sources.md").read_text(), "## Transports")
    names = [name for name, _ in transports.transport_choices()]
    assert names  # the registry is loaded
    # Each under a heading of its own, introduced as the config file spells it.
    introduced = set(re.findall(r'\n### [^\n]+\n+`transport = "([a-z0-9_-]+)"`', text))
    assert set(names) - introduced == set()
