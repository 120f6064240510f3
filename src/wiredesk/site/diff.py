"""A readable word diff between two versions of a story's text."""

from __future__ import annotations

from difflib import SequenceMatcher
from html import escape

from django.utils.safestring import SafeString, mark_safe


def word_diff(old: str, new: str) -> SafeString:
    """Return HTML showing `new` against `old`: removed words in <del>, added in <ins>.

    Paragraph breaks are kept as words of their own, so a moved paragraph reads
    as one.
    """
    a = old.replace("\n\n", " \u00b6 ").split()
    b = new.replace("\n\n", " \u00b6 ").split()
    out = []
    for op, i1, i2, j1, j2 in SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(escape(" ".join(b[j1:j2])))
            continue
        if op in ("delete", "replace"):
            out.append(f"<del>{escape(' '.join(a[i1:i2]))}</del>")
        if op in ("insert", "replace"):
            out.append(f"<ins>{escape(' '.join(b[j1:j2]))}</ins>")
    html = " ".join(out).replace("\u00b6", "</p><p>")
    return mark_safe(f"<p>{html}</p>")
