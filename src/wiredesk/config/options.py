"""The site's settings from wiredesk.toml, read once, checked and typed.

Pure Python, no Django: `settings.WIREDESK = Options.from_config(CONFIG, os.environ)`,
and code reads `settings.WIREDESK.site.url`. One frozen dataclass per section of
the file (`[site]`, `[log]` and `[[alerts]]` each in a module of its own), its
fields declared with `setting()` (option_fields.py); a field's name is its key
there unless the field says otherwise (a size given in megabytes is kept in
bytes). An unknown section or key, a value of the wrong type or out of range is
a `ConfigError` naming the section, the key and what was expected: a typo is
refused at start-up, not ignored for months.
"""

from __future__ import annotations

import difflib
import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import Field, dataclass, field, fields, is_dataclass
from types import MappingProxyType, UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints

from .alerts import AlertDestinationOptions, EmailOptions, read_alerts
from .log_options import LogOptions
from .option_fields import MEGABYTE, setting
from .site_options import SiteOptions


class ConfigError(ValueError):
    """A configuration the site cannot start with; the message says where and what to give."""


@dataclass(frozen=True, slots=True)
class ApiOptions:
    """`[api]`: the app API, open by default; tokens and per-client limits for private sites."""

    require_token: bool = False
    # Requests a minute that reach Django from one client without a token, by
    # address (site/rate_limits.py; a token's own limit is its ApiClient's).
    # 600 is a token client's default too; 0: no limit.
    anonymous_per_minute: int = setting(0, at_least=0)


@dataclass(frozen=True, slots=True)
class PicturesOptions:
    """`[pictures]`: agency photos fetched, rendered and shown, and where they are kept."""

    enabled: bool = True
    # Fetches at once from one agency's picture server, per ingest process.
    per_agency: int = setting(2, at_least=1)
    max_bytes: int = setting(25 * MEGABYTE, key="max_megabytes", scale=MEGABYTE, at_least=0)
    deadline_seconds: float = setting(30.0, at_least=0)
    # The data folder, or an S3-compatible bucket (config/storage.py); its
    # credentials come from the environment, never from the file.
    storage: str = setting("filesystem", choices=("filesystem", "s3"))
    bucket: str | None = setting(None, env="WIREDESK_S3_BUCKET")
    endpoint_url: str | None = setting(None, env="WIREDESK_S3_ENDPOINT_URL")
    region: str | None = None
    public_domain: str | None = None  # the CDN in front of the bucket


@dataclass(frozen=True, slots=True)
class DuplicatesOptions:
    """`[duplicates]`: the same event from several agencies.

    "all" shows each ("Also reported by"), "first" only the first, "preferred"
    the first of the `preferred` agencies.
    """

    policy: str = setting("all", choices=("all", "first", "preferred"))
    preferred: tuple[str, ...] = ()
    threshold: float = setting(0.6, at_least=0.01, at_most=1)
    window_hours: int = setting(48, at_least=1)


@dataclass(frozen=True, slots=True)
class DatabaseOptions:
    """`[database]`: PostgreSQL only."""

    # The reads every feed request repeats are prepared on the server
    # (stories/storage/postgres_statements.py); off for a pooler that cannot
    # carry prepared statements (PgBouncer before 1.21 in transaction mode).
    prepared_statements: bool = True


@dataclass(frozen=True, slots=True)
class MetricsOptions:
    """`[metrics]`: Prometheus metrics at /metrics (docs/deploy.md, Metrics).

    Answered to a request carrying `Authorization: Bearer <token>`, or straight
    from one of `allow_from` (addresses or networks; not through a proxy);
    anyone else is answered 404. No address is allowed by default: a proxy on
    this machine would make every reader 127.0.0.1.
    """

    enabled: bool = True
    allow_from: tuple[str, ...] = setting((), tidy=lambda v: _networks(v))
    token: str | None = setting(None, env="WIREDESK_METRICS_TOKEN")
    # `wiredesk worker` (Celery) serves no site: its processes' counts are
    # answered at http://<worker_address>:<worker_port>/metrics, same rules; 0: not at all.
    worker_port: int = setting(0, at_least=0, at_most=65535)
    worker_address: str = "127.0.0.1"


def _networks(entries: tuple[str, ...]) -> tuple[str, ...]:
    """Return `[metrics] allow_from` as given, once each entry reads as an address or network."""
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ConfigError(
                f"[metrics] allow_from: {entry!r} is not an address or a network "
                f'(such as "10.0.0.0/8" or "::1")'
            ) from None
    return entries


