"""An administrator who is not a superuser, in a real browser (Playwright with Debian's chromium).

A user of the Administrators group (docs/desk.md, Roles) opens the desk's Alerts page, adds
where alerts go and changes a feed's settings, with axe-core finding no violation at all; a
duty editor, beside them, is offered neither and is refused the alerts page.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from wiredesk.sources.models import Feed
from wiredesk.syndication.models import AlertDestination

from . import test_roles_browser
from .test_alerts_browser import add_destination
from .test_roles_browser import no_violations, pytestmark  # noqa: F401  (skip without chromium)

browser = test_roles_browser.browser


def test_an_administrator_configures_alerts_and_feeds_and_a_duty_editor_is_refused(browser, feeds):
    page = browser("Administrators")
    administrator = get_user_model().objects.get(username="administrators")
    assert not administrator.is_superuser  # the group's permissions, not a superuser's
    desk = page.get_by_role("navigation", name="Desk")
    desk.get_by_role("link", name="Alerts").click()
    page.wait_for_selector("h1:has-text('Alerts')")
    no_violations(page)
    add_destination(page, "email", "duty@news.example", ("feed.red",))
    destination = AlertDestination.objects.get()
    assert (destination.kind, destination.target, destination.enabled) == (
        "email",
        "duty@news.example",
        True,
    )
    rows = page.locator("table.desk-destinations tbody tr")
    assert rows.count() == 1
    assert rows.nth(0).locator("td.target").inner_text() == "duty@news.example"
    no_violations(page)

    # A feed's settings: configuration, an administrator's.
    page.goto(page.base + "/desk/feeds/")
    settings = page.locator("details", has_text="Settings of ians-inbox")
    settings.locator("summary").click()
    form = settings.locator("form.feed-settings")
    form.get_by_label("Publishing").select_option("hold")
    no_violations(page)
    form.get_by_role("button", name="Save").click()
    page.wait_for_selector(".messages >> text=ians-inbox:")
    assert Feed.objects.get(pk=feeds["ians"].pk).publishing == "hold"
    no_violations(page)

    # A duty editor is offered neither, and a visit to the alerts page is refused.
    editor = browser("Duty editors")
    nav = editor.get_by_role("navigation", name="Desk")
    assert nav.get_by_role("link", name="Alerts").count() == 0
    refused = editor.goto(editor.base + "/desk/alerts/")
    assert refused is not None and refused.status == 403
    assert editor.locator("form.alert-destination").count() == 0
    editor.goto(editor.base + "/desk/feeds/")
    assert editor.locator("form.feed-settings").count() == 0
    assert AlertDestination.objects.count() == 1
