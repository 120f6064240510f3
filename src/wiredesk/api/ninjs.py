"""Stories as ninjs 2.2 and 3.1 (IPTC), valid against the official schemas.

3.x names are camelCase (`versionCreated`, `pubStatus`, `embargoedUntil`);
2.x the same in lower case (`versioncreated`, `pubstatus`, `embargoed`).
A killed story is a ninjs object with `pubStatus` canceled: the ninjs way of
saying "remove this".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from wiredesk.pictures.selectors import ShownPicture
from wiredesk.stories.models import Story
from wiredesk.wire import rfc3339

VERSIONS = ("2.2", "3.1")
SCHEMA_URLS = {
    "2.2": "http://www.iptc.org/std/ninjs/ninjs-schema_2.2.json",
    "3.1": "http://www.iptc.org/std/ninjs/ninjs-schema_3.1.json",
}


def _names(version: str) -> dict[str, str]:
    camel = version.startswith("3")
    pairs = {
        "versionCreated": "versioncreated",
        "firstCreated": "firstcreated",
        "pubStatus": "pubstatus",
        "embargoedUntil": "embargoed",
        "contentType": "contenttype",
        "copyrightHolder": "copyrightholder",
        "altIds": "altids",
        "infoSources": "infosources",
        "wordCount": "wordcount",
        "copyrightNotice": "copyrightnotice",
        "usageTerms": "usageterms",
    }
    return {k: (k if camel else v) for k, v in pairs.items()}


def _time(moment: datetime) -> str:
    return rfc3339(timezone.localtime(moment))


def story_uri(story: Story) -> str:
    """Return the ninjs `uri` of a story: its stable short URL on this site."""
    return f"{settings.WIREDESK.site.url}/story/{story.pk}/"


def _association(picture: ShownPicture, position: int, n: dict[str, str]) -> dict:
    """Return a served picture as a ninjs association with its renditions."""
    renditions = [
        {
            "name": f"{w}-{kind}",
            "href": picture.absolute(f"{w}.{kind}"),
            n["contentType"]: f"image/{'jpeg' if kind == 'jpg' else kind}",
            "width": w,
            "height": round(picture.height * w / picture.width) if picture.width else w,
        }
        for w in picture.widths
        for kind in ("jpg", "webp", "avif")
    ]
    association: dict = {
        "name": "featureimage" if position == 0 else f"picture{position + 1}",
        "type": "picture",
        "uri": picture.large,
        "renditions": renditions,
    }
    if picture.caption:
        association["descriptions"] = [
            {"role": "caption", n["contentType"]: "text/plain", "value": picture.caption}
        ]
    if picture.byline:
        association["by"] = picture.byline
    if picture.copyright or picture.credit:
        association[n["copyrightNotice"]] = picture.copyright or picture.credit
    if picture.usage_terms:
        association[n["usageTerms"]] = picture.usage_terms
    return association


def to_ninjs(story: Story, version: str = "3.1", pictures: Sequence[ShownPicture] = ()) -> dict:
    """Return `story` as a ninjs document of `version` (2.2 or 3.1), with its pictures."""
    if version not in VERSIONS:
        raise ValueError(f"ninjs {version} is not offered; choose one of {VERSIONS}")
    n = _names(version)
    document: dict = {
        "uri": story_uri(story),
        "standard": {"name": "ninjs", "version": version, "schema": SCHEMA_URLS[version]},
        "type": "text",
        "version": str(story.version_count),
        n["versionCreated"]: _time(story.modified_at),
    }
    if story.state == Story.State.KILLED:
        document[n["pubStatus"]] = "canceled"
        return document
    document.update(
        {
            n["firstCreated"]: _time(story.first_published_at),
            n["pubStatus"]: "usable",
            "headlines": [{"role": "main", "value": story.headline}],
            "bodies": [
                {"role": "main", n["contentType"]: "text/html", "value": story.body_html},
                {
                    "role": "text",
                    n["contentType"]: "text/plain",
                    "value": story.body_text,
                    n["wordCount"]: len(story.body_text.split()),
                },
            ],
            "by": story.display_byline,
            n["copyrightHolder"]: story.agency.name,
            n["altIds"]: [{"role": "agency-item-id", "value": story.item_id}],
            n["infoSources"]: [
                {
                    "name": story.agency.name,
                    "role": "originating agency",
                    **({"uri": story.agency.url} if story.agency.url else {}),
                }
            ],
        }
    )
    if story.teaser:
        document["descriptions"] = [
            {"role": "summary", n["contentType"]: "text/plain", "value": story.teaser}
        ]
    if story.language:
        document["language"] = story.language
    if story.located:
        document["located"] = story.located
    if story.slugline:
        document["slugline"] = story.slugline
    subjects = [
        {k: v for k, v in (("name", s.get("name")), ("literal", s.get("code"))) if v}
        for s in story.subjects
        if s.get("name") or s.get("code")
    ]
    if subjects:
        document["subjects"] = subjects
    if pictures:
        document["associations"] = [_association(p, i, n) for i, p in enumerate(pictures)]
    return document
