"""`[[alerts]]` and `[email]` of wiredesk.toml: where alerts go, and the mail server they go by.

    [[alerts]]
    kind = "email"                 # email, slack or signed
    to = ["desk@news.example"]
    events = ["feed.red", "agency.kill"]   # empty or left out: every event

Pure Python, read by config/options.py (which imports this module, never the
other way at import time: its reader is borrowed when a file is read). Where
each destination points is checked at start-up by a system check
(syndication/checks.py), which says what is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from wiredesk.syndication.alert_events import EVENTS, KINDS

BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
}


@dataclass(frozen=True, slots=True)
class EmailOptions:
    """`[email]`: the mail server Django's mail sends alerts through."""

    # "console" writes each message to standard error instead (a trial run).
    backend: str = field(default="smtp", metadata={"choices": tuple(BACKENDS)})
    host: str = "localhost"
    port: int = field(default=25, metadata={"at_least": 1, "at_most": 65535})
    username: str = ""
    password: str = field(default="", metadata={"env": "WIREDESK_EMAIL_PASSWORD"})
    use_tls: bool = False  # STARTTLS on the port given
    use_ssl: bool = False  # TLS from the start (port 465)
    timeout: float = field(default=10.0, metadata={"at_least": 0.1})
    sender: str = field(default="wiredesk@localhost", metadata={"key": "from"})


@dataclass(frozen=True, slots=True)
class AlertDestinationOptions:
    """One `[[alerts]]` block: who is told, by what, of which events."""

    kind: str = field(default="", metadata={"choices": KINDS})
    to: tuple[str, ...] = ()  # email: the addresses
    url: str = ""  # slack and signed: where the JSON is POSTed
    # signed: the environment variable holding the HMAC secret (never the file).
    secret_env: str = ""
    events: tuple[str, ...] = ()  # empty: every event
    name: str = ""  # shown on the desk's alerts page

    def wants(self, event: str) -> bool:
        return not self.events or event in self.events

    @property
    def target(self) -> str:
        """Return where it sends: the addresses (email) or the URL."""
        return ", ".join(self.to) if self.kind == "email" else self.url


def read_alerts(
    entries: Any, source: str, environ: Mapping[str, str]
) -> tuple[AlertDestinationOptions, ...]:
    """Return the `[[alerts]]` blocks, every key known and every value of its type."""
    from .options import ConfigError, _read  # options imports this module first

    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise ConfigError(f"{source} [[alerts]]: expected a list of tables")
    found = []
    for number, entry in enumerate(entries, 1):
        where = f"{source} [[alerts]] #{number}"
        if "kind" not in entry:
            raise ConfigError(f"{where}: no kind; give one of {', '.join(KINDS)}")
        alert = _read(AlertDestinationOptions, entry, source, f"alerts #{number}", environ)
        unknown = [event for event in alert.events if event not in EVENTS]
        if unknown:
            raise ConfigError(
                f"{where} events: {', '.join(map(repr, unknown))} unknown; "
                f"known events: {', '.join(EVENTS)}"
            )
        found.append(alert)
    return tuple(found)
