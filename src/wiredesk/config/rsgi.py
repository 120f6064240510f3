"""RSGI entry point of `wiredesk serve` (granian): each body read whole on the event loop, then WSGI.

The site is a WSGI application (config/wsgi.py); granian serves it through
this wrapper so that no worker thread ever waits on a slow client's body
(config/bodies.py).
"""

import os

# One thread: the site runs on the event loop itself, each request from start
# to end without awaiting anything, so no two requests ever share Django's
# database connection; Django's guard against calling it from an event loop
# (meant for coroutines that interleave) is lifted for that reason only.
THREADS = int(os.environ.get("WIREDESK_WEB_THREADS", "1"))  # set by `wiredesk serve`
if THREADS == 1:
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from django.conf import settings  # noqa: E402

from .bodies import BufferedBodies  # noqa: E402
from .wsgi import application as wsgi_application  # noqa: E402

application = BufferedBodies(
    wsgi_application,
    settings.WIREDESK.site.request_body_seconds,
    settings.WIREDESK.site.request_body_bytes,
    threads=THREADS,
)
