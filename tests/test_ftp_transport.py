"""FTP and FTPS pull against a real FTP server (pyftpdlib) on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from wiredesk.ingest.models import Quarantine, TakenFile
from wiredesk.ingest.polling import FeedPoller
from wiredesk.sources.models import Feed
from wiredesk.stories.models import Story, StoryVersion

from .conftest import SEED_V1, SEED_V2
from .remote_servers import PASSWORD, USER, FtpServer, make_certificate, start_ingest_process
from .wire_builder import g2_item


@pytest.fixture
def ftp_password(monkeypatch):
    monkeypatch.setenv("TEST_FTP_PASSWORD", PASSWORD)


def ftp_feed(feeds, location: str, **options) -> Feed:
    settings = {
        "username": USER,
        "password_env": "TEST_FTP_PASSWORD",
        "settle_seconds": 0.3,
        **options,
    }
    feed = Feed(
        agency=feeds["ians"].agency,
        slug="ians-ftp",
        transport="ftp",
        location=location,
        options=settings,
        poll_interval=0.2,
    )
    feed.full_clean()
    feed.save()
    return feed


def story(n: int) -> bytes:
    from datetime import UTC, datetime

    return g2_item(
        f"urn:newsml:ians.example:2026:ftp-{n}",
        1,
        datetime(2026, 11, 28, tzinfo=UTC),
        headline=f"Story {n} from the FTP server",
    )


def test_a_file_is_taken_once_it_lists_the_same_after_settling_then_deleted(
    feeds, tmp_path, ftp_password
):
    with FtpServer(tmp_path / "agency") as server:
        (server.root / "one.xml").write_bytes(story(1))
        feed = ftp_feed(feeds, server.url(), after="delete")
        poller = FeedPoller()
        try:
            started = time.monotonic()
            [report] = poller.poll(feed)  # first sight, a settle, a second look: taken
            assert time.monotonic() - started >= 0.3
            assert report.actions == {"published": 1}
        finally:
            poller.close()
        assert not (server.root / "one.xml").exists()  # acknowledged: deleted
        assert Story.objects.get().headline == "Story 1 from the FTP server"
        feed.refresh_from_db()
        assert feed.last_error == "" and feed.failures == 0 and feed.last_success_at


def test_a_file_growing_between_listings_waits_until_it_holds_still(feeds, tmp_path, ftp_password):
    with FtpServer(tmp_path / "agency") as server:
        whole = story(1)
        (server.root / "one.xml").write_bytes(whole[:50])
        feed = ftp_feed(feeds, server.url(), after="delete", settle_seconds=0.6)
        # The upload goes on while the poll lets the new file settle.
        threading.Timer(0.2, lambda: (server.root / "one.xml").write_bytes(whole)).start()
        poller = FeedPoller()
        try:
            assert poller.poll(feed) == []  # changed since it was first seen: not yet
            [report] = poller.poll(feed)
            assert report.ok and report.actions == {"published": 1}
        finally:
            poller.close()
        assert not Quarantine.objects.exists()


def test_an_upload_stalled_under_its_final_name_is_left_until_it_completes_or_grace_ends(
    feeds, tmp_path, ftp_password
):
    with FtpServer(tmp_path / "agency") as server:
        whole = story(1)
        (server.root / "one.xml").write_bytes(whole[:60])  # the upload stalls here
        feed = ftp_feed(feeds, server.url(), after="delete", settle_seconds=0.1)
        poller = FeedPoller()
        try:
            assert poller.poll(feed) == []  # unreadable, but perhaps still arriving: left
            assert (server.root / "one.xml").exists() and not Quarantine.objects.exists()
            (server.root / "one.xml").write_bytes(whole)  # the upload resumes and ends
            [report] = poller.poll(feed)
            assert report.actions == {"published": 1}
            # A file that stays broken past the grace time (15 settles) is refused.
            (server.root / "two.xml").write_bytes(b"<newsMessage><broken")
            assert poller.poll(feed) == []
            time.sleep(1.6)
            [refused] = poller.poll(feed)
            assert not refused.ok and "malformed XML" in refused.quarantined
        finally:
            poller.close()
        assert list(server.root.iterdir()) == []
        assert Quarantine.objects.get().data == b"<newsMessage><broken"


def test_a_marker_file_says_a_file_is_complete_at_first_sight(feeds, tmp_path, ftp_password):
    with FtpServer(tmp_path / "agency") as server:
        (server.root / "one.xml").write_bytes(story(1))
        (server.root / "one.xml.done").write_bytes(b"")
        (server.root / "two.xml").write_bytes(story(2))  # no marker yet: still uploading
        feed = ftp_feed(feeds, server.url(), after="delete", marker=".done")
        poller = FeedPoller()
        try:
            [report] = poller.poll(feed)
            assert report.actions == {"published": 1}
            assert poller.poll(feed) == []  # two.xml waits for its marker, however long
        finally:
            poller.close()
        assert sorted(p.name for p in server.root.iterdir()) == ["two.xml"]  # marker gone too


def test_after_move_puts_the_file_in_the_agency_s_done_folder(feeds, tmp_path, ftp_password):
    with FtpServer(tmp_path / "agency") as server:
        (server.root / "out").mkdir()
        (server.root / "done").mkdir()
        (server.root / "out" / "one.xml").write_bytes(story(1))
        feed = ftp_feed(feeds, server.url(folder="out"), after="move", move_to="/done")
        poller = FeedPoller()
        try:
            [report] = poller.poll(feed)
            assert report.ok
        finally:
            poller.close()
        assert (server.root / "done" / "one.xml").read_bytes() == story(1)
        assert not (server.root / "out" / "one.xml").exists()


def test_after_remember_leaves_the_server_alone_and_takes_a_changed_file_again(
    feeds, tmp_path, ftp_password
):
    with FtpServer(tmp_path / "agency") as server:
        (server.root / "seed.xml").write_bytes(SEED_V1.read_bytes())
        feed = ftp_feed(feeds, server.url())  # after = "remember", the default
        poller = FeedPoller()
        try:
            [report] = poller.poll(feed)
            assert report.actions == {"published": 1}
            for _ in range(3):
                assert poller.poll(feed) == []  # remembered: never taken twice
            restarted = FeedPoller()
            assert restarted.poll(feed) == []  # remembered in the database, not only here
            restarted.close()
            assert server.retrievals == ["seed.xml"]
            # The agency overwrites the file with the story's next version.
            (server.root / "seed.xml").write_bytes(SEED_V2.read_bytes())
            os.utime(server.root / "seed.xml", (time.time() + 60, time.time() + 60))
            [report] = poller.poll(feed)
            assert report.actions == {"updated": 1}
        finally:
            poller.close()
        assert (server.root / "seed.xml").exists()
        assert TakenFile.objects.filter(feed=feed).count() == 2
        assert StoryVersion.objects.count() == 2


def test_a_server_without_mlsd_is_listed_with_nlst_size_and_mdtm(feeds, tmp_path, ftp_password):
    with FtpServer(tmp_path / "agency", mlsd=False) as server:
        (server.root / "one.xml").write_bytes(story(1))
        feed = ftp_feed(feeds, server.url(), after="delete")
        poller = FeedPoller()
        try:
            [report] = poller.poll(feed)
            assert report.actions == {"published": 1}
        finally:
            poller.close()


def test_a_wrong_password_says_the_login_was_refused_and_backs_off(feeds, tmp_path, monkeypatch):
    monkeypatch.setenv("TEST_FTP_PASSWORD", "wrong-password")
    with FtpServer(tmp_path / "agency") as server:
        (server.root / "one.xml").write_bytes(story(1))
        feed = ftp_feed(feeds, server.url(), after="delete")
        poller = FeedPoller()
        try:
            assert poller.poll(feed) == []
        finally:
            poller.close()
        feed.refresh_from_db()
        assert "login refused by the FTP server" in feed.last_error
        assert "530" in feed.last_error and "wrong-password" not in feed.last_error
        assert feed.failures == 1 and feed.enabled
        assert (server.root / "one.xml").exists() and not Story.objects.exists()


def test_an_unreachable_server_is_said_in_words(feeds, tmp_path, ftp_password):
    from .test_commands_live import free_port

    feed = ftp_feed(feeds, f"ftp://127.0.0.1:{free_port()}/", timeout=2.0)
    poller = FeedPoller()
    try:
        poller.poll(feed)
    finally:
        poller.close()
    feed.refresh_from_db()
    assert (
        "cannot reach the FTP server" in feed.last_error and "connection refused" in feed.last_error
    )


def test_a_file_over_the_limit_is_quarantined_and_the_next_one_taken(feeds, tmp_path, ftp_password):
    with FtpServer(tmp_path / "agency") as server:
        (server.root / "a-huge.xml").write_bytes(b"<x>" + b"a" * 5000 + b"</x>")
        (server.root / "b-story.xml").write_bytes(story(2))
        feed = ftp_feed(feeds, server.url(), after="delete", max_file_bytes=4000)
        poller = FeedPoller()
        try:
            reports = poller.poll(feed)
        finally:
            poller.close()
        assert [r.ok for r in reports] == [False, True]
        refused = Quarantine.objects.get()
        assert "over the 4,000-byte limit" in refused.reason and refused.size == 5007
        assert Story.objects.get().headline == "Story 2 from the FTP server"
        assert list(server.root.iterdir()) == []  # both acknowledged; the feed goes on


def test_ftps_checks_the_certificate_against_the_feed_s_authority(feeds, tmp_path, ftp_password):
    authority, certificate = make_certificate(tmp_path)
    with FtpServer(tmp_path / "agency", certificate=certificate) as server:
        (server.root / "one.xml").write_bytes(story(1))
        trusted = ftp_feed(feeds, server.url("ftps"), after="delete", ca_file=str(authority))
        poller = FeedPoller()
        try:
            [report] = poller.poll(trusted)
            assert report.actions == {"published": 1}
            # A feed that does not name the authority does not trust the server.
            untrusted = Feed.objects.create(
                agency=trusted.agency,
                slug="ians-ftps-2",
                transport="ftp",
                location=server.url("ftps"),
                options={"username": USER, "password_env": "TEST_FTP_PASSWORD"},
            )
            poller.poll(untrusted)
        finally:
            poller.close()
        untrusted.refresh_from_db()
        assert "certificate that cannot be trusted" in untrusted.last_error


def test_plain_ftp_to_a_server_that_requires_tls_is_refused_in_words(feeds, tmp_path, ftp_password):
    _, certificate = make_certificate(tmp_path)
    with FtpServer(tmp_path / "agency", certificate=certificate) as server:
        feed = ftp_feed(feeds, server.url("ftp"))
        poller = FeedPoller()
        try:
            poller.poll(feed)
        finally:
            poller.close()
        feed.refresh_from_db()
        assert "the FTP server at 127.0.0.1" in feed.last_error and "refused" in feed.last_error


def wait_until(check, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.django_db(transaction=True)
def test_an_ingest_process_killed_between_download_and_delete_loses_nothing_and_stores_once(
    feeds, tmp_path, ftp_password
):
    with FtpServer(tmp_path / "agency") as server:
        (server.root / "a.xml").write_bytes(story(1))
        (server.root / "b.xml").write_bytes(story(2))
        ftp_feed(feeds, server.url(), after="delete")
        Feed.objects.filter(transport="folder").update(enabled=False)
        server.stall_removals = True  # the first delete is taken and never answered
        data_dir = tmp_path / "ingest-data"
        first = start_ingest_process(data_dir, {"TEST_FTP_PASSWORD": PASSWORD})
        try:
            assert server.removal_reached.wait(60), "the ingest process never acknowledged"
            assert wait_until(lambda: Story.objects.count() == 1, 10)  # stored, not acknowledged
            os.kill(first.pid, signal.SIGKILL)
            first.wait(10)
        finally:
            first.kill()
        assert (server.root / "a.xml").exists()  # still on the server
        server.stall_removals = False
        second = start_ingest_process(data_dir, {"TEST_FTP_PASSWORD": PASSWORD})
        try:
            assert wait_until(lambda: not any(server.root.iterdir()), 60), "files left"
        finally:
            second.kill()
            second.wait(10)
        assert sorted(Story.objects.values_list("headline", flat=True)) == [
            "Story 1 from the FTP server",
            "Story 2 from the FTP server",
        ]
        assert StoryVersion.objects.count() == 2  # nothing twice
        # The file downloaded before the kill came from the spool, not the server again.
        assert server.retrievals.count("a.xml") == 1
        assert not any((data_dir / "spool" / "ians-ftp").glob("*"))
