"""The layers pyproject.toml states hold for every import in src/, function bodies included.

import-linter checks the same contract in `.ci/run`; this test reads the source itself,
so a plain `uv run pytest` catches an upward import too, wherever it hides: at the top
of a module, inside a function, under `if TYPE_CHECKING`, or relative (`from ...site`).
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
PACKAGE = SRC / "wiredesk"
# Outside the layers: the command-line entry point and the demo's bundled data,
# which only the top layer (runtime) may use.
OUTSIDE_LAYERS = {"wiredesk.cli", "wiredesk.demo"}
TOP_LAYER_ONLY = {"wiredesk.demo"}


def stated_layers() -> list[list[str]]:
    """Return the layers contract's layers, top first, each a list of sibling packages."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    (layers,) = [c["layers"] for c in contracts if c["type"] == "layers"]
    return [[name.strip() for name in layer.split("|")] for layer in layers]


def module_name(path: Path) -> str:
    """Return the dotted name of a source file under src/."""
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(name: str, is_package: bool, source: str) -> list[tuple[int, str]]:
    """Return (line, module) for every import in a module's source, at any depth."""
    package = name if is_package else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source, name)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            # `from wiredesk import site` imports the package wiredesk.site.
            found += [(node.lineno, f"{target}.{alias.name}") for alias in node.names]
    return found


def owner(module: str, packages: dict[str, int]) -> str | None:
    """Return the layered (or outside) package a module belongs to, if any."""
    for candidate in [*packages, *OUTSIDE_LAYERS]:
        if module == candidate or module.startswith(candidate + "."):
            return candidate
    return None


def sources_of_src() -> dict[Path, str]:
    """Return the text of every module under src/wiredesk, by path."""
    return {path: path.read_text() for path in sorted(PACKAGE.rglob("*.py"))}


def upward_imports(sources: dict[Path, str]) -> list[str]:
    """Return every import in the given modules that breaks the stated layers."""
    layers = stated_layers()
    level = {package: index for index, layer in enumerate(layers) for package in layer}
    broken = []
    for path, text in sources.items():
        name = module_name(path)
        source = owner(name, level)
        if source is None or source in OUTSIDE_LAYERS:
            continue
        for line, target in imported_modules(name, path.name == "__init__.py", text):
            imported = owner(target, level)
            if imported is None or imported == source:
                continue
            where = f"{path.relative_to(ROOT)}:{line} imports {target}"
            if imported in TOP_LAYER_ONLY and level[source] != 0:
                broken.append(f"{where} (only the top layer may use {imported})")
            elif imported in OUTSIDE_LAYERS - TOP_LAYER_ONLY:
                broken.append(f"{where} (the entry point is above every layer)")
            elif imported in level and level[imported] < level[source]:
                broken.append(f"{where} ({imported} is above {source})")
            elif imported in level and level[imported] == level[source]:
                broken.append(f"{where} ({imported} and {source} are independent siblings)")
    return broken


def test_no_module_imports_a_package_above_its_own_layer():
    assert upward_imports(sources_of_src()) == []


def test_every_package_of_src_is_placed_in_a_layer():
    placed = {package for layer in stated_layers() for package in layer} | OUTSIDE_LAYERS
    packages = {
        f"wiredesk.{path.parent.name}"
        for path in PACKAGE.glob("*/__init__.py")
        if path.parent.name != "__pycache__"
    } | {f"wiredesk.{path.stem}" for path in PACKAGE.glob("*.py") if path.stem != "__init__"}
    assert packages - placed == set()


@pytest.mark.parametrize(
    "statement",
    [
        "from wiredesk.site import purge",  # absolute, at the top
        "def later():\n    from ...site.purge import purge_story",  # relative, in a function
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import wiredesk.ingest",
    ],
)
def test_an_upward_import_anywhere_in_a_module_is_caught(statement):
    planted = PACKAGE / "stories" / "storage" / "_planted_upward_import.py"
    broken = upward_imports({**sources_of_src(), planted: statement + "\n"})
    assert len(broken) == 1
    assert "_planted_upward_import.py" in broken[0]
    assert "is above wiredesk.stories" in broken[0]
