"""Full text on request: for feeds whose items carry only a teaser and a link.

Opt-in per feed (`Feed.full_text`), where the agency's contract allows it: the
link is fetched under the outbound policy (transports/outbound.py) and the article
text taken from the page with trafilatura. The item keeps its own metadata
(identity, version, headline, times); only the body is replaced. A page that
cannot be fetched or read leaves the item as the feed sent it.
"""

from __future__ import annotations

import logging
from typing import Any

import trafilatura

from wiredesk.transports.outbound import OutboundPolicy, Refused, fetch
from wiredesk.wire import WireItem, normalize
from wiredesk.wire.text import article_html

log = logging.getLogger("wiredesk.ingest")


def extract_article(page: bytes | str, url: str | None = None) -> str | None:
    """Return the article of a web page as HTML, or None when none is found."""
    extracted = trafilatura.extract(
        page,
        url=url,
        output_format="html",
        include_comments=False,
        include_tables=True,
        include_images=False,
        favor_precision=True,
    )
    return extracted or None


def with_full_text(
    item: WireItem, policy: OutboundPolicy, user_agent: str, **normalize_options: Any
) -> WireItem:
    """Return `item` with the body of the page its link points at, else `item` unchanged.

    The link is the agency's word: it is fetched under the outbound policy
    (public addresses only, unless the feed allows a host; size and time
    limits), and whatever goes wrong leaves the item as the feed sent it.
    """
    if not item.link:
        return item
    try:
        page, url = fetch(item.link, policy, user_agent)
        article = extract_article(page, url=url)
    except Refused as exc:
        log.warning("full text refused: %s for %s item=%s", exc, item.link, item.item_id)
        return item
    except Exception as exc:  # a page that trips the extractor: the item as sent
        log.warning("full text failed: %r for %s item=%s", exc, item.link, item.item_id)
        return item
    if not article:
        log.warning("full text: no article found at %s item=%s", item.link, item.item_id)
        return item
    full = item.replace(
        body_html=article_html(article, item.headline),
        teaser="",
        dateline=None,
        located=None,
        body_text="",
    )
    # Normalize again for the new body; the version stays the feed item's own,
    # so a repeat of the same item is still a no-op (and is not fetched again).
    return normalize(full, **normalize_options).replace(version=item.version)
