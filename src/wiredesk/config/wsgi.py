"""WSGI entry point for any WSGI server: Django behind the page fast path."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wiredesk.config.settings")
django_application = get_wsgi_application()

from wiredesk.site.fastpath import wrap  # noqa: E402  (needs the apps loaded)

application = wrap(
    django_application,
    settings.WIREDESK["PAGE_CACHE_SECONDS"],
    settings.WIREDESK["FAST_PATH_BYTES"],
)
