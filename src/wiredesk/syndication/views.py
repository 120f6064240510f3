"""robots.txt: where the sitemaps are."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse

from wiredesk.site.editions import editions


def robots_txt(request: HttpRequest) -> HttpResponse:
    """Point crawlers at the sitemap index and keep them out of the admin."""
    base = settings.WIREDESK.site.url
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /api/",
        "Allow: /",
        f"Sitemap: {base}/sitemap.xml",
        f"Sitemap: {base}/sitemap-news.xml",
        *(f"Sitemap: {base}/{edition}/sitemap.xml" for edition in editions()),
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


def indexnow_key(request: HttpRequest, key: str) -> HttpResponse:
    """Serve the IndexNow key file at /<key>.txt (only for the configured key)."""
    configured = settings.WIREDESK.site.indexnow_key
    if not configured or key != configured:
        raise Http404("No such file")
    return HttpResponse(configured, content_type="text/plain; charset=utf-8")
