"""A readable word diff between two versions of a story's text."""

from __future__ import annotations

from difflib import SequenceMatcher
from html import escape

from django.utils.safestring import SafeString, mark_safe

PARAGRAPH = "\u00b6"


def _tokens(text: str) -> list[str]:
    return text.replace("\n\n", f" {PARAGRAPH} ").split()


def word_diff(old: str, new: str) -> SafeString:
    """Return HTML paragraphs of `new` against `old`: removed words in <del>, added in <ins>.

    A paragraph break in the new text starts a new paragraph; one only in the
    old text (paragraphs merged) does not.
    """
    a, b = _tokens(old), _tokens(new)
    runs: list[tuple[str, str]] = []  # (kind, word) with kind "", "del" or "ins"
    for op, i1, i2, j1, j2 in SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            runs.extend(("", w) for w in b[j1:j2])
            continue
        if op in ("delete", "replace"):
            runs.extend(("del", w) for w in a[i1:i2] if w != PARAGRAPH)
        if op in ("insert", "replace"):
            runs.extend(("ins", w) for w in b[j1:j2])
    paragraphs: list[list[str]] = [[]]
    kind, words = "", list[str]()

    def flush() -> None:
        if words:
            text = escape(" ".join(words))
            paragraphs[-1].append(f"<{kind}>{text}</{kind}>" if kind else text)
            words.clear()

    for run_kind, word in runs:
        if word == PARAGRAPH:
            flush()
            paragraphs.append([])
            continue
        if run_kind != kind:
            flush()
            kind = run_kind
        words.append(word)
    flush()
    html = "".join(f"<p>{' '.join(p)}</p>" for p in paragraphs if p)
    return mark_safe(html)  # every word above is escaped
