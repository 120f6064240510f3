"""Generated agency deliveries for the benchmarks: realistic sizes, every format."""

from __future__ import annotations

import html
import json
import random
from datetime import UTC, datetime, timedelta

START = datetime(2021, 10, 14, 4, 9, 3, tzinfo=UTC)
WORDS = [
    "officials",
    "said",
    "the",
    "government",
    "would",
    "announce",
    "new",
    "measures",
    "on",
    "Thursday",
    "to",
    "support",
    "farmers",
    "affected",
    "by",
    "the",
    "late",
    "monsoon",
    "while",
    "markets",
    "in",
    "the",
    "capital",
    "remained",
    "calm",
    "ahead",
    "of",
    "the",
    "decision",
]


# Made-up words from syllables: a vocabulary of a few thousand, so generated
# stories differ from each other as real ones do (only the common words recur).
SYLLABLES = [
    "ka",
    "ri",
    "to",
    "men",
    "sa",
    "lo",
    "vi",
    "dan",
    "pe",
    "ru",
    "shi",
    "mo",
    "gal",
    "ne",
    "tu",
]
VOCABULARY = [a + b + c for a in SYLLABLES for b in SYLLABLES for c in ("", "n", "ra", "sh")]


def paragraphs(n: int, count: int = 4) -> list[str]:
    rng = random.Random(n)  # the same story for the same n, on every run
    out = []
    for p in range(count):
        words = [
            rng.choice(WORDS) if rng.random() < 0.4 else rng.choice(VOCABULARY)
            for _ in range(28 + (n + p) % 9)
        ]
        out.append(" ".join(words).capitalize() + f" ({n}.{p}).")
    out[0] = f"NEW DELHI, Oct 14 {out[0]}"
    return out


def when(n: int) -> str:
    return (START + timedelta(seconds=n)).isoformat()


def rss2(start: int, count: int) -> bytes:
    items = "".join(
        f"<item><title>Headline {n} on the measures</title><link>https://wire.example/{n}</link>"
        f'<guid isPermaLink="false">wire-{n}</guid><pubDate>Thu, 14 Oct 2021 09:39:03 +0530</pubDate>'
        f"<dc:creator>Wire</dc:creator><category>India</category>"
        f"<content:encoded><![CDATA[{''.join(f'<p>{p}</p>' for p in paragraphs(n))}]]></content:encoded></item>"
        for n in range(start, start + count)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Wire</title><link>https://wire.example/</link>'
        f"<description>d</description>{items}</channel></rss>"
    ).encode()


def rss1(start: int, count: int) -> bytes:
    items = "".join(
        f'<item rdf:about="https://wire.example/{n}"><title>Headline {n}</title><link>https://wire.example/{n}</link>'
        f"<dc:date>{when(n)}</dc:date><dc:creator>Wire</dc:creator>"
        f"<content:encoded><![CDATA[{''.join(f'<p>{p}</p>' for p in paragraphs(n))}]]></content:encoded></item>"
        for n in range(start, start + count)
    )
    return (
        '<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel rdf:about="https://wire.example/">'
        f"<title>Wire</title><link>https://wire.example/</link><description>d</description></channel>{items}</rdf:RDF>"
    ).encode()


def atom(start: int, count: int) -> bytes:
    entries = "".join(
        f"<entry><id>urn:wire:{n}</id><title>Headline {n}</title><published>{when(n)}</published>"
        f"<updated>{when(n)}</updated><author><name>Wire</name></author>"
        f'<content type="html">{html.escape("".join(f"<p>{p}</p>" for p in paragraphs(n)))}</content></entry>'
        for n in range(start, start + count)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><id>urn:wire</id>'
        f"<title>Wire</title><updated>{when(start)}</updated>{entries}</feed>"
    ).encode()


