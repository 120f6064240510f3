"""Full text on request: for feeds whose items carry only a teaser and a link.

Opt-in per feed (`Feed.full_text`), where the agency's contract allows it: the
link is fetched politely (the same HTTP transport as polling) and the article
text taken from the page with trafilatura. The item keeps its own metadata
(identity, version, headline, times); only the body is replaced. A page that
cannot be fetched or read leaves the item as the feed sent it.
"""

from __future__ import annotations

import logging

import trafilatura

from wiredesk.transports.http import HttpTransport, PollState
from wiredesk.wire import WireItem, normalize
from wiredesk.wire.text import article_html

log = logging.getLogger("wiredesk.ingest")


def extract_article(page: bytes | str, url: str | None = None) -> str | None:
    """Return the article of a web page as HTML, or None when none is found."""
    extracted = trafilatura.extract(
        page, url=url, output_format="html", include_comments=False, include_tables=True,
        include_images=False, favor_precision=True,
    )  # fmt: skip
    return extracted or None


def with_full_text(item: WireItem, transport: HttpTransport, **normalize_options) -> WireItem:
    """Return `item` with the body of the page its link points at, else `item` unchanged."""
    if not item.link:
        return item
    result = transport.fetch(item.link, PollState())
    if result.content is None:
        log.warning("full text: %s for %s item=%s", result.error, item.link, item.item_id)
        return item
    article = extract_article(result.content, url=item.link)
    if not article:
        log.warning("full text: no article found at %s item=%s", item.link, item.item_id)
        return item
    full = item.replace(body_html=article_html(article, item.headline), teaser="", dateline=None,
                        located=None, body_text="")  # fmt: skip
    # Normalize again for the new body; the version stays the feed item's own,
    # so a repeat of the same item is still a no-op (and is not fetched again).
    return normalize(full, **normalize_options).replace(version=item.version)
