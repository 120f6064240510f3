"""The docs say what the code does, on every point a machine can check.

- Every module, folder and dotted name that docs/architecture.md and docs/design.md
  give exists (a module renamed or removed fails here).
- The layers those two pages state are, in order, the layers contract of
  pyproject.toml (the one `lint-imports` and tests/test_layers.py enforce).
- No comment or docstring in src/ quotes a measured speed (a rate a second, a
  timing in ms or µs, "n% more"): figures go to docs/benchmarks.md, which a new
  run updates; the comment keeps the reason.
- Claims once found false and corrected do not come back.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
import tomllib
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SRC = ROOT / "src"
PACKAGE = SRC / "wiredesk"
PAGES = ("architecture.md", "design.md")
TICKED = re.compile(r"`([^`\n]+)`")
# A file or folder as the pages name them: `site/cache.py`, `storage/`, `cli.py`.
PATH = re.compile(r"^[\w-]+(?:/[\w-]+)*(?:\.py|/)$")
APPS = (
    "wire|transports|sources|stories|ingest|desk|site|syndication|api|config|runtime|pictures|demo"
)
# A dotted name of ours, in backticks or not: `stories.storage.Batch`, wire.notices.classify.
DOTTED = re.compile(rf"(?<![\w./-])(?:wiredesk\.)?(?:{APPS})(?:\.\w+)+")


def stated_layers() -> list[str]:
    """Return the layers contract of pyproject.toml, top first, as written there."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    (layers,) = [c["layers"] for c in contracts if c["type"] == "layers"]
    return [" | ".join(part.strip() for part in layer.split("|")) for layer in layers]


def paths_named(text: str) -> list[tuple[str, Path | None]]:
    """Return (name, the folder it is relative to, if a table row says) for each path named."""
    found = []
    for line in text.splitlines():
        row = re.match(r"\| `src/wiredesk/([\w/]+)/` \|", line)
        base = PACKAGE / row.group(1) if row else None
        found += [(token, base) for token in TICKED.findall(line) if PATH.match(token)]
    return found


def exists(name: str, base: Path | None) -> bool:
    """Say whether a path named on a page is there, read as the page means it."""
    if "/" not in name.rstrip("/"):  # a bare `cli.py` or `storage/`
        if base is not None:  # in a folder's row: that folder's, or a package of ours
            return (base / name).exists() or (PACKAGE / name).exists()
        return any(PACKAGE.rglob(name.rstrip("/")))
    return any((where / name).exists() for where in (ROOT, SRC, PACKAGE))


@cache
def top_level_names(path: Path) -> dict[str, ast.AST]:
    """Return the names a module defines or imports at its top level."""
    names: dict[str, ast.AST] = {}
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names[node.name] = node
        elif isinstance(node, ast.Assign):
            names.update({t.id: node for t in node.targets if isinstance(t, ast.Name)})
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names[node.target.id] = node
        elif isinstance(node, ast.ImportFrom | ast.Import):
            names.update({(a.asname or a.name).split(".")[0]: node for a in node.names})
    return names


def resolves(dotted: str) -> bool:
    """Say whether a dotted name of ours is a module, or a name defined in one."""
    parts = dotted.removeprefix("wiredesk.").split(".")
    where, rest = PACKAGE, parts
    module: Path | None = None
    while rest:
        if (where / rest[0] / "__init__.py").exists():
            where, module, rest = where / rest[0], where / rest[0] / "__init__.py", rest[1:]
        elif (where / f"{rest[0]}.py").exists():
            module, rest = where / f"{rest[0]}.py", rest[1:]
            break
        else:
            break
    if module is None:
        return False
    node: ast.AST | None = None
    for name in rest:  # a function or class of the module, then a method of that class
        scope = (
            top_level_names(module)
            if node is None
            else {
                child.name: child
                for child in getattr(node, "body", [])
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            }
        )
        node = scope.get(name)
        if node is None:
            return False
    return True


@pytest.mark.parametrize("page", PAGES)
def test_every_path_a_page_names_exists(page):
    named = paths_named((DOCS / page).read_text())
    assert named, f"docs/{page} names no file: is this test reading it right?"
    assert [name for name, base in named if not exists(name, base)] == []


def test_every_dotted_name_the_pages_give_is_in_the_code():
    text = "\n".join((DOCS / page).read_text() for page in PAGES)
    names = sorted(
        {
            name
            for name in DOTTED.findall(text)
            if name.rpartition(".")[2] not in ("py", "md", "toml")
        }
    )
    assert len(names) > 5, "the pages give hardly a dotted name: is this test reading them right?"
    assert [name for name in names if not resolves(name)] == []


def test_the_layers_architecture_md_lists_are_the_contract_s():
    text = (DOCS / "architecture.md").read_text()
    layers = re.search(r"\n## Layers\n.*?\n```\n(.*?)\n```", text, re.S)
    assert layers, "docs/architecture.md has no '## Layers' section with the layers in a block"
    listed = [" | ".join(p.strip() for p in line.split("|")) for line in layers[1].splitlines()]
    assert listed == stated_layers()


def test_the_layers_design_md_names_are_the_contract_s():
    text = " ".join((DOCS / "design.md").read_text().split())
    chain = re.search(r"\b\w+(?: \| \w+)*(?: > \w+(?: \| \w+)*){4,}", text)
    assert chain, "docs/design.md names no chain of layers (runtime > config > ...)"
    named = [layer.strip() for layer in chain[0].split(">")]
    assert named == [layer.replace("wiredesk.", "") for layer in stated_layers()]