@dataclass(frozen=True, slots=True)
class PurgeBackendOptions:
    """One `[[purge]]` entry: a backend's dotted path and the options it is made with."""

    backend: str
    options: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class Options:
    """The whole file: `Options.from_config(config, os.environ)`."""

    site: SiteOptions = field(default_factory=SiteOptions)
    api: ApiOptions = field(default_factory=ApiOptions)
    pictures: PicturesOptions = field(default_factory=PicturesOptions)
    duplicates: DuplicatesOptions = field(default_factory=DuplicatesOptions)
    database: DatabaseOptions = field(default_factory=DatabaseOptions)
    metrics: MetricsOptions = field(default_factory=MetricsOptions)
    log: LogOptions = field(default_factory=LogOptions)
    # CDN purges on every story change (site/purge.py), in the file's order.
    purge: tuple[PurgeBackendOptions, ...] = ()
    # Where alerts go (config/alerts.py), and the mail server email alerts go by.
    alerts: tuple[AlertDestinationOptions, ...] = ()
    email: EmailOptions = field(default_factory=EmailOptions)

    @classmethod
    def from_config(
        cls, config: Mapping[str, Any], environ: Mapping[str, str], source: str = "wiredesk.toml"
    ) -> Options:
        """Return the options of a parsed wiredesk.toml, the environment's overrides applied.

        `source` names the file in error messages. Raise ConfigError for an
        unknown section or key, or a value of the wrong type.
        """
        # [[agencies]] is read by `wiredesk sources sync` (sources/services.py),
        # which checks each agency and feed itself.
        known = [*SECTIONS, "purge", "alerts", "agencies"]
        unknown = sorted(set(config) - set(known))
        if unknown:
            shown = ", ".join(_section(name) for name in sorted(known))
            raise ConfigError(
                f"{source}: unknown {_plural('section', unknown)} "
                f"{_listed(unknown, _section)} "
                f"({_suggestion(unknown, known, _section)}"
                f"known sections: {shown})"
            )
        if not isinstance(config.get("agencies", []), list):
            raise ConfigError(
                f"{source} [[agencies]]: expected a list of tables, "
                f"got {_shown(config['agencies'])}"
            )
        values: dict[str, Any] = {
            name: _read(section, config.get(name, {}), source, name, environ)
            for name, section in SECTIONS.items()
        }
        return cls(
            **values,
            purge=_purge_backends(config.get("purge", []), source),
            alerts=read_alerts(config.get("alerts", []), source, environ),
        )


# The sections of one table each, by their name in the file.
SECTIONS: dict[str, type] = {
    "site": SiteOptions,
    "api": ApiOptions,
    "pictures": PicturesOptions,
    "duplicates": DuplicatesOptions,
    "database": DatabaseOptions,
    "metrics": MetricsOptions,
    "log": LogOptions,
    "email": EmailOptions,
}


def _read(cls: type, table: Any, source: str, section: str, environ: Mapping[str, str]) -> Any:
    """Return a `cls` from a table of the file: every key known, every value checked."""
    where = f"{source} [{section}]"
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: expected a table, got {_shown(table)}")
    by_key = {_key(spec): spec for spec in fields(cls)}
    unknown = sorted(set(table) - set(by_key))
    if unknown:
        raise ConfigError(
            f"{where}: unknown {_plural('key', unknown)} {_listed(unknown, repr)} "
            f"({_suggestion(unknown, list(by_key), repr)}"
            f"known keys: {', '.join(sorted(by_key))})"
        )
    hints = get_type_hints(cls)
    values = {}
    for key, spec in by_key.items():
        kind = hints[spec.name]
        if isinstance(kind, type) and is_dataclass(kind):  # a table within: [site.app]
            values[spec.name] = _read(kind, table.get(key, {}), source, f"{section}.{key}", environ)
            continue
        if key in table:
            values[spec.name] = _value(table[key], kind, spec, f"{where} {key}")
        variable = spec.metadata.get("env")
        if variable and environ.get(variable):  # set and not empty: it wins over the file
            values[spec.name] = _value(
                _parsed(environ[variable], kind, variable),
                kind,
                spec,
                f"environment variable {variable}",
            )
    return cls(**values)


def _key(spec: Field) -> str:
    return spec.metadata.get("key") or spec.name


