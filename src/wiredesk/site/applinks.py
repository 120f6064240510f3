"""Open in app: the .well-known files that let Android and iOS open story URLs in the app."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, JsonResponse


def assetlinks(request: HttpRequest) -> JsonResponse:
    """Android App Links: /.well-known/assetlinks.json (Digital Asset Links)."""
    app = settings.WIREDESK.site.app
    if not app.android_package:
        raise Http404("No Android app configured")
    statements = [
        {
            "relation": ["delegate_permission/common.handle_all_urls"],
            "target": {
                "namespace": "android_app",
                "package_name": app.android_package,
                "sha256_cert_fingerprints": app.android_sha256_fingerprints,
            },
        }
    ]
    return JsonResponse(statements, safe=False)


def apple_app_site_association(request: HttpRequest) -> JsonResponse:
    """iOS universal links: /.well-known/apple-app-site-association, JSON, no extension, no redirect."""
    app_ids = settings.WIREDESK.site.app.ios_app_ids
    if not app_ids:
        raise Http404("No iOS app configured")
    document = {"applinks": {"details": [{"appIDs": app_ids, "components": [{"/": "/story/*"}]}]}}
    return JsonResponse(document)
