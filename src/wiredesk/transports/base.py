"""What every transport is: a named class that pulls deliveries and acknowledges them.

A transport has one job: fetch what is new since its checkpoint, and, once the
pipeline has stored a delivery (or quarantined it with its bytes), acknowledge
it: delete or move the remote file, remember it, or move the checkpoint on.
Storing comes first and acknowledging second, so a crash between the two makes
the transport take the delivery again, and storing, being repeat-safe, does
nothing the second time (docs/design.md, "Identity").

Transports are declared by name in `REGISTRY` (like the wire formats) with the
settings each takes, so a feed's settings are checked the same way in the
admin and in `wiredesk.toml`. Adding a transport touches one module.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

from .secrets import Secrets


class TransportError(Exception):
    """A pull failed; the message is for a duty editor ("login refused by the FTP server").

    `retry_after` is the wait the server asked for, in seconds. `stop` says the
    feed must not be polled again until a person looks (a changed host key).
    """

    def __init__(self, message: str, retry_after: float | None = None, stop: bool = False):
        super().__init__(message)
        self.retry_after = retry_after
        self.stop = stop


@dataclass
class PulledDelivery:
    """One delivery pulled from an agency, waiting to be stored and then acknowledged."""

    name: str  # shown in logs and the quarantine ("story.xml", a URL)
    data: bytes
    base_url: str | None = None  # where relative links in it resolve
    # Why the bytes could not be had (over the size limit): quarantined as it is.
    refused: str = ""
    size: int = 0  # of a refused delivery's bytes, which were not read
    # The feed's checkpoint once this delivery is acknowledged (None: unchanged).
    checkpoint: dict[str, Any] | None = None
    # The transport's own note of where the delivery came from.
    receipt: Any = None
    # Nothing to store, only the checkpoint to move (an empty page, a subscription).
    only_checkpoint: bool = False


@dataclass(frozen=True)
class Stored:
    """What the pipeline made of a delivery, told back to its transport."""

    ok: bool  # False: the delivery was quarantined whole
    reason: str = ""
    item_failures: list[str] = field(default_factory=list)


class Memory(Protocol):
    """The remote files a feed has taken, kept in the database by the ingest app."""

    def taken(self, keys: list[str]) -> set[str]:
        """Return which of `keys` were taken before."""
        ...

    def remember(self, key: str) -> None:
        """Note `key` as taken."""
        ...


@dataclass(frozen=True)
class Context:
    """What a transport is given by the process that runs it."""

    feed: str  # the feed's slug, for messages and folder names
    user_agent: str = "Wiredesk"
    spool: Path | None = None  # a private folder for downloads in progress
    callback_url: str = ""  # where pushes for this feed arrive (WebSub)
    settle_seconds: float = 2.0
    allowed_hosts: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Setting:
    """One setting a transport takes; `secret` ones are named, never given, in the config."""

    kind: type = str
    default: Any = None
    required: bool = False
    secret: bool = False
    choices: tuple[str, ...] = ()
    help: str = ""


class Transport(ABC):
    """The base of every transport; see the module docstring."""

    name: ClassVar[str]
    label: ClassVar[str]
    # Where a feed's `location` points for this transport ("an ftp:// URL").
    location_help: ClassVar[str] = ""
    location_schemes: ClassVar[tuple[str, ...]] = ()
    settings: ClassVar[dict[str, Setting]] = {}
    # False for transports that wait to be pushed to: never polled.
    polled: ClassVar[bool] = True
    # True for transports that cost the agency nothing to poll (a local folder):
    # they run in a pool of their own and back off briefly after a crash.
    local: ClassVar[bool] = False

    def __init__(
        self,
        location: str,
        options: Mapping[str, Any],
        secrets: Secrets,
        context: Context,
    ) -> None:
        self.location = location
        self.options = dict(options)
        self.secrets = secrets
        self.context = context

    @classmethod
    def secret_names(cls) -> set[str]:
        """Return the names of the settings that are credentials."""
        return {name for name, setting in cls.settings.items() if setting.secret}

    @classmethod
    def check_options(cls, location: str, options: Mapping[str, Any]) -> list[str]:
        """Return what is wrong with settings that depend on each other ([] if nothing)."""
        return []

    def option(self, name: str) -> Any:
        """Return a setting's value, or its default."""
        value = self.options.get(name)
        return self.settings[name].default if value is None else value

    @abstractmethod
    def pull(self, checkpoint: Mapping[str, Any], memory: Memory) -> Iterator[PulledDelivery]:
        """Yield each new delivery; raise TransportError for trouble with the channel."""

    def acknowledge(self, delivery: PulledDelivery, stored: Stored) -> None:
        """Say `delivery` is stored (or quarantined): the transport will not offer it again."""
        return None  # nothing to do for a transport whose deliveries come to it (push)

    def may_be_incomplete(self, delivery: PulledDelivery) -> bool:
        """Return True to leave an unreadable delivery for later (it may still be arriving)."""
        return False

    def close(self) -> None:
        """Let go of connections."""
        return None  # a transport that holds none


