"""An agency's item as storing reads it: its version's fields, the facts the rules decide on,
and the sections its feed's routing rules give it.

Shared by the two ways an item is stored: as a new story (new_stories.py) and as
a version of a stored one (services.py). Nothing here reads or writes the database.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from wiredesk.wire import WireItem

from . import rules


def _version_fields(item: WireItem, now: datetime) -> dict:
    return {
        "received_at": now,
        "effective_at": item.version_created or item.first_created or now,
        "format": item.format,
        "pub_status": item.pub_status,
        "signal": item.signal or "",
        "first_created": item.first_created,
        "version_created": item.version_created,
        "embargoed_until": item.embargoed_until,
        "urgency": item.urgency,
        "headline": item.headline,
        "slugline": item.slugline or "",
        "byline": item.byline or "",
        "dateline": item.dateline or "",
        "located": item.located or "",
        "language": item.language or "",
        "body_html": item.body_html,
        "body_text": item.body_text,
        "teaser": item.teaser,
        "subjects": item.subjects,
        "keywords": item.keywords,
        "link": item.link or "",
        "creditline": item.creditline or "",
        "ednote": item.ednote or "",
        "text_sha256": hashlib.sha256(item.body_text.encode()).hexdigest(),
    }


def _incoming(item: WireItem, now: datetime) -> rules.Incoming:
    return rules.Incoming(
        pub_status=item.pub_status,
        signal=item.signal,
        is_advisory=item.is_advisory,
        effective_at=item.version_created or item.first_created or now,
        embargoed_until=item.embargoed_until,
    )


def _sections(policy: rules.Policy | None, item: WireItem) -> str:
    if policy is None or not policy.routes:
        return ""
    return rules.route(
        policy.routes, policy.feed, policy.agency, item.subjects, item.keywords, item.headline
    )
