"""The desk's roles (docs/desk.md, Roles): viewers read the desk, duty editors also act on
stories and the quarantine, administrators do everything, feeds and users included; anyone
not logged in or not staff is sent to the login. Every desk page and action, and every admin
action, is tried by each."""

from __future__ import annotations

import lxml.html
import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.sql import emit_post_migrate_signal

from wiredesk.desk.roles import ensure_roles
from wiredesk.ingest.models import Quarantine
from wiredesk.stories import editorial
from wiredesk.stories.models import LifecycleEvent, Story

from .test_desk_permissions import CASES, Case, Desk, content, everything, send

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "not staff", "viewer", "duty editor", "administrator"]
GROUP = {"viewer": "Viewers", "duty editor": "Duty editors", "administrator": "Administrators"}


def log_in(client, role: str):
    """Log `client` in as a new user of `role`; return the user (None when anonymous)."""
    if role == "anonymous":
        return None
    user = get_user_model().objects.create_user(role.replace(" ", "-"), is_staff=True)
    if role == "not staff":  # a duty editor's group does not make a reader an editor
        user.is_staff = False
        user.save()
        user.groups.add(Group.objects.get(name="Duty editors"))
    else:
        user.groups.add(Group.objects.get(name=GROUP[role]))
    client.force_login(user)
    return user


def allowed(case: Case) -> set[str]:
    """Return the roles that may use `case` (this test's own copy of docs/desk.md's table)."""
    if case.url.startswith("/desk/alerts/"):
        return {"administrator"}  # where alerts go: configuration, even to read
    if case.post is None and "/kill" not in case.url:
        return {"viewer", "duty editor", "administrator"}  # every page and download
    if "/wire/filters" in case.url:
        return {"viewer", "duty editor", "administrator"}  # a reader's own saved filters
    if case.post is not None and case.post.get("action") == "settings":
        return {"administrator"}  # a feed's or an agency's settings: configuration
    return {"duty editor", "administrator"}  # the lifecycle, the quarantine, pauses


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_each_role_may_use_exactly_its_pages_and_actions(client, feeds, case, role):
    target = getattr(Desk(feeds), case.given)()
    before = everything()
    user = log_in(client, role)
    reply = send(client, case, target)
    if role in ("anonymous", "not staff"):
        assert reply.status_code == 302 and reply["Location"].startswith("/admin/login/")
        assert everything() == before
    elif role not in allowed(case):
        assert reply.status_code == 403
        assert everything() == before
        if case.body is not None:
            assert case.body not in content(reply)
    elif case.post is None:
        assert reply.status_code == 200
        if case.body is not None:
            assert content(reply) == case.body
    else:
        assert reply.status_code == case.status
        assert case.worked is not None and case.worked()
        assert LifecycleEvent.objects.filter(user=user).exists() == case.logged


def test_the_role_groups_hold_the_permissions_docs_desk_md_names():
    def held(name: str) -> set[str]:
        group = Group.objects.get(name=name)
        return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}

    viewer = {
        "stories.view_story",
        "stories.view_delivery",
        "stories.view_lifecycleevent",
        "sources.view_feed",
        "ingest.view_quarantine",
    }
    assert held("Viewers") == viewer
    assert held("Duty editors") == viewer | {
        "stories.change_story",
        "ingest.change_quarantine",
        "sources.pause_feed",
    }
    assert Group.objects.get(name="Administrators").permissions.count() == (
        Permission.objects.count()
    )
    assert {"auth.change_user", "auth.add_user", "sources.change_feed"} <= held("Administrators")


def test_migrate_keeps_an_operator_s_changes_and_gives_administrators_new_permissions():
    editors = Group.objects.get(name="Duty editors")
    kill = Permission.objects.get(content_type__app_label="stories", codename="change_story")
    editors.permissions.remove(kill)  # an operator's choice: this desk's editors may not act
    Group.objects.get(name="Viewers").delete()
    administrators = Group.objects.get(name="Administrators")
    administrators.permissions.clear()  # as before a version that brings new permissions
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")  # as migrate ends
    assert not editors.permissions.filter(pk=kill.pk).exists()
    assert Group.objects.get(name="Viewers").permissions.count() == 5  # made again
    assert administrators.permissions.count() == Permission.objects.count()


def test_roles_are_made_once_per_migrate_on_the_last_app_s_signal():
    """post_migrate is sent for each app with models; the groups are made on the last one's."""
    from django.apps import apps

    Group.objects.all().delete()
    first = next(app for app in apps.get_app_configs() if app.models_module)
    ensure_roles(sender=first)
    assert not Group.objects.exists()
    last = [app for app in apps.get_app_configs() if app.models_module][-1]
    ensure_roles(sender=last)
    assert set(Group.objects.values_list("name", flat=True)) == set(GROUP.values())


