"""WSGI entry point for any WSGI server: Django behind the page fast path."""

import gc
import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wiredesk.config.settings")
django_application = get_wsgi_application()

from wiredesk.logs.requests import with_request_ids  # noqa: E402
from wiredesk.pictures.serving import serve_pictures  # noqa: E402
from wiredesk.site.fastpath import whole_bodies, wrap  # noqa: E402  (needs the apps loaded)
from wiredesk.site.revalidated import revalidated  # noqa: E402

from .warm_up import FrozenAfterWarmUp  # noqa: E402

# Outermost first: the collector's freezing after the first requests
# (warm_up.py), the request's id (outside every kept answer, so none keeps
# another request's), pictures' files, pages kept for the content generation,
# answers kept until a read says they changed (feeds), Django.
application = FrozenAfterWarmUp(
    with_request_ids(
        serve_pictures(
            wrap(
                revalidated(
                    whole_bodies(django_application), settings.WIREDESK.site.fast_path_bytes
                ),
                settings.WIREDESK.site.page_cache_seconds,
                settings.WIREDESK.site.fast_path_bytes,
            )
        )
    )
)

# What Django and the apps made at start-up lives as long as the worker: left
# out of the collector's walks, a full collection no longer stops a request
# now and then, which set the desk's slowest answers (docs/benchmarks.md);
# what the first requests make, once they are served (warm_up.py).
gc.freeze()
