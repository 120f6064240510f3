"""How close each transliteration comes to how a reader would write a headline in Latin letters.

    uv run python benchmarks/slug_quality.py
    uv run --with unidecode --with aksharamukha python benchmarks/slug_quality.py

For each headline (Devanagari, Bengali, Tamil and Urdu, written for this measure)
a reader's own romanisation is given; each library's slug is compared with it by
the similarity of their letters (difflib's ratio over the slugs, 1.0 the same).
Libraries not installed are left out. stories/slugs.py uses anyascii.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable
from statistics import mean

from django.utils.text import slugify

# (script, headline, how a reader writes it in Latin letters)
HEADLINES = [
    ("Devanagari", "नई दिल्ली में प्रदूषण से राहत", "nai dilli mein pradushan se rahat"),
    (
        "Devanagari",
        "मुंबई में भारी बारिश, लोकल ट्रेनें रुकीं",
        "mumbai mein bhari barish local trainen rukin",
    ),
    ("Devanagari", "प्रधानमंत्री ने किसानों से बात की", "pradhanmantri ne kisanon se baat ki"),
    ("Devanagari", "पुणे में पानी की कटौती", "pune mein pani ki katauti"),
    ("Bengali", "কলকাতায় বৃষ্টিতে জলমগ্ন শহর", "kolkatay brishtite jolomogno shohor"),
    ("Bengali", "মুখ্যমন্ত্রীর নতুন প্রকল্প ঘোষণা", "mukhyamantrir notun prokolpo ghoshona"),
    ("Bengali", "দুর্গাপুজোর প্রস্তুতি শুরু", "durgapujor prostuti shuru"),
    ("Tamil", "சென்னையில் கனமழை", "chennaiyil kanamazhai"),
    ("Tamil", "பள்ளிகளுக்கு விடுமுறை அறிவிப்பு", "pallikalukku vidumurai arivippu"),
    ("Tamil", "முதல்வர் புதிய திட்டம் தொடக்கம்", "muthalvar puthiya thittam thodakkam"),
    ("Urdu", "دہلی میں فضائی آلودگی", "dehli mein fazai aloodgi"),
    ("Urdu", "وزیر اعظم کا دورہ", "wazir azam ka daura"),
    ("Urdu", "کرکٹ ٹیم کی جیت", "cricket team ki jeet"),
]


def _library(name: str) -> Callable[[str, str], str] | None:
    try:
        module = importlib.import_module(name)
    except ImportError:
        return None
    if name == "anyascii":
        return lambda text, script: module.anyascii(text)
    if name == "unidecode":
        return lambda text, script: module.unidecode(text)
    transliterate = importlib.import_module("aksharamukha.transliterate")
    return lambda text, script: transliterate.process(script, "RomanReadable", text)


def main() -> None:
    print(
        f"{'library':<14}"
        + "".join(f"{s:>12}" for s in ("Devanagari", "Bengali", "Tamil", "Urdu", "all"))
    )
    for name in ("anyascii", "unidecode", "aksharamukha"):
        convert = _library(name)
        if convert is None:
            print(f"{name:<14}  (not installed)")
            continue
        scores: dict[str, list[float]] = {}
        for script, headline, reader in HEADLINES:
            slug = slugify(convert(headline, script))
            scores.setdefault(script, []).append(
                difflib.SequenceMatcher(None, slug, slugify(reader)).ratio()
            )
        row = [mean(scores[s]) for s in ("Devanagari", "Bengali", "Tamil", "Urdu")]
        row.append(mean(v for values in scores.values() for v in values))
        print(f"{name:<14}" + "".join(f"{v:>12.2f}" for v in row))


if __name__ == "__main__":
    main()