# -- The admin ------------------------------------------------------------------------------


def test_every_admin_action_asks_a_permission():
    seen = set()
    for model, model_admin in admin.site._registry.items():
        # The site's (delete_selected) and the model admin's own, as the admin resolves them.
        for func, name, _ in model_admin._get_base_actions():
            assert getattr(func, "allowed_permissions", ()), (model.__name__, name)
            seen.add(name)
    assert {"delete_selected", "kill", "correct", "cleanup_expired_attempts"} <= seen


def admin_actions(client) -> set[str]:
    page = lxml.html.document_fromstring(client.get("/admin/stories/story/").content)
    return set(page.xpath("//select[@name='action']/option/@value")) - {""}


@pytest.mark.parametrize("role", ["viewer", "duty editor", "administrator"])
def test_the_admin_s_kill_is_a_duty_editor_s_and_an_administrator_s(client, feeds, role):
    story = Desk(feeds).published()
    log_in(client, role)
    may = role != "viewer"
    assert ("kill" in admin_actions(client)) == may
    reply = client.post(
        "/admin/stories/story/",
        {"action": "kill", "_selected_action": [story.pk], "apply": "1", "reason": "Court order"},
    )
    # Done: back to the list; refused: the list again, "No action selected".
    assert reply.status_code == (302 if may else 200)
    story.refresh_from_db()
    assert (story.state == Story.State.KILLED) == may


@pytest.mark.parametrize(
    ("role", "status"), [("viewer", 403), ("duty editor", 403), ("administrator", 200)]
)
def test_only_administrators_manage_users_and_feeds(client, feeds, role, status):
    log_in(client, role)
    assert client.get("/admin/auth/user/").status_code == status
    assert client.get("/admin/auth/user/add/").status_code == status
    assert client.get("/admin/sources/feed/add/").status_code == status
    change = client.post(
        f"/admin/sources/feed/{feeds['ians'].pk}/change/", {"slug": "renamed", "agency": ""}
    )
    assert change.status_code == status  # 403: a feed's board is theirs to read, not its setup
    assert feeds["ians"].__class__.objects.filter(slug="ians-inbox").exists()


def test_a_duty_editor_pauses_a_feed_but_is_offered_no_settings(client, feeds):
    desk = Desk(feeds)
    entry = desk.quarantined()
    log_in(client, "duty editor")
    feeds_page = lxml.html.document_fromstring(client.get("/desk/feeds/").content)
    actions = feeds_page.xpath("//form//*[@name='action']/@value")
    assert set(actions) == {"pause", "resume"}  # a feed's and an agency's; no settings
    assert not feeds_page.xpath("//form[contains(@class, 'feed-settings')]")
    assert client.post(f"/desk/quarantine/{entry.pk}/act", {"action": "retry"}).status_code == 302
    assert Quarantine.objects.get().resolved_at is not None


def test_a_viewer_is_offered_no_action(client, feeds):
    desk = Desk(feeds)
    story = desk.held()
    desk.quarantined()
    log_in(client, "viewer")
    for url in ("/desk/", f"/desk/story/{story.pk}/", "/desk/feeds/", "/desk/quarantine/"):
        page = lxml.html.document_fromstring(client.get(url).content)
        posts = page.xpath("//form[@method='post']")
        assert posts == [], url
        assert not page.xpath("//a[contains(@href, '/kill')]"), url
    editorial.release([story.pk], desk.chief, "")  # the log has an entry; the audit shows it
    assert client.get("/desk/audit/").status_code == 200


def test_the_demo_makes_one_login_of_each_role():
    from wiredesk.runtime.management.commands.demo import DEMO_ROLES, demo_login

    for username, group in DEMO_ROLES.items():
        password = demo_login(username)
        user = get_user_model().objects.get(username=username)
        assert user.check_password(password) and user.is_staff
        assert list(user.groups.values_list("name", flat=True)) == [group]
    assert set(DEMO_ROLES.values()) == set(GROUP.values())
    assert demo_login("editor") != demo_login("editor")  # a new password each run


@pytest.mark.parametrize("role", ["viewer", "duty editor", "administrator"])
def test_the_admin_offers_each_role_only_its_actions(client, feeds, role):
    from wiredesk.stories.hand_actions import HAND_ACTIONS

    Desk(feeds).published()
    log_in(client, role)
    story_actions = {hand.admin_name for hand in HAND_ACTIONS.values()} | {"correct"}
    offered = admin_actions(client)
    if role == "viewer":  # the list to read, no action at all (nothing may be deleted)
        assert offered == set()
    else:  # stories are never deleted from the admin: only the lifecycle's actions
        assert offered == story_actions
