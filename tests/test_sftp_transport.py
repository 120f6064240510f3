"""SFTP pull against a real SSH server (asyncssh) on 127.0.0.1, its host key pinned per feed."""

from __future__ import annotations

import os
import signal

import asyncssh
import pytest

from wiredesk.ingest.polling import FeedPoller
from wiredesk.sources.models import Feed
from wiredesk.stories.models import Story, StoryVersion
from wiredesk.transports.sftp import SftpPull

from .remote_servers import PASSWORD, USER, SftpServer, start_ingest_process
from .test_ftp_transport import story, wait_until


@pytest.fixture
def sftp_password(monkeypatch):
    monkeypatch.setenv("TEST_SFTP_PASSWORD", PASSWORD)


@pytest.fixture
def server(tmp_path):
    with SftpServer(tmp_path / "agency") as running:
        yield running


def sftp_feed(feeds, server: SftpServer, host_key: str | None = None, **options) -> Feed:
    settings = {
        "username": USER,
        "password_env": "TEST_SFTP_PASSWORD",
        "host_key": host_key or server.known_hosts_line,
        "settle_seconds": 0.2,
        **options,
    }
    feed = Feed(
        agency=feeds["ians"].agency,
        slug="ians-sftp",
        transport="sftp",
        location=server.url(),
        options=settings,
        poll_interval=0.2,
    )
    feed.full_clean()
    feed.save()
    return feed


def poll_once(feed: Feed):
    poller = FeedPoller()
    try:
        return poller.poll(feed)
    finally:
        poller.close()


def test_a_complete_file_is_taken_and_deleted_with_the_pinned_key(feeds, server, sftp_password):
    (server.root / "one.xml").write_bytes(story(1))
    feed = sftp_feed(feeds, server, after="delete")
    [report] = poll_once(feed)
    assert report.actions == {"published": 1}
    assert not (server.root / "one.xml").exists()
    assert Story.objects.get().headline == "Story 1 from the FTP server"


def test_the_key_may_be_pinned_by_its_sha256_fingerprint(feeds, server, sftp_password):
    (server.root / "one.xml").write_bytes(story(1))
    public = asyncssh.import_public_key(server.known_hosts_line)
    fingerprint = public.get_fingerprint("sha256")
    feed = sftp_feed(feeds, server, host_key=fingerprint, after="move", move_to="/")
    (server.root / "out").mkdir()
    feed.location = server.url("out")
    feed.save()
    (server.root / "out" / "one.xml").write_bytes(story(1))
    [report] = poll_once(feed)
    assert report.ok
    assert (server.root / "one.xml").exists() and not (server.root / "out" / "one.xml").exists()


def test_a_changed_host_key_stops_the_feed_with_a_red_reason(feeds, server, sftp_password):
    (server.root / "one.xml").write_bytes(story(1))
    other = asyncssh.generate_private_key("ssh-ed25519").export_public_key("openssh").decode()
    feed = sftp_feed(feeds, server, host_key=other.strip())
    poller = FeedPoller()
    try:
        assert poller.poll(feed) == []
    finally:
        poller.close()
    feed.refresh_from_db()
    assert not feed.enabled  # never a silent accept: a person must look
    assert "stopped: host key changed" in feed.last_error
    assert "SHA256:" in feed.last_error and not Story.objects.exists()


def test_a_wrong_password_says_the_login_was_refused(feeds, server, monkeypatch):
    monkeypatch.setenv("TEST_SFTP_PASSWORD", "not-it")
    (server.root / "one.xml").write_bytes(story(1))
    feed = sftp_feed(feeds, server)
    poll_once(feed)
    feed.refresh_from_db()
    assert "login refused by the SFTP server at 127.0.0.1" in feed.last_error
    assert "not-it" not in feed.last_error and feed.failures == 1 and feed.enabled


def test_a_missing_folder_is_said_in_words(feeds, server, sftp_password):
    feed = sftp_feed(feeds, server)
    feed.location = server.url("no-such-folder")
    feed.save()
    poll_once(feed)
    feed.refresh_from_db()
    assert "has no such folder or file" in feed.last_error


def test_a_key_login_reads_the_private_key_from_a_file(feeds, tmp_path, monkeypatch):
    client_key = asyncssh.generate_private_key("ssh-ed25519")
    key_file = tmp_path / "agency-key"
    key_file.write_bytes(client_key.export_private_key("openssh"))
    with SftpServer(tmp_path / "agency", authorized_key=client_key) as server:
        (server.root / "one.xml").write_bytes(story(1))
        feed = Feed(
            agency=feeds["ians"].agency,
            slug="ians-sftp-key",
            transport="sftp",
            location=server.url(),
            poll_interval=0.2,
            options={
                "username": USER,
                "private_key_file": str(key_file),
                "host_key": server.known_hosts_line,
                "after": "delete",
                "settle_seconds": 0.2,
            },
        )
        feed.full_clean()
        feed.save()
        [report] = poll_once(feed)
        assert report.ok and not (server.root / "one.xml").exists()


def test_a_host_key_that_is_neither_a_line_nor_a_fingerprint_is_refused():
    from wiredesk.transports.base import check_settings

    problems = check_settings("sftp", "sftp://sftp.pti.example/out", {"host_key": "yes"})
    assert any("host_key must be a known_hosts line" in p for p in problems)
    assert SftpPull.secret_names() == {"password", "private_key", "private_key_passphrase"}


@pytest.mark.django_db(transaction=True)
def test_an_ingest_process_killed_between_download_and_delete_loses_nothing_and_stores_once(
    feeds, server, tmp_path, sftp_password
):
    (server.root / "a.xml").write_bytes(story(1))
    (server.root / "b.xml").write_bytes(story(2))
    sftp_feed(feeds, server, after="delete")
    Feed.objects.filter(transport="folder").update(enabled=False)
    server.stall_removals = True
    data_dir = tmp_path / "ingest-data"
    env = {"TEST_SFTP_PASSWORD": PASSWORD}
    first = start_ingest_process(data_dir, env)
    try:
        assert server.removal_reached.wait(60), "the ingest process never acknowledged"
        assert wait_until(lambda: Story.objects.count() == 1, 10)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
    finally:
        first.kill()
    assert (server.root / "a.xml").exists()
    server.stall_removals = False
    second = start_ingest_process(data_dir, env)
    try:
        assert wait_until(lambda: not any(server.root.iterdir()), 60), "files left"
    finally:
        second.kill()
        second.wait(10)
    assert Story.objects.count() == 2 and StoryVersion.objects.count() == 2
