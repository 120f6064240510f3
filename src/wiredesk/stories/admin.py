"""The admin reads stories and their history; it changes them only through the lifecycle.

Stories, versions, deliveries and the lifecycle log are read-only here: a
field edit would bypass every surface (the page cache, feeds, webhooks) and
could rewrite the agency's bytes (a textarea turns line ends into CRLF). An
editor changes stories with the hand actions of `stories.hand_actions` (kill,
withhold, restore, hold, release, accept or reject the agency's version) and
a correction, each asking for the reason where the rules require one and
going through `stories.editorial`, as fast and as complete as an agency's
own kill.
"""

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from . import editorial
from .hand_actions import HAND_ACTIONS, HandAction
from .models import Delivery, LifecycleEvent, Section, SectionRule, Story, StoryVersion
from .rules import Action

# What admin.action returns: a function the admin calls with (admin, request, queryset).
AdminAction = Callable[[admin.ModelAdmin, HttpRequest, QuerySet[Story]], TemplateResponse | None]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never added to, changed or deleted from the admin."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class VersionInline(admin.TabularInline):
    model = StoryVersion
    extra = 0
    can_delete = False
    fields = (
        "version",
        "effective_at",
        "received_at",
        "pub_status",
        "signal",
        "headline",
        "ednote",
    )
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=2000,
        help_text="Required: why, for the log (e.g. a court order's number).",
    )


class OptionalReasonForm(ReasonForm):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=2000,
        required=False,
        help_text="Optional: a note for the log.",
    )


class ReadersNoteForm(ReasonForm):
    """A kill's: the reason for the log, and what readers are told, as the desk asks them."""

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=2000,
        help_text="Required: why, kept in the log and never shown to readers "
        "(e.g. a court order's number).",
    )
    note = forms.CharField(
        label="Shown to readers",
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=2000,
        required=False,
        help_text="Optional: the story's page says the publisher withdrew it, and this "
        "(e.g. It repeated an allegation we could not verify.).",
    )


def _form_class(hand: HandAction) -> type[ReasonForm]:
    if hand.readers_note:
        return ReadersNoteForm
    return ReasonForm if hand.reason_required else OptionalReasonForm


def _hand_action(hand: HandAction) -> AdminAction:
    """Return an admin action that asks for a reason (and a kill's note for readers) on a page
    of its own, then applies `hand` (editorial)."""
    form_class = _form_class(hand)
    verb = hand.verb

    def action(
        modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Story]
    ) -> TemplateResponse | None:
        form = form_class(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            done = hand.apply(
                list(queryset.values_list("pk", flat=True)),
                request.user,
                form.cleaned_data["reason"],
                form.cleaned_data.get("note", ""),
            )
            modeladmin.message_user(request, f"{verb}: {len(done)} of {queryset.count()} stories.")
            return None
        return TemplateResponse(
            request,
            "admin/stories/reason.html",
            {
                **modeladmin.admin_site.each_context(request),
                "title": f"{verb} stories",
                "question": hand.question,
                "stories": queryset.select_related("agency"),
                "checkbox_name": ACTION_CHECKBOX_NAME,
                "action": hand.admin_name,
                "form": form,
                "verb": verb,
                "opts": modeladmin.model._meta,
            },
        )

    action.__name__ = hand.admin_name
    asks = "asks why" if hand.reason_required else "asks for a note"
    if hand.readers_note:
        asks += " and what readers are told"
    return admin.action(
        description=f"{verb} the selected stories ({asks})", permissions=["lifecycle"]
    )(action)


class CorrectionForm(forms.Form):
    headline = forms.CharField(widget=forms.Textarea(attrs={"rows": 2, "cols": 80}))
    byline = forms.CharField(required=False)
    body_text = forms.CharField(
        label="Text",
        widget=forms.Textarea(attrs={"rows": 16, "cols": 80}),
        help_text="Paragraphs separated by a blank line.",
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2, "cols": 80}),
        max_length=2000,
        help_text="Required: shown to readers on the versions page.",
    )


@admin.action(
    description="Correct the selected story (the desk's own version; asks why)",
    permissions=["lifecycle"],
)
def correct(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Story]
) -> TemplateResponse | None:
    stories = list(queryset.select_related("agency")[:2])
    if len(stories) != 1:
        modeladmin.message_user(request, "Select one story to correct.", level=messages.WARNING)
        return None
    [story] = stories
    if "apply" in request.POST:
        form = CorrectionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                editorial.correct(
                    story.pk,
                    request.user,
                    data["reason"],
                    data["headline"],
                    data["byline"],
                    data["body_text"],
                )
            except editorial.NothingToCorrect as exc:
                form.add_error(None, str(exc))
            else:
                modeladmin.message_user(request, f"Corrected: {story.headline}")
                return None
    else:
        form = CorrectionForm(
            initial={
                "headline": story.headline,
                "byline": story.byline,
                "body_text": story.body_text,
            }
        )
    return TemplateResponse(
        request,
        "admin/stories/reason.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": "Correct a story",
            "question": "Change the words below. The agency's version is kept; readers see that the "
            "desk corrected the story and what changed.",
            "stories": [story],
            "checkbox_name": ACTION_CHECKBOX_NAME,
            "action": "correct",
            "form": form,
            "verb": "Correct",
            "opts": modeladmin.model._meta,
        },
    )


_BEFORE_CORRECT = {Action.KILL, Action.WITHHOLD, Action.RESTORE, Action.HOLD, Action.RELEASE}


@admin.register(Story)
class StoryAdmin(ReadOnlyAdmin):
    list_display = (
        "headline",
        "agency",
        "state",
        "held_by_desk",
        "held_for_editor",
        "corrected_by_desk",
        "first_published_at",
        "modified_at",
        "version_count",
    )
    list_filter = ("state", "held_by_desk", "held_for_editor", "corrected_by_desk", "agency")
    search_fields = ("headline", "item_id")
    date_hierarchy = "first_published_at"
    exclude = ("minhash",)
    inlines = [VersionInline]
    # The table's, a correction (its own form) after a release, as the desk shows them.
    actions = [
        *(_hand_action(hand) for hand in HAND_ACTIONS.values() if hand.name in _BEFORE_CORRECT),
        correct,
        *(_hand_action(hand) for hand in HAND_ACTIONS.values() if hand.name not in _BEFORE_CORRECT),
    ]

    def has_lifecycle_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("stories.change_story")


class SectionRuleInline(admin.TabularInline):
    model = SectionRule
    extra = 1


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    """The publisher's sections and the rules that route new stories into them."""

    list_display = ("name", "slug", "order", "in_navigation")
    list_editable = ("order", "in_navigation")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [SectionRuleInline]


@admin.register(StoryVersion)
class StoryVersionAdmin(ReadOnlyAdmin):
    list_display = ("story", "version", "effective_at", "received_at", "pub_status", "signal")
    search_fields = ("story__headline", "version")
    raw_id_fields = ("story", "delivery")


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ("origin", "feed", "received_at", "size", "sha256")
    list_filter = ("feed",)
    exclude = ("data",)


@admin.register(LifecycleEvent)
class LifecycleEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "kind", "story", "agency", "actor", "reason")
    list_filter = ("kind", "agency", "user")
    search_fields = ("story__headline", "story__item_id", "actor", "reason")
    raw_id_fields = ("story", "delivery")
    date_hierarchy = "at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[LifecycleEvent]:
        return super().get_queryset(request).select_related("story", "agency")
