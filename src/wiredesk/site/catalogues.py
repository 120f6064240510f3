"""The site's own words in other languages: gettext catalogues kept in the repository.

Each language has `locale/<lang>/LC_MESSAGES/django.po` (what translators
edit) and its compiled `django.mo` (what Django reads), both committed, so a
clone serves its languages without gettext's tools. Babel, not xgettext,
finds the marked words (Django's own `templatize` turns a template into the
calls xgettext would read) and writes both files: `wiredesk translations`
(docs/translating.md).

Words a catalogue lacks fall back to English, so the `lang` of the site's words
is the active language only where a catalogue for it exists (`words_language`).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog
from babel.messages.extract import extract
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from django.conf import settings
from django.utils import translation
from django.utils.translation.template import templatize

PACKAGE = Path(__file__).resolve().parent.parent
# Django's marking functions, as Babel's extractor names their arguments.
KEYWORDS = {
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "_": None,
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}
COMMENT_TAGS = ("Translators:",)
PROJECT = "Wiredesk"
HEADER = """\
# The words of Wiredesk's site in one language: how to translate them is in
# docs/translating.md. Distributed under Wiredesk's license (Apache-2.0)."""


def locale_dir() -> Path:
    """Return the folder of the catalogues (settings.LOCALE_PATHS' first)."""
    return Path(settings.LOCALE_PATHS[0])


def languages() -> list[str]:
    """Return the languages that have a catalogue, by folder name ("hi", "mr")."""
    return sorted(p.parent.parent.name for p in locale_dir().glob("*/LC_MESSAGES/django.po"))


def po_path(language: str) -> Path:
    """Return where `language`'s catalogue is."""
    return locale_dir() / language / "LC_MESSAGES" / "django.po"


def has_catalogue(language: str) -> bool:
    """Say whether the site's words have a compiled catalogue in `language` (or its
    primary language: "hi-IN" has Hindi's)."""
    return _has_catalogue(locale_dir(), language)


@cache
def _has_catalogue(folder: Path, language: str) -> bool:
    tag = translation.to_locale(language)
    return any(
        (folder / f / "LC_MESSAGES" / "django.mo").is_file() for f in {tag, tag.split("_")[0]}
    )


def words_language() -> str:
    """Return the language the site's own words are in now: the active one where a
    catalogue has it, else English (the words as written)."""
    active = translation.get_language() or settings.LANGUAGE_CODE
    if active.split("-")[0].lower() == "en" or has_catalogue(active):
        return active
    return "en"


def _sources() -> Iterator[tuple[str, str, bytes]]:
    """Yield (how to read it, path from the repository, text) of every file that may mark words."""
    root = PACKAGE.parent.parent
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" not in path.parts:
            yield "python", str(path.relative_to(root)), path.read_bytes()
    for path in sorted(PACKAGE.glob("*/templates/**/*.html")):
        text = templatize(path.read_text(encoding="utf-8"), str(path))
        # Python's tokenizer refuses a template line's leading spaces as a bad indent;
        # templatize writes each string on one line, so they can go.
        text = "\n".join(line.lstrip() for line in text.split("\n"))
        yield "python", str(path.relative_to(root)), text.encode("utf-8")


def marked() -> Catalog:
    """Return every message the code and templates mark, as a catalogue template (no translations)."""
    template = Catalog(project=PROJECT, fuzzy=False)
    for method, name, data in _sources():
        if b"gettext" not in data and b"_(" not in data:
            continue  # neither marks any words: no need to tokenize it
        found = extract(
            method,
            io.BytesIO(data),
            keywords=KEYWORDS,
            comment_tags=COMMENT_TAGS,
            strip_comment_tags=True,
        )
        for _lineno, message, comments, context in found:
            template.add(message, None, [(name, 0)], auto_comments=comments, context=context)
    return template


def compiled(catalog: Catalog) -> bytes:
    """Return the .mo bytes of a catalogue (fuzzy translations left out, as msgfmt does)."""
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def read(language: str) -> Catalog:
    """Return `language`'s catalogue as committed."""
    with po_path(language).open("rb") as f:
        return read_po(f, locale=language, domain="django")


def _english_name(language: str) -> str:
    try:
        return Locale.parse(language).english_name or language
    except (UnknownLocaleError, ValueError):
        return language


def _po_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_po(out, catalog, width=100, include_lineno=False, ignore_obsolete=True)
    return out.getvalue()


def updated(language: str, template: Catalog) -> tuple[bytes, bytes]:
    """Return `language`'s catalogue brought up to `template` (new messages added untranslated,
    gone ones dropped, a changed one kept as fuzzy for its translator), and its .mo."""
    path = po_path(language)
    if path.exists():
        catalog = read(language)
        created, revised = catalog.creation_date, catalog.revision_date
    else:
        catalog = Catalog(
            locale=language,
            domain="django",
            header_comment=HEADER,
            project=PROJECT,
            version="1",
            msgid_bugs_address="the Wiredesk issue tracker",
            last_translator="Wiredesk contributors",
            language_team=_english_name(language),
            fuzzy=False,
        )
        created = revised = datetime.now().astimezone().replace(microsecond=0)
    catalog.update(template, update_header_comment=False)
    # Dates as they were: running the command with nothing new changes no file.
    catalog.creation_date, catalog.revision_date = created, revised
    catalog.obsolete.clear()
    return _po_bytes(catalog), compiled(catalog)


def update(new: tuple[str, ...] = ()) -> list[Path]:
    """Bring every catalogue (and any `new` language's) up to the marked words and compile
    them; return the files written (none when all were current)."""
    template = marked()
    written = []
    for language in sorted({*languages(), *new}):
        po, mo = updated(language, template)
        path = po_path(language)
        path.parent.mkdir(parents=True, exist_ok=True)
        for target, data in ((path, po), (path.with_suffix(".mo"), mo)):
            if not target.exists() or target.read_bytes() != data:
                target.write_bytes(data)
                written.append(target)
    _has_catalogue.cache_clear()
    return written


def stale() -> list[str]:
    """Return what `update` would change, as sentences (empty when every catalogue is current)."""
    template = marked()
    wanted = {(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in template if m.id}
    said = []
    for language in languages():
        catalog = read(language)
        have = {(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in catalog if m.id}
        if missing := wanted - have:
            said.append(f"{language}: {len(missing)} marked message(s) not in django.po")
        if gone := have - wanted:
            said.append(f"{language}: {len(gone)} message(s) in django.po no longer marked")
        mo = po_path(language).with_suffix(".mo")
        if not mo.exists() or mo.read_bytes() != compiled(catalog):
            said.append(f"{language}: django.mo is not django.po compiled")
    return said