def _value(value: Any, kind: Any, spec: Field, where: str) -> Any:
    """Return `value` checked against the field's type and bounds, scaled and tidied."""
    meta = spec.metadata
    scale = meta.get("scale", 1)
    wanted = float if scale != 1 else kind  # sizes are given in (fractional) megabytes
    given, value = value, _typed(value, wanted, where)
    if meta.get("choices") and value not in meta["choices"]:
        raise ConfigError(
            f"{where}: expected one of {_listed(list(meta['choices']), repr, 'or')}, "
            f"got {_shown(value)}"
        )
    low, high = meta.get("at_least"), meta.get("at_most")
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = (
            f"from {low:g} to {high:g}"
            if low is not None and high is not None
            else f"at least {low:g}"
            if low is not None
            else f"at most {high:g}"
        )
        raise ConfigError(f"{where}: expected {_described(wanted)} {bounds}, got {_shown(given)}")
    if scale != 1:
        value = int(value * scale)
    tidy = meta.get("tidy")
    return tidy(value) if tidy else value


def _typed(value: Any, kind: Any, where: str) -> Any:
    """Return `value` as `kind` (an int is a float too), or raise naming what was expected."""
    if _optional(kind) is not None:
        kind = _optional(kind)  # TOML has no null: a key given has a value
    if kind is bool:
        ok = isinstance(value, bool)
    elif kind is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        value = float(value) if ok else value
    elif kind is str:
        ok = isinstance(value, str)
    elif get_origin(kind) is tuple:  # tuple[str, ...]: a list of strings
        ok = isinstance(value, list) and all(isinstance(item, str) for item in value)
        value = tuple(value) if ok else value
    else:  # a field of a type this reader was not taught
        raise TypeError(f"{where}: no reader for {kind!r}")
    if not ok:
        raise ConfigError(f"{where}: expected {_described(kind)}, got {_shown(value)}")
    return value


def _optional(kind: Any) -> Any:
    """Return X of `X | None`, else None."""
    if get_origin(kind) in (Union, UnionType):
        rest = [arg for arg in get_args(kind) if arg is not type(None)]
        return rest[0] if len(rest) == 1 else None
    return None


def _parsed(text: str, kind: Any, variable: str) -> Any:
    """Return an environment variable's text as the field's type (they are all strings)."""
    kind = _optional(kind) or kind
    try:
        if kind is int:
            return int(text.strip())
        if kind is float:
            return float(text.strip())
        if kind is bool:
            return {"1": True, "true": True, "0": False, "false": False}[text.strip().lower()]
    except (ValueError, KeyError):
        raise ConfigError(
            f"environment variable {variable}: expected {_described(kind)}, got {text!r}"
        ) from None
    return text


def _purge_backends(entries: Any, source: str) -> tuple[PurgeBackendOptions, ...]:
    """Return the [[purge]] entries: each names its backend; the rest are its options."""
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise ConfigError(f"{source} [[purge]]: expected a list of tables, got {_shown(entries)}")
    backends = []
    for number, entry in enumerate(entries, 1):
        backend = entry.get("backend")
        if not isinstance(backend, str) or not backend:
            raise ConfigError(
                f"{source} [[purge]] #{number} backend: expected a dotted path "
                f'such as "wiredesk.site.purge.HttpPurgeBackend", '
                f"got {_shown(backend)}"
            )
        options = {key: value for key, value in entry.items() if key != "backend"}
        backends.append(PurgeBackendOptions(backend, MappingProxyType(options)))
    return tuple(backends)


def _described(kind: Any) -> str:
    kind = _optional(kind) or kind
    if get_origin(kind) is tuple:
        return "a list of strings"
    return {bool: "true or false", int: "a whole number", float: "a number", str: "a string"}.get(
        kind, str(kind)
    )


def _shown(value: Any) -> str:
    """Return a value as the file spells it, for an error message."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        text = repr(value)
        return f"the list {text if len(text) <= 60 else text[:57] + '...'}"
    return repr(value)


def _section(name: str) -> str:
    """Return a section's name as the file writes its header."""
    return f"[[{name}]]" if name in ("purge", "alerts", "agencies") else f"[{name}]"


def _plural(word: str, names: list[str]) -> str:
    return word if len(names) == 1 else f"{word}s"


def _listed(names: list[str], show: Callable[[str], str], last: str = "and") -> str:
    shown = [show(name) for name in names]
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} {last} {shown[-1]}"


def _suggestion(unknown: list[str], known: list[str], show: Callable[[str], str]) -> str:
    """Return "did you mean 'x'? " for a single near miss, else ""."""
    close = difflib.get_close_matches(unknown[0], known, n=1) if len(unknown) == 1 else []
    return f"did you mean {show(close[0])}? " if close else ""


__all__ = [
    "ApiOptions",
    "ConfigError",
    "DatabaseOptions",
    "DuplicatesOptions",
    "MetricsOptions",
    "Options",
    "PicturesOptions",
    "PurgeBackendOptions",
]