def _g2_item(n: int) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs(n))
    return (
        f'<newsItem guid="urn:newsml:wire.example:{n}" version="{1 + n % 3}" standard="NewsML-G2" standardversion="2.35" xml:lang="en">'
        '<itemMeta><itemClass qcode="ninat:text"/><provider qcode="nprov:WIRE"/>'
        f'<versionCreated>{when(n)}</versionCreated><firstCreated>{when(n)}</firstCreated><pubStatus qcode="stat:usable"/></itemMeta>'
        f"<contentMeta><urgency>{1 + n % 8}</urgency><slugline>Slug-{n}</slugline><headline>Headline {n}</headline>"
        '<by>Wire Staff</by><located qcode="city:Delhi"><name>New Delhi</name></located>'
        '<subject qcode="medtop:04000000"><name>economy, business and finance</name></subject></contentMeta>'
        f'<contentSet><inlineXML contenttype="application/xhtml+xml"><html xmlns="http://www.w3.org/1999/xhtml">'
        f"<body>{body}</body></html></inlineXML></contentSet></newsItem>"
    )


def _g2_picture(n: int) -> str:
    return (
        f'<newsItem guid="urn:newsml:wire.example:photo:{n}" version="1" standard="NewsML-G2" standardversion="2.35">'
        "<rightsInfo><copyrightNotice>(c) Wire</copyrightNotice></rightsInfo>"
        f'<itemMeta><itemClass qcode="ninat:picture"/><versionCreated>{when(n)}</versionCreated></itemMeta>'
        f'<contentMeta><description role="drol:caption">Caption of photo {n}</description>'
        "<creditline>Wire Photo</creditline></contentMeta><contentSet>"
        f'<remoteContent href="https://photos.wire.example/{n}/hi.jpg" contenttype="image/jpeg" width="3000" height="2000"/>'
        f'<remoteContent href="https://photos.wire.example/{n}/lo.jpg" contenttype="image/jpeg" width="640" height="427"/>'
        "</contentSet></newsItem>"
    )


def newsmlg2_with_pictures(start: int, count: int) -> bytes:
    """A message of texts, each with its own photo (a package groups each pair)."""
    parts = []
    for n in range(start, start + count):
        parts.append(
            f'<packageItem guid="urn:newsml:wire.example:pkg:{n}" version="1"><itemMeta><itemClass qcode="ninat:composite"/></itemMeta>'
            f'<groupSet root="g"><group id="g"><itemRef residref="urn:newsml:wire.example:{n}"/>'
            f'<itemRef residref="urn:newsml:wire.example:photo:{n}"/></group></groupSet></packageItem>'
        )
        parts.append(_g2_item(n) + _g2_picture(n))
    return (
        '<?xml version="1.0" encoding="UTF-8"?><newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/">'
        f"<header><sent>{when(start)}</sent></header><itemSet>{''.join(parts)}</itemSet></newsMessage>"
    ).encode()


def newsmlg2(start: int, count: int) -> bytes:
    items = "".join(_g2_item(n) for n in range(start, start + count))
    return (
        '<?xml version="1.0" encoding="UTF-8"?><newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/">'
        f"<header><sent>{when(start)}</sent></header><itemSet>{items}</itemSet></newsMessage>"
    ).encode()


def nitf(start: int, count: int) -> bytes:
    assert count == 1, "NITF carries one story a document"
    n = start
    body = "".join(f"<p>{p}</p>" for p in paragraphs(n))
    return (
        '<?xml version="1.0" encoding="utf-8"?><nitf version="-//IPTC//DTD NITF 3.6//EN"><head>'
        f'<title>Headline {n}</title><docdata management-status="usable"><doc-id id-string="WIRE-{n}"/>'
        f'<du-key key="slug-{n}" version="{1 + n % 3}"/><urgency ed-urg="{1 + n % 8}"/>'
        f'<date.issue norm="20211014T093903+0530"/></docdata><pubdata date.publication="20211014T093903+0530"/>'
        f"</head><body><body.head><hedline><hl1>Headline {n}</hl1></hedline><byline>Wire Staff</byline>"
        f"<dateline>NEW DELHI, Oct 14</dateline></body.head><body.content>{body}</body.content></body></nitf>"
    ).encode()


