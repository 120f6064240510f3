"""The desk in Debian's chromium, driven by Playwright: the browser, the login and the
watch for errors that the desk's browser tests share."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth import get_user_model

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PASSWORD = "pw-123456789-desk"


@contextmanager
def desk_in_chromium(live_server, monkeypatch, **page_options: Any) -> Iterator[Any]:
    """Open the desk in chromium logged in as the superuser alice, on a page made with
    `page_options`; on leaving, assert no page had a script error or a refused resource."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own
    # ORM calls stay synchronous and safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    get_user_model().objects.create_superuser("alice", "alice@news.example", PASSWORD)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(**page_options)
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on(
            "response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None
        )
        page.goto(f"{live_server.url}/admin/login/?next=/desk/")
        page.fill("#id_username", "alice")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url(f"{live_server.url}/desk/")
        page.base = live_server.url
        yield page
        assert errors == []  # no script error, no refused resource, on any page visited
        browser.close()
