"""Template filters for times: machine times in RFC 3339 with a full offset."""

from datetime import datetime

from django import template
from django.conf import settings
from django.utils import timezone

from wiredesk.wire import rfc3339 as _rfc3339

register = template.Library()


@register.filter
def rfc3339(value: datetime) -> str:
    """Return `value` in the site's zone as RFC 3339 (`2021-10-14T09:39:03+05:30`)."""
    return _rfc3339(timezone.localtime(value))


@register.filter
def news_language(value: str) -> str:
    """Return a Google News language code: ISO 639 ("en"), or zh-cn / zh-tw for Chinese."""
    tag = (value or settings.LANGUAGE_CODE).lower().replace("_", "-")
    if tag.startswith("zh"):
        return "zh-tw" if tag in ("zh-tw", "zh-hk", "zh-hant") else "zh-cn"
    return tag.split("-")[0]
