"""The demo's sections and the routing rules that fill them from its bundled stories.

Plain data: `wiredesk demo` (runtime/) makes the rows before the first story
arrives, so each story is routed as it comes (`SectionRule` in stories/models.py).
"""

from __future__ import annotations

from typing import NamedTuple


class DemoSection(NamedTuple):
    """A section: its slug and name, and its rules as (kind, value) pairs (SectionRule.Kind)."""

    slug: str
    name: str
    rules: tuple[tuple[str, str], ...]


SECTIONS = (
    DemoSection("india", "India", (("subject", "national"), ("subject", "India"))),
    DemoSection(
        "world", "World", (("subject", "World"), ("subject", "Asia-Pacific"), ("subject", "UK"))
    ),
    DemoSection(
        "business",
        "Business",
        (
            ("headline", "exports"),
            ("headline", "rates"),
            ("headline", "prices"),
            ("headline", "aircraft"),
        ),
    ),
    DemoSection(
        "sport",
        "Sport",
        (
            ("headline", "football"),
            ("headline", "cricket"),
            ("headline", "badminton"),
            ("headline", "chess"),
        ),
    ),
)
