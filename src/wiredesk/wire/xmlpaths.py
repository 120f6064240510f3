"""Namespace-agnostic paths: the same parser reads a format with or without its namespace.

Agencies differ: TT sends NewsML-G2 without a namespace, NTB sends NITF without
one, IPTC's own examples use them. Paths are written plainly ("itemMeta/pubStatus")
and qualified once per namespace, then cached.
"""

from __future__ import annotations

from functools import lru_cache

from lxml import etree


def namespace_of(element: etree._Element) -> str:
    """Return the namespace URI of `element`'s tag, or "" when it has none."""
    tag = element.tag
    return tag[1:].partition("}")[0] if isinstance(tag, str) and tag.startswith("{") else ""


@lru_cache(maxsize=512)
def qualify(path: str, ns: str) -> str:
    """Return `path` with every step in namespace `ns` (steps with ':' or '@' left alone)."""
    if not ns:
        return path
    steps = []
    for step in path.split("/"):
        if step in ("", ".", "..", "*") or step.startswith("{"):
            steps.append(step)
        else:
            steps.append(f"{{{ns}}}{step}")
    return "/".join(steps)


def strip_namespaces(element: etree._Element) -> etree._Element:
    """Rewrite every tag under `element` to its local name, in place; return `element`."""
    for child in element.iter():
        tag = child.tag
        if isinstance(tag, str) and tag[0] == "{":
            child.tag = tag.partition("}")[2]
    return element


def move_namespace(element: etree._Element, old: str, new: str) -> etree._Element:
    """Rewrite the tags under `element` in namespace `old` into `new` ("" for none); return it."""
    prefix = f"{{{old}}}" if old else ""
    target = f"{{{new}}}" if new else ""
    for child in element.iter():
        tag = child.tag
        if not isinstance(tag, str):
            continue
        if old and tag.startswith(prefix):
            child.tag = target + tag[len(prefix) :]
        elif not old and tag[0] != "{":
            child.tag = target + tag
    return element


def qcode_value(qcode: str | None) -> str | None:
    """Return the code of a QCode without its scheme alias ("stat:usable" gives "usable")."""
    if not qcode:
        return None
    return qcode.rpartition(":")[2] or None
