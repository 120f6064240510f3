"""The formatter owns the layout: no line is kept from it without a reason written beside it."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECKED = ("src", "tests", "benchmarks")
MARKERS = ("# fmt: skip", "# fmt: off")
# A marker is allowed only under a comment that says why the formatter must not run there.
REASON = "# Laid out by hand:"


def unexplained_markers() -> list[str]:
    """Return `path:line` of every formatter marker without a reason on the line above."""
    found = []
    for folder in CHECKED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            lines = path.read_text(encoding="utf-8").splitlines()
            for number, line in enumerate(lines):
                if (
                    not any(marker in line for marker in MARKERS)
                    or path.name == Path(__file__).name
                ):
                    continue
                above = lines[number - 1].strip() if number else ""
                if not above.startswith(REASON):
                    found.append(f"{path.relative_to(ROOT)}:{number + 1}")
    return found


def test_no_line_is_kept_from_the_formatter_without_a_reason():
    assert unexplained_markers() == []
