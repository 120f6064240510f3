"""Request bodies read whole by the server, with a deadline and a size limit, before Django.

A WSGI application reads the body in its own thread: one client sending a
byte every two seconds held a `wiredesk serve` worker's only thread (and
/healthz with it) for as long as it liked. So:

- `wiredesk serve` runs granian's RSGI interface with `BufferedBodies`: the
  body is awaited on the event loop, where a slow client costs nothing but
  its socket, within `REQUEST_BODY_SECONDS` (else 408) and
  `REQUEST_BODY_BYTES` (else 413); only then is the WSGI application called,
  with the body in memory. A request without a body goes straight through.
- `wiredesk run` (waitress) already reads every body before it dispatches;
  `DeadlineChannel` closes a connection whose request is not whole within the
  same deadline (408), so slow clients cannot hold its connections for ever.

A proxy in front should buffer bodies too (nginx does by default:
docs/deploy.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO
from typing import Any

from waitress.channel import HTTPChannel

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Answer = tuple[int, list[tuple[str, str]], bytes]


def _answer(status: int, text: str) -> Answer:
    body = f"{text}\n".encode()
    return status, [("content-type", "text/plain; charset=utf-8"), ("connection", "close")], body


class BufferedBodies:
    """An RSGI application (granian's own interface) that reads each body whole, in time,
    then calls a WSGI application.

    RSGI rather than ASGI: a response is one call, not two awaited messages,
    which kept cached pages at the speed of granian's WSGI interface
    (benchmarks/serve.py). `threads` above 1 runs the WSGI application in a
    pool of that many threads (PostgreSQL: a query waits on the network); at 1
    it runs on the event loop itself, as a plain WSGI server's single thread would.

    On the event loop, every request runs in one context kept for the worker:
    Django keeps its database connection, and its other per-thread state, in
    asgiref's `Local`, which on a thread with a running loop is a context
    variable. Each request in a context of its own (a task's) opened a new
    database connection, its pragmas with it, and never reused it: an uncached
    page cost twice what it does under a plain WSGI server (docs/benchmarks.md).
    One kept context is what a WSGI server's one thread is.
    """

    def __init__(self, app: WSGIApp, seconds: float, limit: int, threads: int = 1) -> None:
        self.app, self.seconds, self.limit = app, seconds, limit
        self.pool = ThreadPoolExecutor(threads, "wiredesk-web") if threads > 1 else None
        self.context = contextvars.copy_context()  # entered by one request at a time

    async def __rsgi__(self, scope: Any, proto: Any) -> None:
        if scope.proto != "http":
            return
        headers = scope.headers
        body = b""
        if "content-length" in headers or "transfer-encoding" in headers:
            read = await self._body(headers, proto)
            if isinstance(read, tuple):
                proto.response_bytes(*read)
                return
            body = read
        environ = _environ(scope, body, self.pool is not None)
        if self.pool is None:
            answer = self.context.run(self._call, environ)
        else:
            answer = await asyncio.get_running_loop().run_in_executor(
                self.pool, self._call, environ
            )
        proto.response_bytes(*answer)

    async def _body(self, headers: Any, proto: Any) -> bytes | Answer:
        """Return the whole body, or the answer that refuses it (400, 408, 413)."""
        declared = headers.get("content-length")
        if declared is not None:
            if not (declared.isascii() and declared.isdigit()):
                return _answer(400, "Content-Length must be a number.")
            if int(declared) > self.limit:
                return _answer(413, f"The body is over the {self.limit:,}-byte limit.")
        chunks: list[bytes] = []
        size = 0

        async def read() -> Answer | None:
            nonlocal size
            async for chunk in proto:
                size += len(chunk)
                if size > self.limit:
                    return _answer(413, f"The body is over the {self.limit:,}-byte limit.")
                chunks.append(chunk)
            return None

        try:
            refused = await asyncio.wait_for(read(), self.seconds)
        except TimeoutError:
            return _answer(408, f"The body did not arrive within {self.seconds:g} seconds.")
        except Exception:  # granian's RSGIProtocolError/Closed: the client went away
            return _answer(400, "The body ended before its declared length.")
        return refused if refused is not None else b"".join(chunks)

    def _call(self, environ: dict[str, Any]) -> Answer:
        started: list[Any] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], object]:
            started[:] = [status, headers]
            return lambda data: None  # the write() of WSGI 1.0: nothing here uses it

        result = self.app(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        status, headers = started
        return int(status[:3]), headers, body


def _address(text: str) -> tuple[str, str]:
    """Return (host, port) of RSGI's "host:port" ("[::1]:8000" for IPv6)."""
    host, _, port = text.rpartition(":")
    return host.strip("[]"), port


def _environ(scope: Any, body: bytes, threaded: bool) -> dict[str, Any]:
    """Return the WSGI environ of an RSGI request (PEP 3333)."""
    server_name, server_port = _address(scope.server)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope.method,
        "SCRIPT_NAME": "",
        # PEP 3333: the path's bytes as latin-1 (RSGI gives it percent-decoded, UTF-8).
        "PATH_INFO": scope.path.encode("utf-8").decode("latin-1"),
        "QUERY_STRING": scope.query_string,
        "SERVER_NAME": server_name,
        "SERVER_PORT": server_port,
        "SERVER_PROTOCOL": f"HTTP/{scope.http_version}",
        "REMOTE_ADDR": _address(scope.client)[0],
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.scheme,
        "wsgi.input": BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": threaded,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in scope.headers.items():
        if name == "content-length":
            environ["CONTENT_LENGTH"] = value
        elif name == "content-type":
            environ["CONTENT_TYPE"] = value
        else:
            key = "HTTP_" + name.upper().replace("-", "_")
            if key in environ:  # RFC 9110 section 5.3; cookies are joined by "; " (RFC 6265)
                value = environ[key] + ("; " if key == "HTTP_COOKIE" else ",") + value
            environ[key] = value
    return environ


class DeadlineChannel(HTTPChannel):
    """A waitress connection closed (408) when a request is not whole within the deadline."""

    deadline_seconds = 60.0
    request_began: float | None = None

    def received(self, data: bytes) -> bool:
        if self.request is None and data:
            self.request_began = time.monotonic()
        done = super().received(data)
        if self.request is None:
            self.request_began = None
        return done

    def readable(self) -> bool:
        # Asked on every turn of waitress's loop (at least once a second).
        began = self.request_began
        if began is not None and time.monotonic() - began > self.deadline_seconds:
            self.request_began = None
            with contextlib.suppress(OSError):  # the client may be gone already
                self.send(
                    b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n"
                    b"Content-Length: 0\r\n\r\n"
                )
            self.handle_close()
            return False
        return super().readable()
