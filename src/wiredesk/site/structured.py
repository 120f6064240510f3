"""Structured data for a story page: JSON-LD NewsArticle (schema.org) and Open Graph."""

from __future__ import annotations

import json
from collections.abc import Sequence

from django.utils import timezone

from wiredesk.stories.models import Story
from wiredesk.wire import rfc3339
from wiredesk.wire.cuts import cut_graphemes


def news_article(
    story: Story, url: str, site_name: str, site_url: str, images: Sequence[str] = ()
) -> str:
    """Return the JSON-LD of a story page, safe to put inside a <script> element.

    `images`: the lead picture's 16:9, 4:3 and 1:1 crops, as Google's article
    rules ask (at least 1,200 pixels wide where the original allows).
    """
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": cut_graphemes(story.headline, 110),
        "description": story.teaser,
        "datePublished": rfc3339(timezone.localtime(story.first_published_at)),
        "dateModified": rfc3339(timezone.localtime(story.modified_at)),
        "author": {
            "@type": "Organization",
            "name": story.agency.name,
            **({"url": story.agency.url} if story.agency.url else {}),
        },
        "publisher": {"@type": "Organization", "name": site_name, "url": site_url},
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
        "isAccessibleForFree": True,
    }
    if images:
        data["image"] = list(images)
    if story.language:
        data["inLanguage"] = story.language
    if story.dateline:
        data["dateline"] = story.dateline
    if story.located:
        data["contentLocation"] = {"@type": "Place", "name": story.located}
    if story.keywords:
        data["keywords"] = story.keywords
    text = json.dumps(data, ensure_ascii=False)
    # "</script>" inside a headline must not end the element.
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
