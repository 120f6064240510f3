"""The content generation: one token that every story change replaces.

Cached pages are kept with the token they were rendered under and served only
while it is still current, so a kill or an embargo makes every cached page
stale at once, in every process that can see the token:

- `FileGeneration` (the embedded engine, one machine): eight bytes in a file
  under the data directory, memory-mapped by every process (ingest, web
  workers), so reading it costs no system call.
- `RedisGeneration` (several machines): a token in Redis, replaced and
  announced on a pub/sub channel; each web worker keeps a copy that a listener
  thread updates. While the listener is not connected the copy is None and
  nothing is served from a process-local cache.

Redis can go away. A change made meanwhile cannot replace the token, so it is
replaced again as soon as Redis answers: by the process that failed (it
retries in a thread of its own) and by every listener that reconnects. Pages
kept before the outage are then stale everywhere. Tokens are random, never a
counter: a Redis emptied by a restart would count up through old tokens
again, and pages kept under them would come back to life.
"""

from __future__ import annotations

import logging
import mmap
import os
import threading
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)

TOKEN_SIZE = 8
REDIS_KEY = "wiredesk:generation"
REDIS_CHANNEL = "wiredesk:generation"


class FileGeneration:
    """A generation token shared by the processes of one machine through a mapped file."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            if os.fstat(fd).st_size < TOKEN_SIZE:
                os.ftruncate(fd, TOKEN_SIZE)
            self._map = mmap.mmap(fd, TOKEN_SIZE)
        finally:
            os.close(fd)
        if self._map[:TOKEN_SIZE] == bytes(TOKEN_SIZE):
            self.bump()

    def current(self) -> bytes:
        """Return the token as every process sees it now."""
        return self._map[:TOKEN_SIZE]

    fresh = current

    def bump(self) -> None:
        """Replace the token (any new value will do; random, so writers need no lock)."""
        self._map[:TOKEN_SIZE] = os.urandom(TOKEN_SIZE)


class RedisGeneration:
    """A random generation token in Redis (never a counter), copied by a listener thread."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._local: bytes | None = None
        self._pid = 0
        self._lock = threading.Lock()
        self._value_lock = threading.Lock()
        self._clients: dict[int, object] = {}
        self._retrying = False

    def _client(self) -> Any:
        """Return this process's client (thread-safe; not shared across a fork)."""
        client = self._clients.get(os.getpid())
        if client is None:
            import redis

            # Short time-outs: while Redis is away a request waits this long at
            # most before it is served uncached.
            client = redis.Redis.from_url(
                self.url, socket_timeout=1, socket_connect_timeout=1, health_check_interval=10
            )
            self._clients = {os.getpid(): client}
        return client

    def current(self) -> bytes | None:
        """Return the local copy, or None while the listener is not subscribed."""
        if self._pid != os.getpid():  # first call in this process (or after a fork)
            self._start_listener()
        return self._local

    def fresh(self) -> bytes | None:
        """Return the token as Redis has it now (one round trip), or None while Redis is away."""
        try:
            value = self._client().get(REDIS_KEY)
            # A new or emptied Redis: give it a token no page was kept under.
            return value if value is not None else self._replace()
        except Exception as exc:
            logger.warning(
                "generation: Redis does not answer (%s); nothing served from caches", exc
            )
            return None

    def bump(self) -> None:
        """Replace the token and announce it; if Redis is away, keep trying until it is back."""
        try:
            self._replace()
        except Exception as exc:
            logger.warning("generation: change not announced, Redis is away (%s); retrying", exc)
            with self._value_lock:
                self._local = None  # this process keeps nothing until the token moves
            self._retry_in_background()

    def _replace(self) -> bytes:
        client = self._client()
        value = os.urandom(TOKEN_SIZE).hex().encode()
        client.set(REDIS_KEY, value)
        client.publish(REDIS_CHANNEL, value)
        # Seen here at once, not when the listener hears its own message: a
        # request this process answers right after its own kill must not get
        # a page kept before it. Not before the listener has subscribed
        # (until then this process keeps nothing).
        with self._value_lock:
            if self._local is not None:
                self._local = value
        return value

    def _retry_in_background(self) -> None:
        with self._lock:
            if self._retrying:
                return
            self._retrying = True
        threading.Thread(target=self._retry, name="wiredesk-generation-retry", daemon=True).start()

    def _retry(self) -> None:
        delay = 0.2
        while True:
            time.sleep(delay)
            try:
                self._replace()
            except Exception:
                delay = min(delay * 2, 2.0)
                continue
            logger.warning("generation: Redis is back; the change made while away is announced")
            with self._lock:
                self._retrying = False
            return

    def _start_listener(self) -> None:
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._local = None
            threading.Thread(target=self._listen, name="wiredesk-generation", daemon=True).start()

    def _listen(self) -> None:
        lost = False
        while True:
            try:
                client = self._client()
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(REDIS_CHANNEL)
                # Read the token only once subscribed: no bump can fall in between.
                pubsub.get_message(timeout=5)
                if lost:
                    # Back from an outage: a change made meanwhile may not have
                    # been announced, so every page kept before it goes stale.
                    self._replace()
                    lost = False
                value = client.get(REDIS_KEY) or self._replace()
                with self._value_lock:
                    self._local = value
                for message in pubsub.listen():
                    if message["type"] == "message":
                        with self._value_lock:
                            self._local = message["data"]
            except Exception as exc:  # connection lost: serve nothing locally until back
                if self._local is not None:
                    logger.warning("generation listener lost Redis (%s); retrying", exc)
                lost = True
                with self._value_lock:  # so that no bump() sets it again meanwhile
                    self._local = None
                time.sleep(0.5)


def generation_clock() -> FileGeneration | RedisGeneration:
    """Return this process's generation clock, chosen by the configured cache."""
    cache = settings.CACHES["default"]
    if str(cache["BACKEND"]).startswith("django_redis"):
        return _clock("redis", str(cache["LOCATION"]))
    # Beside the SQLite file (like its -wal and -shm files): every process using
    # that database shares it, whatever its data directory.
    from django.db import connections

    database = connections["default"].settings_dict
    if database["ENGINE"].endswith("sqlite3") and str(database["NAME"]) != ":memory:":
        return _clock("file", f"{database['NAME']}-generation")
    return _clock("file", str(Path(settings.DATA_DIR) / "run" / "generation"))


@lru_cache(maxsize=8)
def _clock(kind: str, location: str) -> FileGeneration | RedisGeneration:
    return RedisGeneration(location) if kind == "redis" else FileGeneration(Path(location))


def shared_safely() -> bool:
    """Say whether every process that can change stories sees this process's clock."""
    return sees_every_writer(
        str(settings.DATABASES["default"]["ENGINE"]), str(settings.CACHES["default"]["BACKEND"])
    )


def sees_every_writer(database_engine: str, cache_backend: str) -> bool:
    """Say whether a clock is seen by every writer, for this database and cache.

    Redis is seen by every machine. A file is seen only on its own machine,
    which is where every writer of a SQLite database runs; with a server
    database but no Redis, ingest may run elsewhere, so local caches are not safe.
    """
    return cache_backend.startswith("django_redis") or database_engine.endswith("sqlite3")
