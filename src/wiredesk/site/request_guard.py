"""Refuse requests whose parameters no page or API can mean, with 400 and a reason.

A NUL or another control character in a query parameter is never a search or
a filter anyone typed; passed on, it made SQLite's full-text search and
PostgreSQL's text comparisons raise (a 500). Checked once here, for every view.

A view that reads a whole number from a request uses `whole_number`: "²"
passes str.isdigit() and fails int(), and a number past 2**63 - 1 passes
int() and fails in the database driver (SQLite's and PostgreSQL's bigint).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.http.response import HttpResponseBase

# C0 controls (tab, line feed and carriage return aside), DEL, and lone surrogates.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
BIGINT_MAX = 2**63 - 1


def whole_number(text: str, maximum: int = BIGINT_MAX) -> int | None:
    """Return `text` as a whole number from 0 to `maximum`, or None if it is anything else.

    ASCII digits only: int() also takes "١٢٣", signs, spaces and underscores.
    The length is checked first, so int() never parses thousands of digits.
    """
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(maximum)):
        return None
    number = int(text)
    return number if number <= maximum else None


def _refusal(request: HttpRequest, reason: str) -> HttpResponse:
    if request.path.startswith("/api/"):  # the API answers JSON, as documented
        return JsonResponse({"detail": reason}, status=400)
    return HttpResponseBadRequest(reason + "\n", content_type="text/plain; charset=utf-8")


class RejectControlCharactersMiddleware:
    """Answer 400 to a request whose query parameters hold control characters."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.META.get("QUERY_STRING"):
            for name, values in request.GET.lists():
                if _CONTROL.search(name) or any(_CONTROL.search(v) for v in values):
                    shown = _CONTROL.sub("", name)[:40]
                    return _refusal(
                        request,
                        f"The query parameter {shown!r} holds a control character; "
                        "remove it and ask again.",
                    )
        return self.get_response(request)
