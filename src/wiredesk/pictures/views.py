"""What Django answers for a picture address the file server did not find."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse

from .models import Picture


def gone(request: HttpRequest, digest: str, name: str) -> HttpResponse:
    """Answer 410 for a picture that was served and is no more (killed, withheld); else 404.

    Served files never reach Django (pictures/serving.py); this answers only
    for files that are not there.
    """
    if Picture.objects.filter(sha256=digest).exclude(state=Picture.State.READY).exists():
        response = HttpResponse(
            "This picture has been removed.\n", status=410, content_type="text/plain; charset=utf-8"
        )
        response["Cache-Control"] = "public, max-age=60"
        response["Surrogate-Key"] = f"picture-{digest}"
        return response
    raise Http404("No such picture")
