"""Template context every reader page gets."""

from django.conf import settings
from django.http import HttpRequest

from wiredesk.sources.models import Agency


def site(request: HttpRequest) -> dict:
    """Return the site's name, URL and agencies for the page chrome."""
    config = settings.WIREDESK
    return {
        "site_name": config["SITE_NAME"],
        "site_url": config["SITE_URL"],
        "site_description": config["SITE_DESCRIPTION"],
        "nav_agencies": Agency.objects.only("slug", "name").order_by("name"),
    }
