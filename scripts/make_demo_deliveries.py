"""Render the demo's made-up stories into agency deliveries (Atom, JSON Feed, RSS 1.0).

Run from the project root: `uv run python scripts/make_demo_deliveries.py`.
Writes src/wiredesk/demo/deliveries/0003-... onwards; 0001/0002 are the real seed.
"""

from __future__ import annotations

import html
import itertools
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from demo_stories import HARBOUR, MERIDIAN, NORTHLINE

OUT = Path(__file__).resolve().parent.parent / "src/wiredesk/demo/deliveries"
IST = timezone(timedelta(hours=5, minutes=30))
START = datetime(2021, 10, 13, 8, 0, tzinfo=IST)  # the day before the seed story


def chunks(seq, size):
    return [seq[i : i + size] for i in range(0, len(seq), size)]


def paras_html(paras):
    return "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paras)


def atom(entries):
    parts = []
    for n, when, (headline, paras) in entries:
        parts.append(f"""  <entry>
    <id>urn:hns:story:2021-10-13:{n:04d}</id>
    <title type="text">{html.escape(headline, quote=False)}</title>
    <published>{when.isoformat()}</published>
    <updated>{when.isoformat()}</updated>
    <author><name>HNS</name></author>
    <category term="national" label="National"/>
    <link rel="alternate" href="https://hns.example/story/{n:04d}"/>
    <content type="html">{html.escape(paras_html(paras), quote=False)}</content>
  </entry>""")
    latest = max(when for _, when, _ in entries).isoformat()
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
  <id>urn:hns:feed:national</id>
  <title>Harbour News Service - National</title>
  <updated>{latest}</updated>
  <author><name>Harbour News Service</name></author>
{chr(10).join(parts)}
</feed>
"""


def jsonfeed(entries):
    items = []
    for n, when, (headline, paras) in entries:
        item = {
            "id": f"meridian-{n:05d}",
            "url": f"https://meridian.example/news/{n:05d}",
            "title": headline,
            "date_published": when.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "authors": [{"name": "Meridian Press"}],
            "tags": ["UK"],
            "language": "en-GB",
        }
        # Meridian sends some items as plain text, some as HTML: both are read.
        if n % 2:
            item["content_text"] = "\n\n".join(paras)
        else:
            item["content_html"] = paras_html(paras)
        items.append(item)
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Meridian Press wire",
        "home_page_url": "https://meridian.example/",
        "items": items,
    }
    return json.dumps(feed, indent=2, ensure_ascii=False) + "\n"


def rss1(entries):
    seq = "".join(
        f'\n        <rdf:li rdf:resource="https://northline.example/wire/{n}"/>'
        for n, _, _ in entries
    )
    items = []
    for n, when, (headline, paras) in entries:
        items.append(f"""  <item rdf:about="https://northline.example/wire/{n}">
    <title>{html.escape(headline, quote=False)}</title>
    <link>https://northline.example/wire/{n}</link>
    <dc:date>{when.isoformat()}</dc:date>
    <dc:creator>Northline</dc:creator>
    <dc:subject>Asia-Pacific</dc:subject>
    <content:encoded><![CDATA[{paras_html(paras)}]]></content:encoded>
  </item>""")
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/">
  <channel rdf:about="https://northline.example/wire">
    <title>Northline Wire</title>
    <link>https://northline.example/</link>
    <description>Northline Wire: Asia-Pacific</description>
    <dc:language>en</dc:language>
    <items><rdf:Seq>{seq}
    </rdf:Seq></items>
  </channel>
{chr(10).join(items)}
</rdf:RDF>
"""


def main() -> None:
    for old in OUT.glob("0[0-9][0-9][0-9]-*"):
        if not old.name.startswith(("0001-", "0002-")):
            old.unlink()
    clock = itertools.count()

    def stamp(stories, first):
        return [(first + i, START + timedelta(minutes=7 * next(clock)), s)
                for i, s in enumerate(stories)]  # fmt: skip

    batches = {
        "harbour": [(atom, "xml", b) for b in chunks(stamp(HARBOUR, 101), 3)],
        "meridian": [(jsonfeed, "json", b) for b in chunks(stamp(MERIDIAN, 5001), 2)],
        "northline": [(rss1, "rdf", b) for b in chunks(stamp(NORTHLINE, 9001), 3)],
    }
    number = 3
    for group in itertools.zip_longest(*batches.values()):
        for agency, entry in zip(batches, group, strict=True):
            if entry is None:
                continue
            render, ext, stories = entry
            path = OUT / f"{number:04d}-{agency}-{stories[0][0]}.{ext}"
            path.write_text(render(stories), encoding="utf-8")
            number += 1
    print(f"wrote {number - 3} deliveries to {OUT}")


if __name__ == "__main__":
    main()
