"""How agencies' HTTP services want to be asked: an API key, Basic, Bearer or OAuth 2.0.

OAuth 2.0 client credentials (RFC 6749 section 4.4): the token is asked for
once, kept, and asked for again shortly before it expires and once on a 401
(the server may have revoked it early); a second 401 is the agency refusing
us, reported as such, not retried in a loop.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Generator, Mapping
from typing import Any

import httpx

from .base import Setting, TransportError
from .secrets import SecretMissing, Secrets

AUTH_KINDS = ("none", "basic", "bearer", "api_key", "oauth2")

AUTH_SETTINGS: dict[str, Setting] = {
    "auth": Setting(str, "none", choices=AUTH_KINDS, help="How the service wants to be asked."),
    "username": Setting(str, "", help="For basic."),
    "password": Setting(str, secret=True, help="For basic."),
    "token": Setting(str, secret=True, help="For bearer."),
    "api_key": Setting(str, secret=True, help="For api_key."),
    "api_key_header": Setting(str, "", help="The header that carries the key (X-API-Key)."),
    "api_key_param": Setting(str, "", help="Or the query parameter that carries it (apikey)."),
    "token_url": Setting(str, "", help="For oauth2: the token endpoint."),
    "client_id": Setting(str, "", help="For oauth2."),
    "client_secret": Setting(str, secret=True, help="For oauth2."),
    "scope": Setting(str, "", help="For oauth2, if the service wants one."),
}

# What each kind needs besides `auth` itself.
NEEDS = {
    "basic": ("username", "password"),
    "bearer": ("token",),
    "api_key": ("api_key",),
    "oauth2": ("token_url", "client_id", "client_secret"),
}

# A token is renewed this long before it expires (or at a tenth of its life, if shorter).
RENEW_BEFORE_SECONDS = 60.0


def check_auth(options: Mapping[str, Any]) -> list[str]:
    """Return what is missing for the auth kind the settings choose."""
    kind = options.get("auth", "none")
    problems = []
    for name in NEEDS.get(str(kind), ()):
        if not any(options.get(k) for k in (name, f"{name}_env", f"{name}_file")):
            problems.append(f"{name} is needed for auth = {kind!r}")
    if kind == "api_key" and not (options.get("api_key_header") or options.get("api_key_param")):
        problems.append("api_key_header or api_key_param is needed for auth = 'api_key'")
    return problems


def without_key(url: str, options: Mapping[str, Any]) -> str:
    """Return `url` without the API key a query parameter carries (never kept nor logged).

    A server's next-page link may echo the key back; what is stored (the
    checkpoint, a delivery's origin) and logged never holds it.
    """
    param = options.get("api_key_param")
    if not param or options.get("auth") != "api_key":
        return url
    parsed = httpx.URL(url)
    return str(parsed.copy_remove_param(str(param))) if str(param) in parsed.params else url


def _secret(secrets: Secrets, name: str) -> str:
    try:
        value = secrets.get(name)
    except SecretMissing as exc:
        raise TransportError(f"credentials missing: {exc}") from None
    return value or ""


def build_auth(
    options: Mapping[str, Any], secrets: Secrets, user_agent: str, timeout: float = 30.0
) -> httpx.Auth | None:
    """Return the httpx.Auth the settings ask for, or None for a public URL."""
    kind = options.get("auth", "none")
    if kind == "basic":
        return httpx.BasicAuth(str(options.get("username", "")), _secret(secrets, "password"))
    if kind == "bearer":
        return HeaderAuth("Authorization", f"Bearer {_secret(secrets, 'token')}")
    if kind == "api_key":
        key = _secret(secrets, "api_key")
        if options.get("api_key_param"):
            return QueryAuth(str(options["api_key_param"]), key)
        return HeaderAuth(str(options.get("api_key_header") or "X-API-Key"), key)
    if kind == "oauth2":
        return ClientCredentials(
            token_url=str(options["token_url"]),
            client_id=str(options["client_id"]),
            secrets=secrets,
            scope=str(options.get("scope") or ""),
            user_agent=user_agent,
            timeout=timeout,
        )
    return None


class AuthKeeper:
    """Give a transport its auth for each request: OAuth kept (its token lives on), the
    others built afresh (a rotated credential file is read at the next poll)."""

    def __init__(self, options: Mapping[str, Any], secrets: Secrets, user_agent: str) -> None:
        self.options, self.secrets, self.user_agent = options, secrets, user_agent
        self._kept: httpx.Auth | None = None

    def auth(self) -> httpx.Auth | None:
        if self.options.get("auth") != "oauth2":
            return build_auth(self.options, self.secrets, self.user_agent)
        if self._kept is None:
            self._kept = build_auth(self.options, self.secrets, self.user_agent)
        return self._kept

    def close(self) -> None:
        if isinstance(self._kept, ClientCredentials):
            self._kept.client.close()


class HeaderAuth(httpx.Auth):
    """Send a fixed header (an API key, a bearer token)."""

    def __init__(self, header: str, value: str) -> None:
        self.header, self.value = header, value

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[self.header] = self.value
        yield request


class QueryAuth(httpx.Auth):
    """Send an API key as a query parameter (some agencies' APIs want `?apikey=`)."""

    def __init__(self, param: str, value: str) -> None:
        self.param, self.value = param, value

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.url = request.url.copy_set_param(self.param, self.value)
        yield request


class ClientCredentials(httpx.Auth):
    """OAuth 2.0 client credentials, the token kept until shortly before it expires."""

    def __init__(
        self,
        token_url: str,
        client_id: str,
        secrets: Secrets,
        scope: str,
        user_agent: str,
        timeout: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self.secrets = secrets
        self.scope = scope
        self.clock = clock
        self.client = httpx.Client(headers={"User-Agent": user_agent}, timeout=timeout)
        self._token = ""
        self._renew_at = 0.0
        self._lock = threading.Lock()

    def token(self, renew: bool = False) -> str:
        """Return a token that is still good, asking the endpoint for one if needed."""
        with self._lock:
            if renew or not self._token or self.clock() >= self._renew_at:
                self._fetch()
            return self._token

    def _fetch(self) -> None:
        form = {"grant_type": "client_credentials"}
        if self.scope:
            form["scope"] = self.scope
        secret = _secret(self.secrets, "client_secret")
        try:
            # Client id and secret in Basic auth (RFC 6749 section 2.3.1).
            response = self.client.post(
                self.token_url, data=form, auth=httpx.BasicAuth(self.client_id, secret)
            )
        except httpx.HTTPError as exc:
            raise TransportError(f"token endpoint unreachable: {type(exc).__name__}") from None
        if response.status_code != 200:
            detail = ""
            with contextlib.suppress(ValueError, AttributeError):
                detail = str(response.json().get("error", ""))[:100]
            raise TransportError(
                f"token refused by {httpx.URL(self.token_url).host}: "
                f"{response.status_code}{' ' + detail if detail else ''}"
            )
        try:
            body = response.json()
            token = str(body["access_token"])
            lifetime = float(body.get("expires_in") or 3600)
        except (ValueError, KeyError, TypeError):
            raise TransportError("the token endpoint answered without an access_token") from None
        self._token = token
        self._renew_at = self.clock() + lifetime - min(RENEW_BEFORE_SECONDS, lifetime / 10)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.token()}"
        response = yield request
        if response.status_code == 401:
            # Revoked or expired early: one new token, one more try.
            request.headers["Authorization"] = f"Bearer {self.token(renew=True)}"
            yield request