def test_the_formats_design_md_says_read_in_two_steps_are_those_that_do():
    # Two steps: the module defines the structure it reads a document into (a class),
    # then adapts it to a WireItem; a one-step module defines no class of its own.
    from wiredesk.wire.formats import FORMATS

    text = " ".join((DOCS / "design.md").read_text().split())
    said = re.search(r"- A \*\*wire format\*\* module(.*?) read in two steps", text)
    assert said, "docs/design.md no longer says which formats read in two steps"
    named = set(re.findall(r"`(\w+)\.py`", said[1]))
    modules = {fmt.parse.__module__.rpartition(".")[2] for fmt in FORMATS}

    def has_a_structure(name: str) -> bool:
        defined = top_level_names(PACKAGE / "wire" / f"{name}.py").values()
        return any(isinstance(node, ast.ClassDef) for node in defined)

    assert named == {name for name in modules if has_a_structure(name)}


# A measured speed: "3,200 stories/s", "2,100 -> 3,200 a second", "0.4 ms", "23 µs",
# "0.8 s a delivery", "about 50% more". Limits and settings are named in code, not
# quoted in prose; sizes ("8 MB is about a thousand story pages") may stay.
FIGURES = re.compile(
    r"\d[\d,.]*\s*(?:(?:→|->)\s*\d[\d,.]*\s*)?"
    r"(?:(?:stories|requests|pages|items|deliveries|renditions|pictures)\s*)?"
    r"(?:/s\b|a second\b|per second\b)"
    r"|\d[\d,.]*\s*(?:ms|µs|milliseconds?|microseconds?)\b"
    r"|\d[\d,.]*\s*s (?:a|per|of every) (?:request|delivery|story|rendition|page|feed)\b"
    r"|\d+\s*%\s*(?:more|less|fewer|faster|slower)\b"
)


def prose_of(path: Path) -> list[tuple[int, str]]:
    """Return (line, text) of every comment and docstring of a module."""
    source = path.read_text()
    found = [
        (token.start[0], token.string)
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type == tokenize.COMMENT
    ]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            doc = ast.get_docstring(node, clean=False)
            if doc and node.body:
                found.append((node.body[0].lineno, doc))
    return found


def quoted_figures(paths) -> list[str]:
    """Return "file:line: figure" for every measured speed quoted in the modules' prose."""
    return [
        f"{path.relative_to(ROOT)}:{line}: {match[0]}"
        for path in paths
        for line, text in prose_of(path)
        for match in FIGURES.finditer(" ".join(text.split()))
    ]


def test_no_comment_in_src_quotes_a_measured_speed():
    # Not the migrations: each is a dated record of a change, never edited once shipped.
    modules = [p for p in sorted(PACKAGE.rglob("*.py")) if "migrations" not in p.parts]
    assert quoted_figures(modules) == [], (
        "move the figure to docs/benchmarks.md ('Figures behind design choices in the "
        "code') and leave the reason here, with '(docs/benchmarks.md)'"
    )


def test_the_figure_check_finds_what_it_is_for(tmp_path):
    module = tmp_path / "m.py"
    module.write_text(
        '"""Backfill 2,100 -> 3,200 stories/s."""\n'
        "# the request cycle costs 0.1 ms\n"
        "X = 1  # about 50% more cached pages\n"
        "# 8 MB is about a thousand story pages; at least once a second\n"
        "# a scan of them all: 0.8 s a delivery; retried after 30 s\n"
    )
    found = [match[0] for _, text in prose_of(module) for match in FIGURES.finditer(text)]
    assert sorted(found) == sorted(
        ["2,100 -> 3,200 stories/s", "0.1 ms", "50% more", "0.8 s a delivery"]
    )


# Claims the code once contradicted (issue 29), each with where the truth is.
REFUTED = {
    "a Redis counter": "site/generation.py: a random token, never a counter",
    "generation number": "site/generation.py: a random token, never a counter",
    "inside the web process": "runtime/engine.py: ingest runs in a process of its own",
    "ingest in the web process": "runtime/engine.py: ingest runs in a process of its own",
    "a thread in the web process": "runtime/engine.py: ingest runs in a process of its own",
    "web server and ingest in one process": "runtime/engine.py: two processes",
    "nothing calls back up the chain": "pictures/signals.py, stories/signals.py: signals go up",
    "A feed costs one statement": "syndication/feeds.py: an agency's or section's feed, two",
    "kill, withhold or restore was asked": "rules.REASON_REQUIRED: every hand action but a release",
    "watch folders every tenth of a second": "ingest/loop.py: each feed on its poll_interval",
}


@cache
def texts_of_docs_and_src() -> dict[str, str]:
    """Return the docs, README, CONTRIBUTING and every module's prose, by name."""
    texts = {str(p.relative_to(ROOT)): p.read_text() for p in sorted(DOCS.glob("*.md"))}
    texts |= {name: (ROOT / name).read_text() for name in ("README.md", "CONTRIBUTING.md")}
    for path in sorted(PACKAGE.rglob("*.py")):
        texts[str(path.relative_to(ROOT))] = "\n".join(text for _, text in prose_of(path))
    return {name: " ".join(text.split()) for name, text in texts.items()}


@pytest.mark.parametrize("claim", sorted(REFUTED))
def test_a_refuted_claim_does_not_come_back(claim):
    said = [name for name, text in texts_of_docs_and_src().items() if claim.lower() in text.lower()]
    assert said == [], f"{claim!r} is not so ({REFUTED[claim]})"
