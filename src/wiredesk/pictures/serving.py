"""Serve picture renditions before Django, from the filesystem storage (WhiteNoise).

Rendition names never change (they are the hash of the original), so they
are sent with a year's `Cache-Control: immutable`. Files are looked up on
each request rather than listed at start: new pictures appear while the
worker runs, and a killed story's pictures, whose files are deleted, fall
through to Django, which answers 410 Gone (`views.gone`). With S3 storage
the bucket (and the CDN in front) serves them instead, and this is not used.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, cast
from wsgiref.headers import Headers

from whitenoise import WhiteNoise

YEAR = 365 * 24 * 3600
_DIGEST = re.compile(r"/([0-9a-f]{64})/")


def _tag(headers: Headers, path: str, url: str) -> None:
    # The CDN purges by this key when the picture stops being served.
    found = _DIGEST.search(url)
    if found:
        headers["Surrogate-Key"] = f"picture-{found.group(1)}"


class PictureFiles(WhiteNoise):
    """WhiteNoise for one folder of immutable files, found on each request."""

    def __init__(self, application: Callable, root: str, prefix: str) -> None:
        super().__init__(application, autorefresh=True, max_age=YEAR, add_headers_function=_tag)
        self.add_files(root, prefix=prefix)

    def immutable_file_test(self, path: str, url: str) -> bool:
        return True


def serve_pictures(application: Callable) -> Callable:
    """Return `application` with pictures served in front, when they are on this filesystem."""
    from django.conf import settings

    options = cast(dict[str, Any], settings.STORAGES["pictures"])
    if not options["BACKEND"].endswith("FileSystemStorage"):
        return application
    prefix = str(options["OPTIONS"]["base_url"])
    return PictureFiles(application, str(options["OPTIONS"]["location"]), prefix)
