"""A readable word diff between two versions of a story's text, at a bounded cost.

Python's `difflib.SequenceMatcher` looks for the longest matching block over
every pair of equal words, then again on each side of it: its cost grows with
the square of the text and the number of blocks, so two long versions with
many common words held a public page for far too long (docs/benchmarks.md).
This diff costs about the text's
length and never more than a fixed amount of work:

1. the words both versions open and close with are matched at once;
2. what is left is split at the words that occur once in each version, in the
   longest run that keeps their order (the "patience" diff: such words are
   nearly always the same place in both texts), and each part is diffed the
   same way;
3. a part without such a word is matched word by word when it is small
   (an LCS table of at most `SMALL_TABLE` cells), else shown as replaced.

Every step spends from one budget proportional to the two texts' length (and
capped); once it is spent, what is not yet matched is shown as replaced, and
the diff says so. The result is kept per pair of versions (`site.models`), so a
page computes it once.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Hashable
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

# Stands for a paragraph break among the words: a line feed, which no word can
# hold (words are split at white space), so a word is never taken for a break.
PARAGRAPH = "\n"
# Units of work a diff may spend for each word of the two texts, and at most
# (a fraction of a second: docs/benchmarks.md).
BUDGET_PER_WORD = 12
BUDGET_CAP = 4_000_000
# Words in a run that anchors a long text where no single word is unique.
RUN = 4
# The largest part matched word by word with an LCS table (cells).
SMALL_TABLE = 4_096

Block = tuple[int, int, int]  # (start in old, start in new, length)


@dataclass(frozen=True)
class WordDiff:
    """A diff rendered as HTML paragraphs, and whether every word was matched.

    `spent` is the work it took; `cut` says that a caller's `limit`, smaller
    than the diff's own budget, ended it (it may be complete with more).
    `pending` marks a diff not worked out yet (site/changes.py).
    """

    html: SafeString
    complete: bool
    spent: int = 0
    cut: bool = False
    pending: bool = False


def _tokens(text: str) -> list[str]:
    """Return the words of `text`, with PARAGRAPH between its paragraphs."""
    tokens: list[str] = []
    for n, paragraph in enumerate(text.split("\n\n")):
        if n:
            tokens.append(PARAGRAPH)
        tokens.extend(paragraph.split())
    return tokens


class _Matcher:
    """Find matching blocks of two word lists within a work budget."""

    def __init__(self, a: list[str], b: list[str], budget: int) -> None:
        self.a, self.b = a, b
        self.budget = budget
        self.complete = True
        self.blocks: list[Block] = []

    def spend(self, units: int) -> bool:
        self.budget -= units
        return self.budget >= 0

    def run(self, ranges: list[tuple[int, int, int, int]] | None = None) -> list[Block]:
        """Return the matching blocks of the whole lists, or of `ranges` of them."""
        stack = list(ranges) if ranges is not None else [(0, len(self.a), 0, len(self.b))]
        while stack:
            stack.extend(self._split(*stack.pop()))
        self.blocks.sort()
        return self.blocks

    def _split(self, alo: int, ahi: int, blo: int, bhi: int) -> list[tuple[int, int, int, int]]:
        """Match what a range opens and closes with; return the parts left to diff."""
        a, b = self.a, self.b
        start = 0
        while alo + start < ahi and blo + start < bhi and a[alo + start] == b[blo + start]:
            start += 1
        if start:
            self.blocks.append((alo, blo, start))
            alo, blo = alo + start, blo + start
        end = 0
        while ahi - end > alo and bhi - end > blo and a[ahi - end - 1] == b[bhi - end - 1]:
            end += 1
        if end:
            ahi, bhi = ahi - end, bhi - end
            self.blocks.append((ahi, bhi, end))
        self.spend(start + end)
        if alo == ahi or blo == bhi:
            return []
        if self.budget < 0:
            self.complete = False
            return []
        anchors = self._anchors(alo, ahi, blo, bhi)
        if not anchors:
            self._small(alo, ahi, blo, bhi)
            return []
        parts = []
        for i, j, n in anchors:
            self.blocks.append((i, j, n))
            parts.append((alo, i, blo, j))
            alo, blo = i + n, j + n
        parts.append((alo, ahi, blo, bhi))
        return parts

    def _anchors(self, alo: int, ahi: int, blo: int, bhi: int) -> list[tuple[int, int, int]]:
        """Return blocks of words found once in each side, in their longest common order.

        Single words first; in a long text hardly any word is unique, so runs
        of `RUN` words (which nearly always are) when no single word is.
        """
        for size in (1, RUN):
            if ahi - alo < size or bhi - blo < size:
                break
            chosen = self._unique_runs(alo, ahi, blo, bhi, size)
            if chosen:
                return chosen
        return []

    def _unique_runs(
        self, alo: int, ahi: int, blo: int, bhi: int, size: int
    ) -> list[tuple[int, int, int]]:
        a, b = self.a, self.b
        # Counting the keys of both sides is most of a pass's cost: spent first,
        # so that a pass the budget cannot pay for is not begun.
        if not self.spend(4 * ((ahi - alo) + (bhi - blo))):
            self.complete = False
            return []
        keys_a: list[Hashable]
        keys_b: list[Hashable]
        if size == 1:
            keys_a, keys_b = list(a[alo:ahi]), list(b[blo:bhi])
        else:
            # A run is known by its hash (computed once, in C): a collision is
            # caught below, where each chosen run's words are compared.
            keys_a = list(
                map(hash, zip(*(a[alo + k : ahi - size + 1 + k] for k in range(size)), strict=True))
            )
            keys_b = list(
                map(hash, zip(*(b[blo + k : bhi - size + 1 + k] for k in range(size)), strict=True))
            )
        in_a, in_b = Counter(keys_a), Counter(keys_b)
        common = {w for w, n in in_a.items() if n == 1}
        common.intersection_update(w for w, n in in_b.items() if n == 1)
        if not common or not self.spend(8 * len(common)):
            self.complete = self.complete and not common
            return []
        where_b = {w: j for j, w in enumerate(keys_b, blo) if w in common}
        pairs = [(i, where_b[w]) for i, w in enumerate(keys_a, alo) if w in common]
        chosen = _longest_increasing(pairs)
        # Runs of several words may overlap their neighbours: keep those that do
        # not, and join those that follow on.
        blocks: list[tuple[int, int, int]] = []
        end_a = end_b = -1
        for i, j in chosen:
            if i == end_a and j == end_b and a[i : i + size] == b[j : j + size]:
                start_a, start_b, n = blocks[-1]
                blocks[-1] = (start_a, start_b, n + size)
            elif i < end_a or j < end_b or a[i : i + size] != b[j : j + size]:
                continue
            else:
                blocks.append((i, j, size))
            end_a, end_b = i + size, j + size
        return blocks

    def _small(self, alo: int, ahi: int, blo: int, bhi: int) -> None:
        """Match a part word by word with an LCS table, or leave it replaced if too large."""
        rows, cols = ahi - alo, bhi - blo
        if rows * cols > SMALL_TABLE:
            # No word found once on each side anchors it, and it is too large to
            # match word by word: shown replaced, and the page says so.
            self.complete = False
            return
        if not self.spend(rows * cols):
            self.complete = False
            return
        a, b = self.a[alo:ahi], self.b[blo:bhi]
        table = [[0] * (cols + 1) for _ in range(rows + 1)]
        for i in range(rows - 1, -1, -1):
            row, below = table[i], table[i + 1]
            for j in range(cols - 1, -1, -1):
                row[j] = below[j + 1] + 1 if a[i] == b[j] else max(below[j], row[j + 1])
        i = j = 0
        while i < rows and j < cols:
            if a[i] == b[j]:
                self.blocks.append((alo + i, blo + j, 1))
                i, j = i + 1, j + 1
            elif table[i + 1][j] >= table[i][j + 1]:
                i += 1
            else:
                j += 1


def _longest_increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Return the longest run of `pairs` (ordered by old position) whose new positions rise."""
    new = [j for _, j in pairs]
    if new == sorted(new):  # the usual case, a few words changed: checked at C speed
        return pairs
    # Patience sorting, n log n.
    tails: list[int] = []  # the smallest new position that ends a run of each length
    tail_at: list[int] = []  # index into pairs of that run's end
    before: list[int] = [-1] * len(pairs)
    for k, j in enumerate(new):
        n = bisect_left(tails, j)
        if n == len(tails):
            tails.append(j)
            tail_at.append(k)
        else:
            tails[n], tail_at[n] = j, k
        before[k] = tail_at[n - 1] if n else -1
    chosen: list[tuple[int, int]] = []
    k = tail_at[-1] if tail_at else -1
    while k >= 0:
        chosen.append(pairs[k])
        k = before[k]
    chosen.reverse()
    return chosen


