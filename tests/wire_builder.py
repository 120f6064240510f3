"""Build NewsML-G2 deliveries for lifecycle tests: one real format through the whole pipeline."""

from __future__ import annotations

from datetime import datetime
from html import escape


def g2_item(
    guid: str,
    version: int,
    when: datetime,
    headline: str = "Monsoon withdraws from north India",
    paragraphs: tuple[str, ...] = (
        "NEW DELHI, Oct 14 The monsoon has withdrawn from north India.",
    ),
    status: str = "usable",
    signal: str | None = None,
    embargo: datetime | None = None,
    ednote: str | None = None,
    first_created: datetime | None = None,
) -> bytes:
    """Return one NewsML-G2 newsItem as bytes."""
    meta = [
        '<itemClass qcode="ninat:text"/>',
        f"<versionCreated>{when.isoformat()}</versionCreated>",
        f'<pubStatus qcode="stat:{status}"/>',
    ]
    if first_created:
        meta.append(f"<firstCreated>{first_created.isoformat()}</firstCreated>")
    if embargo:
        meta.append(f"<embargoed>{embargo.isoformat()}</embargoed>")
    if ednote:
        meta.append(f"<edNote>{escape(ednote)}</edNote>")
    if signal:
        meta.append(f'<signal qcode="sig:{signal}"/>')
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        f'<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="{escape(guid)}" version="{version}">'
        f"<itemMeta>{''.join(meta)}</itemMeta><contentMeta><headline>{escape(headline)}</headline>"
        f'</contentMeta><contentSet><inlineXML contenttype="application/xhtml+xml">'
        f'<html xmlns="http://www.w3.org/1999/xhtml"><body>{body}</body></html></inlineXML></contentSet></newsItem>'
    ).encode()
