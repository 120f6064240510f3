"""Every action of every model the admin site shows, posted by each role (docs/desk.md, Roles).

The actions are read from the admin site itself (the site's `delete_selected` and each model
admin's own), so a new one is tried as soon as it is registered. An administrator runs every
action the admin offers, but never deletes the news or its history; a duty editor runs the
lifecycle's actions on stories (and would the quarantine's, and a feed's pause); a viewer runs
none; anyone not logged in or not staff is sent to the login. A refused action is not offered
and changes nothing in any table the admin shows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import lxml.html
import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone

from wiredesk.api.models import ApiClient
from wiredesk.pictures.models import Picture
from wiredesk.sources.models import Agency, Feed
from wiredesk.stories.models import LifecycleEvent, Section, Story
from wiredesk.syndication.models import OutboundMessage, Webhook

from .test_desk_permissions import Desk

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "not staff", "viewer", "duty editor", "administrator"]
GROUP = {"viewer": "Viewers", "duty editor": "Duty editors", "administrator": "Administrators"}

# (model label, action name) for every action the admin site knows, as it resolves them.
ACTIONS = sorted(
    (model._meta.label, name)
    for model, model_admin in admin.site._registry.items()
    for _, name, _ in model_admin._get_base_actions()
)
MODELS = {model._meta.label: model for model in admin.site._registry}

# The news and its history: shown in the admin, never deleted from it, by anyone.
NEVER_DELETED = {
    "stories.Story",
    "stories.StoryVersion",
    "stories.Delivery",
    "stories.LifecycleEvent",
    "ingest.Quarantine",
}


def may(role: str, label: str, action: str) -> bool:
    """Return whether `role` may run `action` on `label` (this test's own copy of the table)."""
    if role == "administrator":
        return not (action == "delete_selected" and label in NEVER_DELETED)
    if role == "duty editor":  # the lifecycle, the quarantine, pauses; deleting is no hand action
        if action == "delete_selected":
            return False
        if label in ("stories.Story", "ingest.Quarantine"):
            return True
        return label in ("sources.Feed", "sources.Agency") and action in ("pause", "resume")
    return False  # a viewer reads; anonymous and non-staff users are sent to the login


def log_in(client, role: str) -> None:
    """Log `client` in as a new user of `role`; a non-staff user holds every permission."""
    if role == "anonymous":
        return
    user = get_user_model().objects.create_user(role.replace(" ", "-"), is_staff=True)
    if role == "not staff":  # an administrator's group does not make a reader staff
        user.is_staff = False
        user.save()
        user.groups.add(Group.objects.get(name="Administrators"))
    else:
        user.groups.add(Group.objects.get(name=GROUP[role]))
    client.force_login(user)


def expired_attempt(desk: Desk) -> AccessAttempt:
    """A failed login older than the cool-off: what cleanup_expired_attempts removes."""
    attempt = AccessAttempt.objects.create(
        user_agent="curl",
        ip_address="192.0.2.7",
        username="guess",
        http_accept="*/*",
        path_info="/admin/login/",
        get_data="",
        post_data="",
        failures_since_start=5,
    )
    AccessAttempt.objects.filter(pk=attempt.pk).update(
        attempt_time=timezone.now() - timedelta(days=2)
    )
    return attempt


def access(model: type[AccessLog] | type[AccessFailureLog]) -> Callable[[Desk], Model]:
    def make(desk: Desk) -> Model:
        return model.objects.create(
            user_agent="curl",
            ip_address="192.0.2.7",
            username="guess",
            http_accept="*/*",
            path_info="/admin/login/",
        )

    return make


# What each model's action is tried on: one row, as the admin's list would show it.
MAKE: dict[str, Callable[[Desk], Model]] = {
    "auth.Group": lambda desk: Group.objects.create(name="Night desk"),
    "auth.User": lambda desk: get_user_model().objects.create_user("leaver"),
    "sources.Agency": lambda desk: Agency.objects.create(
        slug="afp", name="AFP", byline="AFP", time_zone="Europe/Paris"
    ),
    "sources.Feed": lambda desk: Feed.objects.create(
        agency=desk.feed.agency, slug="ians-spare", transport="folder", location="/nowhere"
    ),
    "stories.Story": lambda desk: desk.published(),
    "stories.Section": lambda desk: Section.objects.create(name="World", slug="world-news"),
    "stories.StoryVersion": lambda desk: desk.published().versions.get(),
    "stories.Delivery": Desk.delivery,
    "stories.LifecycleEvent": lambda desk: desk.withheld().events.latest("pk"),
    "ingest.Quarantine": Desk.quarantined,
    "wiredesk_syndication.Webhook": lambda desk: Webhook.objects.create(
        url="https://cms.example/hook", secret="k"
    ),
    "wiredesk_syndication.AlertDestination": Desk.alert_destination,
    "wiredesk_syndication.OutboundMessage": lambda desk: OutboundMessage.objects.create(
        kind="purge",
        event="purge",
        url="http://cdn.internal",
        created_at=timezone.now(),
        next_attempt_at=timezone.now(),
    ),
    "api.ApiClient": lambda desk: ApiClient.objects.create(name="Android app"),
    "pictures.Picture": lambda desk: Picture.objects.create(
        agency=desk.feed.agency, identity="urn:picture", href="https://pics.example/1.jpg"
    ),
    "axes.AccessAttempt": expired_attempt,
    "axes.AccessLog": access(AccessLog),
    "axes.AccessFailureLog": access(AccessFailureLog),
}
# The story each lifecycle action acts on, when a published one would not change.
STORY_GIVEN = {
    "restore": Desk.withheld,
    "hold": Desk.delayed,
    "release": Desk.held,
    "accept_agency": Desk.behind_a_correction,
    "reject_agency": Desk.behind_a_correction,
}


def story_is(**fields: object) -> Callable[[Model], bool]:
    return lambda story: Story.objects.filter(pk=story.pk, **fields).exists()


# How an action shows it ran, beyond "some row the admin shows changed".
EFFECT: dict[tuple[str, str], Callable[[Model], bool]] = {
    ("stories.Story", "kill"): story_is(state=Story.State.KILLED),
    ("stories.Story", "withhold"): story_is(state=Story.State.WITHHELD),
    ("stories.Story", "restore"): story_is(state=Story.State.PUBLISHED),
    ("stories.Story", "hold"): story_is(release_at=None),
    ("stories.Story", "release"): story_is(state=Story.State.PUBLISHED),
    ("stories.Story", "correct"): story_is(headline="Seoul and US talk"),
    ("stories.Story", "accept_agency"): story_is(corrected_by_desk=False),
    ("stories.Story", "reject_agency"): lambda story: LifecycleEvent.objects.filter(
        story=story, kind="rejected"
    ).exists(),
}


def everything() -> dict[str, list[dict]]:
    """Return every row of every model the admin shows."""
    return {label: list(model.objects.order_by("pk").values()) for label, model in MODELS.items()}


def offered(client, url: str) -> set[str]:
    page = lxml.html.document_fromstring(client.get(url).content)
    return set(page.xpath("//select[@name='action']/option/@value")) - {""}


def test_every_admin_model_s_actions_are_tried():
    """A model newly shown in the admin needs a row here for its actions to be tried on."""
    assert set(MODELS) == set(MAKE)
    names = {name for _, name in ACTIONS}
    assert {"delete_selected", "kill", "correct", "cleanup_expired_attempts"} <= names


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("label", "action"), ACTIONS, ids=[".".join(a) for a in ACTIONS])
def test_each_role_runs_exactly_its_admin_actions(client, feeds, label, action, role):
    desk = Desk(feeds)
    model = MODELS[label]
    log_in(client, role)  # first: a login clears django-axes' failed attempts
    if label == "stories.Story" and action in STORY_GIVEN:
        target = STORY_GIVEN[action](desk)
    else:
        target = MAKE[label](desk)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    shown = offered(client, url) if role in GROUP else set()  # an empty list offers none
    before = everything()
    reply = client.post(
        url,
        {
            "action": action,
            "_selected_action": [target.pk],
            "post": "yes",  # delete_selected's confirmation
            "apply": "1",  # the lifecycle's forms: the reason (and the correction) given
            "reason": "Tried per role",
            "headline": "Seoul and US talk",
            "byline": "",
            "body_text": "The new words.",
        },
    )
    if role in ("anonymous", "not staff"):
        assert reply.status_code == 302 and reply["Location"].startswith("/admin/login/")
    elif may(role, label, action):
        assert action in shown
        assert reply.status_code == 302 and reply["Location"] == url  # done: back to the list
        if action in ("delete_selected", "cleanup_expired_attempts"):
            assert not model.objects.filter(pk=target.pk).exists()
        elif (label, action) in EFFECT:
            assert EFFECT[label, action](target)
        else:
            assert everything() != before
        return
    elif reply.status_code != 403:  # the list is theirs to read, the action is not offered
        assert reply.status_code == 200 or reply["Location"] == url  # "No action selected"
        assert action not in shown
    assert everything() == before