def _paragraphs(tokens: list[str]) -> tuple[list[str], list[int]]:
    """Return each paragraph's words (with the break after it) as one string, and where it starts."""
    starts = [0, *(k + 1 for k, w in enumerate(tokens) if w == PARAGRAPH)]
    if starts[-1] == len(tokens) and len(starts) > 1:
        starts.pop()
    ends = [*starts[1:], len(tokens)]
    return [" ".join(tokens[s:e]) for s, e in zip(starts, ends, strict=True)], [
        *starts,
        len(tokens),
    ]


def budget_for(a: list[str], b: list[str]) -> int:
    """Return the work a diff of two word lists may spend: about linear in them, capped."""
    return min(BUDGET_CAP, BUDGET_PER_WORD * (len(a) + len(b)) + SMALL_TABLE)


def _match(a: list[str], b: list[str], budget: int) -> tuple[list[Block], bool, int]:
    """Return the matching blocks of two word lists, whether the budget sufficed, and the
    work spent.

    Paragraphs first: in a long story most are unchanged and unique, so they
    match whole at the cost of one comparison each; only the words of the
    paragraphs between them are diffed word by word.
    """
    para_a, at_a = _paragraphs(a)
    para_b, at_b = _paragraphs(b)
    paragraphs = _Matcher(para_a, para_b, budget)
    same = paragraphs.run()
    words = _Matcher(a, b, paragraphs.budget)
    gaps = []
    i = j = 0
    for pi, pj, n in [*same, (len(para_a), len(para_b), 0)]:
        gaps.append((at_a[i], at_a[pi], at_b[j], at_b[pj]))
        if n:
            words.blocks.append((at_a[pi], at_b[pj], at_a[pi + n] - at_a[pi]))
        i, j = pi + n, pj + n
    blocks = words.run(gaps)
    return blocks, words.complete, budget - max(words.budget, 0)


