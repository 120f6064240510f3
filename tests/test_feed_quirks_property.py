"""Generated feeds that combine the quirks of feeds in the wild; every field read back as generated.

Each example picks a format and its namespace (RSS 2.0 plain or in Userland's
namespace, RSS 1.0, Atom 1.0, Atom 0.3, Atom without namespace), a declared
and an actual encoding, `xml:base` attributes or none, and HTML or plain text
for the body, then checks identity, headline, link, body text and language
against what the generator put in.
"""

from __future__ import annotations

from html import escape
from urllib.parse import urljoin

from hypothesis import assume, given
from hypothesis import strategies as st

from wiredesk.wire import normalize, parse
from wiredesk.wire.decoding import UTF8_SEQUENCE

# Letters in Latin-1 and Windows-1252 punctuation: both encodings carry them.
LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGH\u00e9\u00e8\u00fc\u00df\u00e7"
PUNCTUATION = "\u2019\u201c\u201d\u2013\u2026"
word = st.text(alphabet=LETTERS + PUNCTUATION, min_size=1, max_size=8).filter(
    lambda w: any(c in LETTERS for c in w)
)
words = st.lists(word, min_size=1, max_size=6).map(" ".join)
paragraphs = st.lists(words, min_size=1, max_size=3)
slug = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)

FORMATS = ("rss2", "rss2-userland", "rss1", "atom", "atom03", "atom-no-namespace")
DECLARED = ("utf-8", "iso-8859-1", "windows-1252", None)
ACTUAL = ("utf-8", "cp1252")


@st.composite
def feeds(draw):
    fmt = draw(st.sampled_from(FORMATS))
    declared = draw(st.sampled_from(DECLARED))
    actual = draw(st.sampled_from(ACTUAL))
    item_id = "urn:gen:" + draw(slug)
    headline = draw(words)
    body = draw(paragraphs)
    body_as_html = draw(st.booleans())
    with_img = body_as_html and draw(st.booleans())
    feed_base = draw(st.sampled_from([None, "https://agency.example/wire/"]))
    item_base = draw(st.sampled_from([None, "2021/", "/top/"]))
    link = draw(slug)
    language = draw(st.sampled_from([None, "en", "fr-CA"]))
    return (
        fmt,
        declared,
        actual,
        item_id,
        headline,
        body,
        body_as_html,
        with_img,
        (feed_base, item_base, link, language),
    )


def build(fmt, declared, item_id, headline, body, body_as_html, with_img, extra) -> str:
    feed_base, item_base, link, language = extra
    feed_base_attr = f' xml:base="{feed_base}"' if feed_base else ""
    item_base_attr = f' xml:base="{item_base}"' if item_base else ""
    lang = f' xml:lang="{language}"' if language else ""
    if body_as_html:
        markup = ('<img src="pic.jpg" alt=""/>' if with_img else "") + "".join(
            f"<p>{escape(p, quote=False)}</p>" for p in body
        )
        body_xml = escape(markup, quote=False)
    else:
        body_xml = escape("\n\n".join(body), quote=False)
    title = escape(headline, quote=False)
    declaration = f'<?xml version="1.0" encoding="{declared}"?>\n' if declared else ""
    if fmt.startswith("rss2"):
        ns = ' xmlns="http://backend.userland.com/rss2"' if fmt == "rss2-userland" else ""
        return (
            f'{declaration}<rss version="2.0"{ns}{lang}><channel{feed_base_attr}><title>W</title>'
            f'<item{item_base_attr}><guid isPermaLink="false">{item_id}</guid><title>{title}</title>'
            f"<link>{link}</link><description>{body_xml}</description></item></channel></rss>"
        )
    if fmt == "rss1":
        return (
            f'{declaration}<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            f'xmlns="http://purl.org/rss/1.0/"{lang}{feed_base_attr}>'
            f'<channel rdf:about="urn:c"><title>W</title></channel>'
            f'<item rdf:about="{item_id}"{item_base_attr}><title>{title}</title><link>{link}</link>'
            f"<description>{body_xml}</description></item></rdf:RDF>"
        )
    ns = {
        "atom": ' xmlns="http://www.w3.org/2005/Atom"',
        "atom03": ' version="0.3" xmlns="http://purl.org/atom/ns#"',
        "atom-no-namespace": "",
    }[fmt]
    if body_as_html:
        content_type = ' type="text/html" mode="escaped"' if fmt == "atom03" else ' type="html"'
    else:
        content_type = ' type="text/plain"' if fmt == "atom03" else ' type="text"'
    return (
        f"{declaration}<feed{ns}{lang}{feed_base_attr}><title>W</title>"
        f"<entry{item_base_attr}><id>{item_id}</id><title>{title}</title>"
        f'<link rel="alternate" href="{link}"/><content{content_type}>{body_xml}</content>'
        f"</entry></feed>"
    )


@given(feeds())
def test_every_field_reads_back_as_generated_whatever_the_quirks(example):
    fmt, declared, actual, item_id, headline, body, body_as_html, with_img, extra = example
    feed_base, item_base, link, language = extra
    data = build(fmt, declared, item_id, headline, body, body_as_html, with_img, extra).encode(
        actual
    )
    if actual == "cp1252":
        # Windows-1252 letters followed by quotes or dashes can spell a UTF-8
        # sequence by chance ("\u00df\u2013" is the bytes of U+07D6): no reader can tell.
        assume(not UTF8_SEQUENCE.search(data))
    [item] = parse(data)
    item = normalize(item)
    assert item.item_id == item_id
    assert item.headline == headline
    assert item.body_text == "\n\n".join(body)
    assert "<img" not in item.body_html and not item.teaser.startswith("<")
    # RFC 3986 section 5.1: each xml:base resolves against the one around it.
    base = feed_base
    if item_base:
        base = urljoin(base, item_base) if base else item_base
    expected_link = urljoin(base, link) if base else link
    assert item.link == expected_link
    assert item.language == language
