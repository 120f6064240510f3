"""A story's slug from its headline, in any script, as the site chooses (`[site] slugs`).

Django's slugify keeps only ASCII letters (or, with allow_unicode, drops the vowel
signs of Indian scripts, which are marks, not letters), so a Hindi headline became
"story". Two choices, each stable once published (a corrected headline's old
address redirects, by the story's number):

- "latin": the headline transliterated to Latin letters by anyascii, then slugified:
  "नई दिल्ली में प्रदूषण से राहत" becomes "ni-dilli-mem-prdusn-se-raht", ASCII that
  every system carries. anyascii covers every script in one small, maintained
  table (docs/benchmarks.md, "Slugs in Indian scripts", compares it with the
  other libraries we tried).
- "unicode": the headline's own letters with their marks, lower-cased, words
  joined by hyphens: an IRI path segment (RFC 3987), percent-encoded in links.
"""

from __future__ import annotations

import unicodedata

import regex
from anyascii import anyascii
from django.conf import settings
from django.utils.text import slugify

from wiredesk.wire.cuts import cut_graphemes

MAX_CHARS = 80

# slugify without keep_lazy's wrapper, which looks for lazy strings in the
# arguments (a quarter of its time; a headline is never lazy).
_slugify = getattr(slugify, "__wrapped__", slugify)

# Letters with their marks (vowel signs, viramas, nuktas), digits and the
# joiners some scripts spell with; anything else separates words.
_NOT_WORD = regex.compile(r"[^\p{L}\p{M}\p{N}\u200c\u200d]+")


def latin_slug(headline: str) -> str:
    """Return the ASCII slug of a headline in any script."""
    return _slugify(anyascii(headline))[:MAX_CHARS].strip("-") or "story"


def unicode_slug(headline: str) -> str:
    """Return the slug of a headline in its own letters, never cut inside a grapheme."""
    words = _NOT_WORD.sub("-", unicodedata.normalize("NFC", headline).lower()).strip("-")
    return cut_graphemes(words, MAX_CHARS).strip("-") or "story"


def topic_slug(name: str) -> str:
    """Return a topic's slug: as it always was for Latin names, transliterated for others."""
    return _slugify(name) or _slugify(anyascii(name))


def slug_of(headline: str) -> str:
    """Return a story's slug from its headline, in the style the site chose."""
    if settings.WIREDESK.site.slugs == "unicode":
        return unicode_slug(headline)
    return latin_slug(headline)