class _Html:
    """Paragraphs of HTML built from runs of words, kept, removed or added."""

    def __init__(self) -> None:
        self.paragraphs: list[list[str]] = [[]]

    def add(self, kind: str, words: list[str]) -> None:
        """Add words ("" kept, "del" removed, "ins" added); a break in them ends a paragraph.

        Whole runs are joined and split at C speed: a 2 MB text is a few
        thousand runs, not hundreds of thousands of words.
        """
        if not words:
            return
        pieces = " ".join(words).split(PARAGRAPH)
        if kind == "del":  # a removed break does not end the new text's paragraph
            pieces = [" ".join(" ".join(pieces).split())]
        for n, piece in enumerate(pieces):
            if n:
                self.paragraphs.append([])
            piece = piece.strip()
            if piece:
                self.paragraphs[-1].append(
                    f"<{kind}>{escape(piece)}</{kind}>" if kind else escape(piece)
                )

    def html(self) -> str:
        return "".join(f"<p>{' '.join(p)}</p>" for p in self.paragraphs if p)


def word_diff(old: str, new: str, limit: int | None = None) -> WordDiff:
    """Return HTML paragraphs of `new` against `old`: removed words in <del>, added in <ins>.

    A paragraph break in the new text starts a new paragraph; one only in the
    old text (paragraphs merged) does not. When the work budget runs out, the
    words not yet matched are shown removed and added, and `complete` is False.
    `limit` caps the work below the diff's own budget.
    """
    a, b = _tokens(old), _tokens(new)
    own = budget_for(a, b)
    budget = own if limit is None else min(own, limit)
    blocks, complete, spent = _match(a, b, budget)
    out = _Html()
    i = j = 0
    for bi, bj, n in [*blocks, (len(a), len(b), 0)]:
        out.add("del", a[i:bi])
        out.add("ins", b[j:bj])
        out.add("", b[bj : bj + n])
        i, j = bi + n, bj + n
    return WordDiff(
        mark_safe(out.html()), complete, spent, cut=not complete and budget < own
    )  # every word is escaped above
