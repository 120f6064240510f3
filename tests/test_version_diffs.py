"""What changed between versions: a word diff at a bounded cost, computed once and kept.

`difflib.SequenceMatcher` made the versions page's cost grow with the cube of
the text (two versions of 2,000 words: minutes). The diff now costs about the
texts' length within a fixed budget, falls back to "replaced" when the budget
runs out, and is kept per pair of versions (site.models.VersionDiff).
"""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta
from html import unescape

import lxml.html
from django.contrib.auth import get_user_model
from hypothesis import given
from hypothesis import strategies as st

from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.site.diff import word_diff
from wiredesk.site.models import VersionDiff
from wiredesk.stories.models import Story

from .wire_builder import g2_item

WORDS = [f"w{n}" for n in range(3000)] + ["the"] * 300 + ["of"] * 200 + ["<b>", "&amp;", "¶"]


def _story_text(words: int, seed: int) -> list[str]:
    """Return paragraphs of 60 words drawn from a vocabulary where no word is rare."""
    pick = random.Random(seed).choice
    return [" ".join(pick(WORDS) for _ in range(60)) for _ in range(words // 60)]


def _edited(paragraphs: list[str], every: int, mark: str = "EDITED") -> list[str]:
    """Return the paragraphs with one word in `every` (counted across them) replaced by `mark`."""
    edited, count = [], 0
    for paragraph in paragraphs:
        words = paragraph.split(" ")
        for n in range(len(words)):
            if count % every == 0:
                words[n] = mark
            count += 1
        edited.append(" ".join(words))
    return edited


def _sides(html: str) -> tuple[list[list[str]], list[str]]:
    """Return the new text's paragraphs (words) and the old text's words, read from a diff.

    A paragraph of removed words only (a paragraph the new text dropped) is no
    paragraph of the new text.
    """
    paragraphs = lxml.html.fragment_fromstring(f"<div>{html}</div>").findall("p")
    new, old = [], []
    for p in paragraphs:
        words = [w for part in _without(p, "del") for w in part.split()]
        if words:
            new.append(words)
        old.extend(w for part in _without(p, "ins") for w in part.split())
    return new, old


def _without(p, tag: str) -> list[str]:
    parts = [p.text or ""]
    for child in p:
        if child.tag != tag:
            parts.append(child.text or "")
        parts.append(child.tail or "")
    return parts


def test_a_two_megabyte_revision_is_diffed_word_by_word():
    old = _story_text(380_000, seed=1)  # about 2 MB
    new = _edited(old, every=500)
    diff = word_diff("\n\n".join(old), "\n\n".join(new))
    assert len("\n\n".join(old).encode()) > 2_000_000
    assert diff.complete
    inserted = re.findall(r"<ins>(.*?)</ins>", diff.html)
    assert inserted == ["EDITED"] * len(inserted) and len(inserted) == 760
    kept_new, kept_old = _sides(diff.html)
    assert kept_new == [p.split() for p in new]
    assert kept_old == "\n\n".join(old).split()


def test_a_pair_too_costly_to_match_is_shown_replaced_and_says_so():
    # Every word unique and in the opposite order: nothing short of a full LCS
    # table would match them; the budget runs out and the rest is "replaced".
    old = " ".join(f"x{n}" for n in range(300_000))
    new = " ".join(f"x{n}" for n in reversed(range(300_000)))
    diff = word_diff(old, new)
    assert not diff.complete
    kept_new, kept_old = _sides(diff.html)
    assert kept_new == [new.split()] and kept_old == old.split()


@given(
    st.lists(
        st.lists(st.sampled_from(["a", "b", "the", "<i>", "x&y", "¶", "\u00a0z"]), max_size=12),
        max_size=8,
    ),
    st.lists(
        st.tuples(st.integers(0, 7), st.integers(0, 12), st.sampled_from(["a", "c", "¶"])),
        max_size=6,
    ),
)
def test_a_diff_keeps_every_word_of_both_versions_in_order(paragraphs, edits):
    old = [list(p) for p in paragraphs]
    new = [list(p) for p in paragraphs]
    for where, at, word in edits:
        if new and new[where % len(new)]:
            paragraph = new[where % len(new)]
            paragraph[at % len(paragraph)] = word
        else:
            new.append([word])
    old_text = "\n\n".join(" ".join(p) for p in old)
    new_text = "\n\n".join(" ".join(p) for p in new)
    diff = word_diff(old_text, new_text)
    kept_new, kept_old = _sides(diff.html)
    assert [[unescape(w) for w in p] for p in kept_new] == [
        " ".join(p).split() for p in new if " ".join(p).split()
    ]
    assert [unescape(w) for w in kept_old] == old_text.split()


def _two_versions(feeds, *texts: list[str]) -> Story:
    """Deliver `texts` as the versions 1, 2, ... of one story; return it."""
    when = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
    for version, paragraphs in enumerate(texts, 1):
        item = g2_item(
            "urn:test:big", version, when + timedelta(minutes=version), paragraphs=tuple(paragraphs)
        )
        assert ingest_bytes(feeds["ians"], item, origin=f"v{version}.xml").ok
    return Story.objects.get(item_id="urn:test:big")


def test_the_versions_page_diffs_a_pair_once_and_reads_it_after(client, feeds):
    story = _two_versions(
        feeds, ["Monsoon rains lash Kerala."], ["Monsoon rains lash Kerala and Karnataka."]
    )
    url = f"/story/{story.pk}/{story.slug}/versions/"
    page = client.get(url)
    assert page.status_code == 200
    assert "<del>Kerala.</del> <ins>Kerala and Karnataka.</ins>" in page.content.decode()
    kept = VersionDiff.objects.get()
    assert "<del>Kerala.</del> <ins>Kerala and Karnataka.</ins>" in kept.html
    # Read, not computed again: what is kept is what the next reader sees.
    VersionDiff.objects.filter(pk=kept.pk).update(html="<p>kept <ins>diff</ins></p>")
    assert "kept <ins>diff</ins>" in client.get(url).content.decode()
    # The desk's story page reads the same kept diff.
    editor = get_user_model().objects.create_superuser("desk", "desk@news.example", "pw-1234567")
    client.force_login(editor)
    assert "kept <ins>diff</ins>" in client.get(f"/desk/story/{story.pk}/").content.decode()
    assert VersionDiff.objects.count() == 1


def test_a_pair_past_the_budget_says_so_on_the_versions_page_and_the_desk(client, feeds):
    # Two long runs of the same two words: no word, nor run of words, is found
    # once in each to anchor a match, and a word-by-word table is too large.
    pick = random.Random(4).choice
    old, new = (" ".join(pick("ab") for _ in range(3000)) for _ in range(2))
    story = _two_versions(feeds, [old], [new])
    page = client.get(f"/story/{story.pk}/{story.slug}/versions/").content.decode()
    assert "changed too much to show word by word" in page
    assert not VersionDiff.objects.get().complete
    client.force_login(
        get_user_model().objects.create_superuser("desk", "d@news.example", "pw-12345678")
    )
    assert (
        "Changed too much to show word by word"
        in client.get(f"/desk/story/{story.pk}/").content.decode()
    )


def test_a_request_works_out_one_costly_diff_and_leaves_the_next_to_the_next_request(client, feeds):
    # Two revisions of 2 MB changing a word in every paragraph: each diff spends
    # its whole budget, and one request spends one diff's budget at most.
    first = _story_text(380_000, seed=3)
    second = _edited(first, every=50, mark="SECOND")
    story = _two_versions(feeds, first, second, _edited(second, every=40, mark="THIRD"))
    url = f"/story/{story.pk}/{story.slug}/versions/"
    answer = client.get(url)
    assert "still being worked out" in answer.content.decode()
    assert "no-store" in answer["Cache-Control"]  # neither the page cache nor a CDN keeps it
    assert VersionDiff.objects.count() == 1
    answer = client.get(url)
    assert "still being worked out" not in answer.content.decode()
    assert VersionDiff.objects.count() == 2


def test_the_versions_page_of_two_megabyte_versions_shows_the_changes(client, feeds):
    old = _story_text(380_000, seed=2)
    story = _two_versions(feeds, old, _edited(old, every=500))
    page = client.get(f"/story/{story.pk}/{story.slug}/versions/")
    assert page.status_code == 200
    tree = lxml.html.fromstring(page.content)
    assert len(tree.cssselect(".diff ins")) == 760
    assert VersionDiff.objects.get().complete
