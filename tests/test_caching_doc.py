"""docs/caching.md's table is the code's: every cache layer the code counts or installs has
a row, and every file, name and test a row gives is there."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

from django.conf import settings

from wiredesk.metrics.instruments import CACHE_LAYERS

ROOT = Path(__file__).resolve().parent.parent
TICKED = re.compile(r"`([^`\n]+)`")
COLUMNS = ("Layer", "File", "Code", "Key", "Size bound", "On a kill", "Test")


def rows() -> list[dict[str, list[str]]]:
    """Return each row of the table under '## Every layer', as the ticked words of each column."""
    text = (ROOT / "docs" / "caching.md").read_text()
    table = text.split("\n## Every layer\n", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in table.splitlines() if line.startswith("|")]
    header = tuple(cell.strip() for cell in lines[0].strip("|").split("|"))
    assert header == COLUMNS
    return [
        dict(
            zip(COLUMNS, (TICKED.findall(cell) for cell in line.strip("|").split("|")), strict=True)
        )
        for line in lines[2:]
    ]


def module_of(path: str) -> str:
    return path.removeprefix("src/").removesuffix(".py").replace("/", ".")


def test_every_counted_cache_layer_has_one_row_and_the_cdn_its_own():
    layers = [row["Layer"][0] for row in rows()]
    assert sorted(layers) == sorted((*CACHE_LAYERS, "cdn"))


def test_every_file_a_row_names_exists_and_defines_the_names_of_its_row():
    for row in rows():
        modules = [importlib.import_module(module_of(path)) for path in row["File"]]
        assert all((ROOT / path).is_file() for path in row["File"]), row["File"]
        missing = [name for name in row["Code"] if not any(hasattr(m, name) for m in modules)]
        assert missing == [], (row["Layer"], missing)


def test_every_test_a_row_names_is_a_test_in_its_file():
    for row in rows():
        assert row["Test"], row["Layer"]
        for named in row["Test"]:
            path, _, name = named.partition("::")
            tree = ast.parse((ROOT / path).read_text())
            defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
            assert name.split("[")[0] in defined, named


def test_every_wrapper_config_wsgi_installs_from_the_site_is_in_the_table():
    """What config/wsgi.py wraps Django in, imported from the site (where caches live)."""
    tree = ast.parse((ROOT / "src/wiredesk/config/wsgi.py").read_text())
    from_site = {
        alias.asname or alias.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("wiredesk.site")
        for alias in node.names
    }
    [application] = [
        node.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and any(getattr(target, "id", "") == "application" for target in node.targets)
    ]
    called = {
        node.func.id
        for node in ast.walk(application)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    installed = called & from_site
    assert installed  # the fast path, the revalidated answers and Django's whole bodies
    named = {name for row in rows() for name in row["Code"]}
    assert installed - named == set()


def test_every_middleware_the_table_names_is_installed():
    for row in rows():
        for name in (name for name in row["Code"] if name.endswith("Middleware")):
            paths = {f"{module_of(path)}.{name}" for path in row["File"]}
            assert paths & set(settings.MIDDLEWARE), name
