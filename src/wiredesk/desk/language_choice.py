"""The desk's language: English whatever the site's, unless its user chose another.

Editors read the desk in English on a Hindi site too. An editor may choose
another language in the desk's header: Django's own words then follow it
where Django has them (the admin, month names, form errors), and so do the
site's and the desk's own words where its catalogues have them; a desk whose
words are not translated into the choice stays English and says so
(words.desk_words_language).

The choice is a cookie of this browser (it holds on the admin's login page
too), read only on the desk's and the admin's addresses: the reader site never
sees it, and its cached pages never vary by it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from wiredesk.site.catalogues import languages as catalogue_languages

from .wire_languages import name_of, primary

COOKIE = "wiredesk_desk_language"
COOKIE_SECONDS = 365 * 24 * 3600
PREFIXES = ("/desk/", "/admin/")


def choices() -> list[tuple[str, str]]:
    """Return the (tag, name in itself) the desk offers: English, the site's language and
    every language the site's words are translated into."""
    tags = dict.fromkeys(["en", primary(settings.WIREDESK.site.language), *catalogue_languages()])
    return [(tag, _name(tag)) for tag in tags]


def _name(tag: str) -> str:
    try:
        return str(translation.get_language_info(tag)["name_local"])
    except KeyError:  # a language Django does not list
        return name_of(tag)


def chosen(request: HttpRequest) -> str:
    """Return the language the request's user chose for the desk, else English."""
    value = request.COOKIES.get(COOKIE, "")
    return value if value in dict(choices()) else "en"


class DeskLanguageMiddleware:
    """Answer the desk's and the admin's requests in the user's desk language (English unless
    chosen), whatever the site's language."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(PREFIXES):
            return self.get_response(request)
        language = chosen(request)
        with translation.override(language):
            request.LANGUAGE_CODE = language
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


@staff_member_required
@never_cache
@require_http_methods(["GET", "POST"])
def choose(request: HttpRequest) -> HttpResponse:
    """Offer the desk's languages; keep the one the user chose, and go back to the page
    they were on."""
    if request.method == "GET":
        return render(request, "desk/language.html", {"next": _back(request.GET.get("next", ""))})
    language = request.POST.get("language", "")
    if language not in dict(choices()):
        return HttpResponseBadRequest(
            f"No desk language {language!r}: choose one of {', '.join(dict(choices()))}.\n",
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponseRedirect(_back(request.POST.get("next", "")))
    response.set_cookie(
        COOKIE,
        language,
        max_age=COOKIE_SECONDS,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


def _back(address: str) -> str:
    """Return `address` when it is a page of this site, else the wire."""
    if address.startswith("/") and url_has_allowed_host_and_scheme(address, allowed_hosts=None):
        return address
    return reverse("desk:wire")
