"""The desk's alerts page: where alerts go, the last ones sent, and a test of each destination.

wiredesk.toml's `[[alerts]]` blocks are shown as they are (changed in the file);
those set here are added, tested, turned off and on, and removed by an
administrator (the model permissions of `AlertDestination`: docs/desk.md, Roles).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from wiredesk.syndication import alerts
from wiredesk.syndication.alert_events import EVENTS, KINDS
from wiredesk.syndication.checks import destination_problems
from wiredesk.syndication.models import AlertDestination, OutboundMessage

from .views import desk_view, require

APP = "wiredesk_syndication"
VIEW = f"{APP}.view_alertdestination"
# What each action of the page asks for: the admin's permission for the same thing.
ACTIONS = {
    "add": f"{APP}.add_alertdestination",
    "test": f"{APP}.change_alertdestination",
    "enable": f"{APP}.change_alertdestination",
    "disable": f"{APP}.change_alertdestination",
    "delete": f"{APP}.delete_alertdestination",
}
RECENT = 20


class DestinationForm(forms.ModelForm):
    """A new destination: its kind, where it sends, its secret if signed, its events."""

    events = forms.MultipleChoiceField(
        choices=[(event, event) for event in EVENTS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every event.",
    )

    class Meta:
        model = AlertDestination
        fields = ["name", "kind", "target", "secret", "events"]
        widgets = {"secret": forms.PasswordInput(render_value=False)}

    def clean(self) -> dict:
        data = super().clean() or {}
        kind, target = data.get("kind", ""), data.get("target", "")
        if kind in KINDS and target:
            for problem in destination_problems(kind, target, data.get("secret", ""), "It"):
                self.add_error(None, problem)
        return data


@desk_view(VIEW)
def alerts_page(request: HttpRequest) -> HttpResponse:
    """Show where alerts go and the last ones sent; offer the actions the user may take."""
    return _page(request, DestinationForm())


def _page(request: HttpRequest, form: DestinationForm, status: int = 200) -> HttpResponse:
    recent = OutboundMessage.objects.filter(kind=OutboundMessage.Kind.ALERT).order_by(
        "-created_at", "-id"
    )[:RECENT]
    context = {
        "configured": alerts.configured(),
        "destinations": AlertDestination.objects.order_by("pk"),
        "recent": recent,
        "form": form,
        "events": EVENTS,
    }
    return render(request, "desk/alerts.html", context, status=status)


@desk_view(VIEW)
@require_POST
def alerts_action(request: HttpRequest) -> HttpResponse:
    """Add, test, turn on or off, or remove a destination."""
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        return HttpResponse("No such action.\n", status=400, content_type="text/plain")
    require(request, ACTIONS[action])
    if action == "add":
        form = DestinationForm(request.POST)
        if not form.is_valid():
            return _page(request, form, status=400)
        row = form.save()
        messages.success(request, f"Alerts now go to {row}.")
        return redirect("desk:alerts")
    if action == "test" and request.POST.get("source") == "toml":
        chosen = [d for d in alerts.configured() if d.key == request.POST.get("key")]
        if not chosen:
            return HttpResponse("No such destination.\n", status=404, content_type="text/plain")
        _test(request, chosen[0])
        return redirect("desk:alerts")
    row = get_object_or_404(AlertDestination, pk=request.POST.get("key", "0") or "0")
    if action == "test":
        _test(request, alerts.of_desk(row))
    elif action in ("enable", "disable"):
        row.enabled = action == "enable"
        row.save(update_fields=["enabled"])
        messages.success(request, f"{row}: {'on' if row.enabled else 'off'}.")
    else:
        row.delete()
        messages.success(request, f"Alerts no longer go to {row}.")
    return redirect("desk:alerts")


def _test(request: HttpRequest, destination: alerts.Destination) -> None:
    who = request.user.get_username()
    alerts.queue(
        alerts.Alert(
            alerts.TEST,
            f"A test of the desk's alerts, sent by {who}",
            "If you read this, alerts reach you here.",
            alerts.desk_link("alerts"),
            {"by": who},
        ),
        to=[destination],
    )
    messages.success(request, f"A test is on its way to {destination.target}.")