def newsml12(start: int, count: int) -> bytes:
    items = "".join(
        f'<NewsItem xml:lang="en"><Identification><NewsIdentifier><ProviderId>wire.example</ProviderId><DateId>20211014</DateId>'
        f'<NewsItemId>TX-{n}</NewsItemId><RevisionId PreviousRevision="0" Update="N">1</RevisionId>'
        f"<PublicIdentifier>urn:newsml:wire.example:20211014:TX-{n}:1</PublicIdentifier></NewsIdentifier></Identification>"
        f'<NewsManagement><NewsItemType FormalName="News"/><FirstCreated>20211014T093903+0530</FirstCreated>'
        f'<ThisRevisionCreated>20211014T093903+0530</ThisRevisionCreated><Status FormalName="Usable"/><Urgency FormalName="4"/></NewsManagement>'
        f"<NewsComponent><NewsLines><DateLine>New Delhi, Oct 14, 2021 (Wire) -</DateLine><HeadLine>Headline {n}</HeadLine></NewsLines>"
        f'<AdministrativeMetadata><Creator><Party FormalName="Wire Staff"/></Creator></AdministrativeMetadata>'
        f'<ContentItem><MediaType FormalName="Text"/><DataContent><nitf><body><body.content>'
        f"{''.join(f'<p>{p}</p>' for p in paragraphs(n))}</body.content></body></nitf></DataContent></ContentItem>"
        f"</NewsComponent></NewsItem>"
        for n in range(start, start + count)
    )
    return f'<?xml version="1.0" encoding="utf-8"?><NewsML Version="1.2">{items}</NewsML>'.encode()


def jsonfeed(start: int, count: int) -> bytes:
    return json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "Wire",
            "items": [
                {
                    "id": f"wire-{n}",
                    "title": f"Headline {n}",
                    "date_published": when(n),
                    "content_html": "".join(f"<p>{p}</p>" for p in paragraphs(n)),
                    "authors": [{"name": "Wire"}],
                }
                for n in range(start, start + count)
            ],
        }
    ).encode()


def ninjs(start: int, count: int) -> bytes:
    return json.dumps(
        [
            {
                "uri": f"urn:wire:{n}",
                "type": "text",
                "version": "1",
                "versionCreated": when(n),
                "pubStatus": "usable",
                "urgency": 1 + n % 8,
                "headlines": [{"role": "main", "value": f"Headline {n}"}],
                "by": "Wire Staff",
                "bodies": [
                    {
                        "role": "main",
                        "contentType": "text/html",
                        "value": "".join(f"<p>{p}</p>" for p in paragraphs(n)),
                    }
                ],
            }
            for n in range(start, start + count)
        ]
    ).encode()


def anpa1312(start: int, count: int) -> bytes:
    messages = []
    for n in range(start, start + count):
        body = "".join(f"\t{p}<\r\n" for p in paragraphs(n))
        messages.append(
            f"\x01a{n % 10000:04d} r a bx AM-Slug-{n} 1stLd-Writethru 10-14 0{120 + n % 50}\r\n"
            f"\x02^AM-Slug-{n}, 1st Ld-Writethru<\r\n^HL:Headline {n}@<\r\n^By WIRE STAFF=<\r\n{body}\x03\r\nWX-10-14-21 0939EDT<\r\n\x04"
        )
    return "".join(messages).encode()


def iptc7901(start: int, count: int) -> bytes:
    messages = []
    for n in range(start, start + count):
        body = "\r\n\r\n".join(paragraphs(n))
        messages.append(
            f"\x01WXA{n % 10000} 4 pol 0{120 + n % 50}\r\n\x02Slug/{n}\r\n\r\nHeadline {n}=\r\n\r\n{body}\r\n\x03 141530 Oct 21\r\n\x04"
        )
    return "".join(messages).encode()


# name: (make, items per delivery, is XML)
FORMATS = {
    "rss2": (rss2, 100, True),
    "rss1": (rss1, 100, True),
    "atom": (atom, 100, True),
    "newsmlg2": (newsmlg2, 10, True),
    "newsml12": (newsml12, 10, True),
    "nitf": (nitf, 1, True),
    "jsonfeed": (jsonfeed, 100, False),
    "ninjs": (ninjs, 10, False),
    "anpa1312": (anpa1312, 10, False),
    "iptc7901": (iptc7901, 10, False),
}


def deliveries(name: str, items: int) -> list[bytes]:
    """Return deliveries of format `name` holding `items` items in all."""
    make, per, _ = FORMATS[name]
    return [make(start, per) for start in range(0, items, per)]
