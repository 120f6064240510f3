"""`wiredesk demo` and `wiredesk run` as a user runs them: real processes, real HTTP."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import lxml.etree
import lxml.html
import pytest

from .conftest import AGENCIES, SEED_V1
from .helpers import visible_text
from .wire_server import AgencyServer

SEED_URL = "/story/1/us-skorea-working-to-restart-dialogue-with-pyongyang/"
SITEMAP = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# The commands as a first user runs them, on the embedded default, whatever the
# suite's engine: the same on either pass of CI.
pytestmark = pytest.mark.embedded_engine


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WIREDESK_", "DJANGO_"))}
    # These commands run on the embedded database; REDIS_URL is kept, as other
    # modules' processes (Celery workers, a second web node) need it.
    env.pop("DATABASE_URL", None)
    return env


@pytest.fixture
def start(tmp_path):
    processes = []

    def _start(*args: str, cwd: Path = tmp_path) -> subprocess.Popen:
        log = open(tmp_path / f"process-{len(processes)}.log", "wb")  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "-m", "wiredesk.cli", *args],
            cwd=cwd,
            env=clean_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        process.log_path = log.name
        processes.append(process)
        return process

    yield _start
    for process in processes:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        print(Path(process.log_path).read_text()[-5000:])  # shown when a test fails


def wait_for(url: str, check, timeout: float) -> tuple[httpx.Response, float]:
    """Poll `url` until `check(response)` holds; return it and the seconds it took."""
    started = time.monotonic()
    last = None
    while time.monotonic() - started < timeout:
        try:
            last = httpx.get(url, timeout=2)
            if check(last):
                return last, time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail(f"{url} not ready in {timeout}s; last answer: {last and last.status_code}")


def test_demo_serves_the_seed_story_within_30_seconds(start, tmp_path):
    port = free_port()
    start("demo", "--port", str(port), "--data-dir", str(tmp_path / "data"))
    base = f"http://127.0.0.1:{port}"
    response, took = wait_for(base + SEED_URL, lambda r: r.status_code == 200, timeout=30)
    assert took < 30
    text = visible_text(lxml.html.fromstring(response.content))
    assert "By IANS | Published: October 14, 2021 09:39 AM" in text
    # Then the revised version arrives, and stories from the other agencies.
    updated = "Updated: October 14, 2021 09:50 AM"
    wait_for(
        base + SEED_URL,
        lambda r: updated in visible_text(lxml.html.fromstring(r.content)),
        timeout=30,
    )
    wait_for(
        base + "/agency/northline/",
        lambda r: r.status_code == 200 and b"cards" in r.content,
        timeout=30,
    )
    assert (tmp_path / "data" / "wiredesk.sqlite3").exists()
    assert (tmp_path / "data" / "inbox" / "ians" / "processed" / SEED_V1.name).exists()
    # Its first message names the real watch folders, one an agency.
    first = Path(tmp_path / "process-0.log").read_text().partition("Wiredesk demo:")[2]
    inbox = (tmp_path / "data" / "inbox").resolve()
    named = [line.strip() for line in first.splitlines() if line.strip().startswith(str(inbox))]
    folders = sorted([*AGENCIES, "harbour-hindi"])  # Harbour's Hindi service has its own
    assert named == [f"{inbox / folder}{os.sep}" for folder in folders]

    # Its sections fill as stories arrive: linked from every page, each with its
    # stories, in its feed and in the sections sitemap.
    home = lxml.html.fromstring(httpx.get(base + "/").content)
    linked = home.xpath("//a[starts-with(@href, '/section/')]/@href")
    assert {"/section/india/", "/section/world/", "/section/business/"} <= set(linked)

    def listed(answer: httpx.Response) -> list[str]:
        if answer.status_code != 200:
            return []
        return lxml.html.fromstring(answer.content).xpath("//ul[@class='cards']//a/@href")

    for section in ("india", "world", "business", "sport"):
        wait_for(base + f"/section/{section}/", listed, timeout=60)
    # The Hindi edition at its own address, with Harbour's Hindi service's stories; the
    # English version of one of them names it (hreflang), linked by their shared altId.
    hindi, _ = wait_for(base + "/hi/", lambda r: len(listed(r)) == 4, timeout=60)
    assert lxml.html.fromstring(hindi.content).get("lang") == "hi"
    english = lxml.html.fromstring(httpx.get(base + "/agency/harbour/").content).xpath(
        "//ul[@class='cards']//a[contains(., 'Delhi air quality')]/@href"
    )
    story_page = lxml.html.fromstring(httpx.get(base + english[0]).content)
    assert set(story_page.xpath("//link[@rel='alternate']/@hreflang")) == {"en", "hi", "x-default"}
    world = httpx.get(base + "/section/world/rss.xml")
    titles = lxml.etree.fromstring(world.content).xpath("//item/title/text()")
    assert any("S.Korea working to restart dialogue with Pyongyang" in title for title in titles)
    sitemap = lxml.etree.fromstring(httpx.get(base + "/sitemap-sections.xml").content)
    locations = sitemap.xpath("//s:url/s:loc/text()", namespaces=SITEMAP)
    assert {f"{base}/section/{slug}/" for slug in ("india", "world", "business", "sport")} <= set(
        locations
    )

    # The demo agencies' photos: taken from beside their deliveries, rendered by
    # the ingest loop, shown on the page and served (with a year's caching) by
    # the same process, before Django.
    def solar_story(answer: httpx.Response) -> str | None:
        links = lxml.html.fromstring(answer.content).xpath(
            "//ul[@class='cards']//a[contains(., 'floating solar farm')]/@href"
        )
        return links[0] if links else None

    page, _ = wait_for(base + "/agency/northline/", solar_story, timeout=60)
    solar = solar_story(page)
    wait_for(base + solar, lambda r: b"lead-picture" in r.content, timeout=60)
    figure = lxml.html.fromstring(httpx.get(base + solar).content).xpath("//figure")[0]
    assert "Rows of solar panels" in figure.xpath("string(figcaption)")
    avif = figure.xpath("picture/source[@type='image/avif']/@srcset")[0].split()[0]
    served = httpx.get(base + avif)
    assert served.status_code == 200 and served.headers["content-type"] == "image/avif"
    assert "immutable" in served.headers["cache-control"]
    # The desk: its address and login are printed; its wire shows every state.
    log = Path(tmp_path / "process-0.log").read_text()
    [line] = [line for line in log.splitlines() if line.strip().startswith("desk:")]
    _, url, _, user, _, password = line.split()
    assert url == base + "/desk/" and user == "admin"
    with httpx.Client(base_url=base, timeout=5) as desk:
        login = desk.get("/admin/login/")
        token = lxml.html.fromstring(login.content).xpath("//input[@name='csrfmiddlewaretoken']")
        desk.post(
            "/admin/login/?next=/desk/",
            data={
                "csrfmiddlewaretoken": token[0].get("value"),
                "username": user,
                "password": password,
            },
        )

        def rows(url: str) -> list:
            return lxml.html.fromstring(desk.get(url).content).xpath(
                "//tbody/tr[starts-with(@id, 'item-') or starts-with(@id, 'quarantine-')]"
            )

        def every_state() -> bool:
            wire = lxml.html.fromstring(desk.get("/desk/").content)
            states = set(wire.xpath("//td/span[@class='state']/text()"))
            return (
                {"published", "held", "embargoed", "killed"} <= states
                and bool(rows("/desk/?state=duplicate"))
                and bool(rows("/desk/quarantine/"))
            )

        deadline = time.monotonic() + 60
        while not every_state() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert every_state()

    # One login of each role is printed; each lands on the desk with its role's powers.
    printed = re.findall(r"^ +(duty editor|viewer): +user (\S+) +password (\S+)", log, re.M)
    logins = {"administrator": (user, password)} | {r: (n, p) for r, n, p in printed}
    assert list(logins) == ["administrator", "duty editor", "viewer"]
    wires = {}
    for role, (name, secret) in logins.items():
        with httpx.Client(base_url=base, timeout=5) as desk:
            token = lxml.html.fromstring(desk.get("/admin/login/").content).xpath(
                "//input[@name='csrfmiddlewaretoken']/@value"
            )[0]
            landed = desk.post(
                "/admin/login/?next=/desk/",
                data={"csrfmiddlewaretoken": token, "username": name, "password": secret},
                follow_redirects=True,
            )
            assert landed.url.path == "/desk/", role
            wire = lxml.html.fromstring(landed.content)
            held = wire.xpath("//tbody/tr[contains(@class, 'state-held')]")[0]
            wires[role] = {
                "bulk": bool(wire.xpath("//form[@id='bulk']")),
                "pick": bool(wire.xpath("//tbody//input[@name='story']")),
                "release": held.xpath(".//button[.='Release']/../@action"),
                "users": desk.get("/admin/auth/user/").status_code,
            }
            if role == "viewer":
                # Read-only: the release the editors are offered is refused to it.
                target = wires["duty editor"]["release"][0]
                refused = desk.post(
                    target,
                    data={"action": "release"},
                    headers={"X-CSRFToken": desk.cookies["csrftoken"], "Referer": base + "/desk/"},
                )
                assert refused.status_code == 403
                again = lxml.html.fromstring(desk.get("/desk/").content)
                assert held.get("id") in again.xpath("//tr[contains(@class, 'state-held')]/@id")
    assert {role: (w["bulk"], w["pick"], bool(w["release"])) for role, w in wires.items()} == {
        "administrator": (True, True, True),
        "duty editor": (True, True, True),
        "viewer": (False, False, False),
    }
    # Only the administrator manages users.
    assert {role: w["users"] for role, w in wires.items()} == {
        "administrator": 200,
        "duty editor": 403,
        "viewer": 403,
    }


def test_demo_help_describes_its_own_options_before_django_s(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "wiredesk.cli", "demo", "--help"],
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    _, _, options = done.stdout.partition("\noptions:\n")
    ours, _, django = options.partition("\noptions every wiredesk command takes:\n")
    described = {}
    for line in ours.splitlines():
        words = line.split(maxsplit=2)
        if words and words[0] in ("--port", "--host", "--data-dir"):
            described[words[0]] = words[2] if len(words) > 2 else ""
    assert described.keys() == {"--port", "--host", "--data-dir"}
    assert "8000" in described["--port"] and "127.0.0.1" in described["--host"]
    assert "inbox" in ours  # the data folder's help names the watch folders in it
    assert "--settings" in django and "--settings" not in ours
    assert "--verbosity" in django and "--port" not in django


def test_the_demo_drops_the_rest_only_once_the_seed_and_its_revision_are_taken(tmp_path):
    """However late the ingest process starts (CI's slowest machine: four seconds after
    the first drop), the seed is the first story and its revision an update."""
    import threading

    from wiredesk.demo.replay import bundled_deliveries, replay

    seed, revision = (path.name for path in bundled_deliveries()[:2])
    stop = threading.Event()
    thread = threading.Thread(
        target=replay, args=(tmp_path, stop), kwargs={"first_pause": 0.1, "pause": 0.1}
    )
    thread.start()

    def waiting() -> list[str]:
        return sorted(p.name for p in tmp_path.glob("*/*") if p.is_file() and p.suffix != ".jpg")

    def take(name: str) -> None:
        (tmp_path / "ians" / "processed").mkdir(exist_ok=True)
        os.replace(tmp_path / "ians" / name, tmp_path / "ians" / "processed" / name)

    try:
        time.sleep(1.0)  # no ingest yet
        assert waiting() == [seed]
        take(seed)
        deadline = time.monotonic() + 5
        while waiting() != [revision] and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        assert waiting() == [revision]
        take(revision)
        # The next batch draws its photos first: seconds on a loaded machine.
        deadline = time.monotonic() + 20
        while len(waiting()) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(waiting()) >= 3 and revision not in waiting()
    finally:
        stop.set()
        thread.join(5)


def test_run_ingests_a_watch_folder_and_pings_the_hub_apart_from_ingest(start, tmp_path):
    hub = AgencyServer().start()
    hub.routes["/hub"] = lambda h: h.reply(204)
    port = free_port()
    (tmp_path / "wiredesk.toml").write_text(
        f'[site]\nname = "Daily Example"\ntime_zone = "Asia/Kolkata"\nwebsub_hub = "{hub.base_url}/hub"\n\n'
        '[[agencies]]\nslug = "ians"\nname = "IANS"\n\n'
        '  [[agencies.feeds]]\n  slug = "ians-ftp"\n  transport = "folder"\n'
        '  location = "inbox"\n  poll_interval = 0.5\n'
    )
    try:
        start("run", "--port", str(port))
        base = f"http://127.0.0.1:{port}"
        wait_for(base + "/healthz", lambda r: r.status_code == 200, timeout=30)
        inbox = tmp_path / "inbox"
        # The ingest process (a fresh interpreter) makes the folder on its first
        # pass; on a loaded machine that can take a while after the site answers.
        for _ in range(300):
            if inbox.exists():
                break
            time.sleep(0.1)
        shutil.copy(SEED_V1, inbox / ".upload.part")
        os.replace(inbox / ".upload.part", inbox / SEED_V1.name)
        response, _ = wait_for(base + SEED_URL, lambda r: r.status_code == 200, timeout=15)
        assert b"Daily Example" in response.content
        assert (tmp_path / "var" / "wiredesk.sqlite3").exists()  # ./var by default
        # The outbox worker of the embedded engine pinged the hub for the feeds.
        for _ in range(100):
            if len(hub.requests) >= 6:
                break
            time.sleep(0.1)
        pinged = sorted(r.body.decode() for r in hub.requests)
        assert len(pinged) == 6 and all(p.startswith("hub.mode=publish") for p in pinged)
    finally:
        hub.stop()


def _children(pid: int) -> list[int]:
    """Return the ids of the ingest processes `pid` started (Linux's /proc).

    multiprocessing's resource tracker is a child too: it is left out.
    """
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            command = Path(f"/proc/{child}/cmdline").read_bytes()
            if b"resource_tracker" not in command:
                found.append(int(child))
    return found


def test_run_serves_pages_while_its_ingest_process_is_stopped_and_restarts_it(start, tmp_path):
    port = free_port()
    (tmp_path / "wiredesk.toml").write_text(
        '[site]\nname = "Daily Example"\n\n[[agencies]]\nslug = "ians"\nname = "IANS"\n\n'
        '  [[agencies.feeds]]\n  slug = "ians-ftp"\n  transport = "folder"\n'
        '  location = "inbox"\n  poll_interval = 0.5\n'
    )
    run = start("run", "--port", str(port))
    base = f"http://127.0.0.1:{port}"
    wait_for(base + "/healthz", lambda r: r.status_code == 200, timeout=30)
    for _ in range(100):
        ingest = _children(run.pid)
        if ingest:
            break
        time.sleep(0.1)
    [ingest_pid] = ingest  # ingest runs in a process of its own
    # ... ahead of the web server for the CPU: readers wait, a story does not.
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    assert os.getpriority(os.PRIO_PROCESS, run.pid) == ours + 5
    assert os.getpriority(os.PRIO_PROCESS, ingest_pid) == ours
    os.kill(ingest_pid, signal.SIGSTOP)  # as good as stuck on a huge delivery
    try:
        for path in ("/", "/healthz", "/feeds/rss.xml", "/api/v1/stories"):
            assert httpx.get(base + path, timeout=5).status_code == 200, path
    finally:
        os.kill(ingest_pid, signal.SIGCONT)
    os.kill(ingest_pid, signal.SIGKILL)  # and if it dies, the server starts another
    inbox = tmp_path / "inbox"
    inbox.mkdir(exist_ok=True)
    shutil.copy(SEED_V1, inbox / ".upload.part")
    os.replace(inbox / ".upload.part", inbox / SEED_V1.name)
    wait_for(base + SEED_URL, lambda r: r.status_code == 200, timeout=30)
    [restarted] = _children(run.pid)
    assert restarted != ingest_pid
    assert os.getpriority(os.PRIO_PROCESS, restarted) == ours  # back ahead of the server


def test_the_ingest_process_ends_when_its_server_is_killed(start, tmp_path):
    port = free_port()
    run = start("run", "--port", str(port))
    wait_for(f"http://127.0.0.1:{port}/healthz", lambda r: r.status_code == 200, timeout=30)
    for _ in range(100):
        ingest = _children(run.pid)
        if ingest:
            break
        time.sleep(0.1)
    [ingest_pid] = ingest
    run.kill()  # SIGKILL: no chance to stop its ingest process itself
    run.wait(10)

    def running() -> bool:  # an ended process may linger as a zombie until it is reaped
        try:
            return Path(f"/proc/{ingest_pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
        except FileNotFoundError:
            return False

    for _ in range(200):
        if not running():
            break
        time.sleep(0.1)
    assert not running()  # not left running, orphaned
