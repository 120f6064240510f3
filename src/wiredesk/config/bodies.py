"""Request bodies read whole by the server, with a deadline and a size limit, before Django.

A WSGI application reads the body in its own thread: one client sending a
byte every two seconds held a `wiredesk serve` worker's only thread (and
/healthz with it) for as long as it liked. So:

- `wiredesk serve` runs granian's ASGI interface with `BufferedBodies`: the
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
import sys
import time
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO
from typing import Any

from waitress.channel import HTTPChannel

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _answer(status: int, text: str) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    body = f"{text}\n".encode()
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close"),
               (b"content-length", str(len(body)).encode())]  # fmt: skip
    return status, headers, body


class BufferedBodies:
    """An ASGI application that reads each body whole, in time, then calls a WSGI application.

    `threads` above 1 runs the WSGI application in a pool of that many
    threads (PostgreSQL: a query waits on the network); at 1 it runs on the
    event loop itself, as fast as a plain WSGI server's single thread.
    """

    def __init__(self, app: WSGIApp, seconds: float, limit: int, threads: int = 1) -> None:
        self.app, self.seconds, self.limit = app, seconds, limit
        self.pool = ThreadPoolExecutor(threads, "wiredesk-web") if threads > 1 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        body = b""
        if any(name in (b"content-length", b"transfer-encoding") for name, _ in scope["headers"]):
            read = await self._body(scope, receive)
            if isinstance(read, tuple):
                await self._send(send, *read)
                return
            body = read
        environ = _environ(scope, body, self.pool is not None)
        if self.pool is None:
            answer = self._call(environ)
        else:
            answer = await asyncio.get_running_loop().run_in_executor(
                self.pool, self._call, environ
            )
        await self._send(send, *answer)

    async def _body(self, scope: Scope, receive: Receive) -> bytes | tuple:
        """Return the whole body, or the answer that refuses it (408, 413)."""
        for name, value in scope["headers"]:
            if name == b"content-length":
                if not value.isdigit():
                    return _answer(400, "Content-Length must be a number.")
                if int(value) > self.limit:
                    return _answer(413, f"The body is over the {self.limit:,}-byte limit.")
        chunks: list[bytes] = []
        size = 0

        async def read() -> tuple | None:
            nonlocal size
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return _answer(400, "The client went away.")
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > self.limit:
                    return _answer(413, f"The body is over the {self.limit:,}-byte limit.")
                chunks.append(chunk)
                if not message.get("more_body", False):
                    return None

        try:
            refused = await asyncio.wait_for(read(), self.seconds)
        except TimeoutError:
            return _answer(408, f"The body did not arrive within {self.seconds:g} seconds.")
        return refused if refused is not None else b"".join(chunks)

    def _call(self, environ: dict[str, Any]) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        started: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None):
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
        return (int(status[:3]),
                [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers], body)  # fmt: skip

    @staticmethod
    async def _send(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes):
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    @staticmethod
    async def _lifespan(receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return


def _environ(scope: Scope, body: bytes, threaded: bool) -> dict[str, Any]:
    """Return the WSGI environ of an ASGI request (PEP 3333; ASGI's HTTP scope)."""
    server = scope.get("server") or ("localhost", 80)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": scope.get("root_path", "").encode("utf-8").decode("latin-1"),
        # PEP 3333: the path's bytes as latin-1 (ASGI gives it percent-decoded, UTF-8).
        "PATH_INFO": scope["path"].encode("utf-8").decode("latin-1"),
        "QUERY_STRING": scope["query_string"].decode("latin-1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1]),
        "SERVER_PROTOCOL": f"HTTP/{scope['http_version']}",
        "REMOTE_ADDR": scope["client"][0] if scope.get("client") else "",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": threaded,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for raw_name, raw_value in scope["headers"]:
        name, value = raw_name.decode("latin-1"), raw_value.decode("latin-1")
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
                self.send(b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n"
                          b"Content-Length: 0\r\n\r\n")  # fmt: skip
            self.handle_close()
            return False
        return super().readable()