REGISTRY: dict[str, type[Transport]] = {}


def register(cls: type[Transport]) -> type[Transport]:
    """Declare a transport under its name (a class decorator).

    A name is one class's: a second class under a name already taken raises
    ValueError naming both, rather than the last module imported quietly
    taking over every feed of that name. The same class again is no change,
    and its module reloaded (a new class object of the same module and
    qualified name) takes its place.
    """
    known = REGISTRY.get(cls.name)
    if known is not None and _path(known) != _path(cls):
        raise ValueError(
            f"transport name {cls.name!r} is taken by {_path(known)}: "
            f"{_path(cls)} needs a name of its own"
        )
    REGISTRY[cls.name] = cls
    return cls


def _path(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def transport_choices() -> list[tuple[str, str]]:
    """Return (name, label) of every transport, for a model field's choices."""
    _load_all()
    return [(name, cls.label) for name, cls in sorted(REGISTRY.items())]


def get(name: str) -> type[Transport]:
    """Return the transport called `name`; KeyError with the known names if there is none."""
    _load_all()
    try:
        return REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise KeyError(f"no transport called {name!r} (known: {known})") from None


def _load_all() -> None:
    # Importing each module of the package registers its transports: a new
    # transport is one new module, found here without a list to edit.
    global _loaded
    if _loaded:
        return
    package = __name__.rpartition(".")[0]
    for module in pkgutil.iter_modules(sys.modules[package].__path__):
        importlib.import_module(f"{package}.{module.name}")
    _loaded = True


_loaded = False


def check_settings(
    name: str,
    location: str,
    options: Mapping[str, Any],
    environ: Mapping[str, str] | None = None,
    secrets_readable: bool = True,
) -> list[str]:
    """Return what is wrong with a feed's transport settings, one line each ([] if nothing).

    `secrets_readable` also checks that every credential named can be read now
    (at start-up and in the admin; not when the settings merely change).
    """
    try:
        cls = get(name)
    except KeyError as exc:
        return [str(exc.args[0])]
    problems = []
    if cls.location_schemes:
        scheme = location.partition("://")[0].lower() if "://" in location else ""
        if scheme not in cls.location_schemes:
            wanted = " or ".join(f"{s}://" for s in cls.location_schemes)
            problems.append(f"location must be a {wanted} URL for transport {name}")
    known = set(cls.settings)
    for key, value in options.items():
        setting = cls.settings.get(key)
        if setting is None and key.endswith(("_env", "_file")):
            base = key.rsplit("_", 1)[0]
            if base in cls.settings and cls.settings[base].secret:
                if not isinstance(value, str) or not value:
                    problems.append(f"{key}: must name a variable or a file")
                continue
        if setting is None:
            choices = ", ".join(sorted(known)) or "none"
            problems.append(f"unknown setting {key!r} for transport {name} (known: {choices})")
            continue
        if setting.secret:
            problems.append(
                f"{key}: give {key}_env (an environment variable) or {key}_file (a file) "
                "that holds it, never the value itself"
            )
            continue
        problems.extend(_check_value(key, setting, value))
    for key, setting in cls.settings.items():
        given = key in options or f"{key}_env" in options or f"{key}_file" in options
        if setting.required and not given:
            problems.append(f"{key} is required for transport {name}")
    problems.extend(cls.check_options(location, options))
    if secrets_readable and not problems:
        problems.extend(Secrets(options, environ, cls.secret_names()).problems())
    return problems


def _check_value(key: str, setting: Setting, value: Any) -> list[str]:
    kind = setting.kind
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        return [f"{key}: must be {_KIND_NAMES.get(kind, kind.__name__)}, not {value!r}"]
    if setting.choices and value not in setting.choices:
        return [f"{key}: must be one of {', '.join(setting.choices)}, not {value!r}"]
    if isinstance(value, int | float) and value < 0:
        return [f"{key}: must not be negative"]
    return []


_KIND_NAMES = {
    str: "text",
    int: "a whole number",
    float: "a number",
    bool: "true or false",
    list: "a list",
}
