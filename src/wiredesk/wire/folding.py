"""Fold text for search, so that the spellings readers type interchangeably find each other.

Applied alike to what is indexed and to what is searched for
(stories/storage/search_index.py), so a word is found with or without its
optional marks, in either Unicode normalisation form. A word keeps its vowel
signs: a matra, a virama, an anusvara or a chandrabindu tells one word from
another (हंस, a swan; हँस, laugh), so folding never removes them. The rules,
applied to the text's canonical decomposition (NFD, Unicode Standard Annex
#15), which is what is indexed and searched for: a text in either form
decomposes alike, and quickly, where composing again (NFC) would read every
character of a Tamil or Bengali text once more (their vowel signs may compose):

1. Default-ignorable code points go (DerivedCoreProperties.txt,
   Default_Ignorable_Code_Point): the zero-width joiner and non-joiner
   (U+200D, U+200C), which choose how a conjunct or a half-form is drawn
   (The Unicode Standard, 23.2 "Layout Controls"), the soft hyphen, the bidi
   controls, variation selectors. The zero-width space (U+200B) marks a word
   break where a script writes none, so it becomes a space.
2. A nukta goes (Devanagari U+093C, Bengali U+09BC, Gurmukhi U+0A3C, Gujarati
   U+0ABC, Oriya U+0B3C, Telugu U+0C3C, Kannada U+0CBC): agencies write
   ज़रूरी and जरूरी for one word. The letters with a nukta built in (क़ U+0958
   to य़ U+095F, ड़ U+09DC to য় U+09DF, ਖ਼ U+0A59 to ਫ਼ U+0A5E, ऩ ऱ ऴ) decompose
   to their letter and the nukta, so they fold to the letter too.
3. Bengali khanda ta (ৎ U+09CE) is spelled ta, virama (ত্): before Unicode 4.1
   it was ta, virama, zero-width joiner (The Unicode Standard, 12.2 "Bengali").
4. Arabic script as Urdu is typed on Arabic and Persian keyboards: Arabic yeh
   and alef maksura (U+064A, U+0649) fold to Farsi yeh (U+06CC), kaf
   (U+0643) to keheh (U+06A9), heh (U+0647) to heh goal (U+06C1), teh
   marbuta (U+0629) to its goal form (U+06C3): Urdu's letters, in its
   alphabet, drawn alike. Heh doachashmee (U+06BE) and yeh barree (U+06D2)
   stay: they tell words apart (phir from pahar, ke from ki).
5. Arabic diacritics readers leave out go: the short vowels, tanween, shadda
   and sukun (U+064B to U+0652), the other vowel marks (U+0656 to U+065F),
   the superscript alef (U+0670), the Quranic annotation signs and the
   tatweel (U+0640, a stretch of the line, no letter). Madda and hamza
   (U+0653 to U+0655) stay: they make letters (آب, water; اب, now).
"""

from __future__ import annotations

import re
import unicodedata

# Default_Ignorable_Code_Point (DerivedCoreProperties.txt, Unicode 15), but
# U+200B, which separates words.
IGNORABLE = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200C, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
NUKTAS = (0x093C, 0x09BC, 0x0A3C, 0x0ABC, 0x0B3C, 0x0C3C, 0x0CBC)
ARABIC_MARKS = (
    (0x0610, 0x061A),  # Quranic annotation signs
    (0x0640, 0x0640),  # tatweel
    (0x064B, 0x0652),  # tanween, short vowels, shadda, sukun
    (0x0656, 0x065F),  # subscript alef and the other vowel marks
    (0x0670, 0x0670),  # superscript alef
    (0x06D6, 0x06DC),  # Quranic annotation signs
    (0x06DF, 0x06E4),
    (0x06E7, 0x06E8),
    (0x06EA, 0x06ED),
)
DROPPED = IGNORABLE + tuple((n, n) for n in NUKTAS) + ARABIC_MARKS
# One letter for another, as typed on different keyboards.
LETTERS = {
    "\u064a": "\u06cc",  # ي Arabic yeh: ی Farsi yeh
    "\u0649": "\u06cc",  # ى alef maksura: ی
    "\u0643": "\u06a9",  # ك Arabic kaf: ک keheh
    "\u0647": "\u06c1",  # heh: heh goal
    "\u0629": "\u06c3",  # ة teh marbuta: ۃ teh marbuta goal
    "\u200b": " ",  # zero-width space: a word break
}
SPELLED = {"\u09ce": "\u09a4\u09cd"}  # ৎ khanda ta: ত্ ta, virama

_REPLACED = LETTERS | SPELLED  # and every DROPPED character by nothing
# One pass of a character class: str.translate with a table looks up every
# character of the text in a dict, several times slower on a Hindi story.
_FOLDABLE = re.compile(
    "["
    + "".join(f"{re.escape(chr(first))}-{re.escape(chr(last))}" for first, last in DROPPED)
    + "".join(map(re.escape, _REPLACED))
    + "]"
)


def fold_for_search(text: str) -> str:
    """Return `text` folded for search: NFD, without the marks and variants readers leave out."""
    if text.isascii():  # nothing to fold, and most stories' text
        return text
    return _FOLDABLE.sub(_replacement, unicodedata.normalize("NFD", text))


def _replacement(found: re.Match[str]) -> str:
    return _REPLACED.get(found.group(), "")
