"""Writes for sources: apply the agencies and feeds declared in wiredesk.toml."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from wiredesk.transports.base import check_settings

from .models import Agency, Feed

AGENCY_FIELDS = (
    "name",
    "byline",
    "url",
    "disclaimer",
    "language",
    "time_zone",
    "urgency_map",
    "kill_patterns",
    "advisory_patterns",
    "publishing",
    "publish_delay_minutes",
    "hold_urgency",
    "hold_keywords",
)
FEED_FIELDS = (
    "transport",
    "location",
    "format",
    "poll_interval",
    "enabled",
    "encoding",
    "full_text",
    "repair_xml",
    "fetch_allowed_hosts",
    "publishing",
    "publish_delay_minutes",
    "hold_urgency",
    "hold_keywords",
)


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged"
        )


def _apply(
    model: type[Agency] | type[Feed],
    slug: str,
    values: dict[str, Any],
    report: SyncReport,
    label: str,
) -> Agency | Feed:
    obj = model._default_manager.filter(slug=slug).first()
    if obj is None:
        obj = model(slug=slug, **values)
        obj.full_clean()
        obj.save()
        report.created.append(label)
        return obj
    changed = {k: v for k, v in values.items() if getattr(obj, k) != v}
    if changed:
        for key, value in changed.items():
            setattr(obj, key, value)
        obj.full_clean()
        obj.save()
        report.updated.append(label)
    else:
        report.unchanged.append(label)
    return obj


def _feed_values(spec: dict[str, Any], base_dir: Path) -> dict[str, Any]:
    values = {k: spec[k] for k in FEED_FIELDS if k in spec}
    if isinstance(values.get("fetch_allowed_hosts"), list):  # a TOML list of host names
        values["fetch_allowed_hosts"] = ",".join(values["fetch_allowed_hosts"])
    # Every other key is the transport's own setting, checked by the transport.
    values["options"] = {k: v for k, v in spec.items() if k not in FEED_FIELDS and k != "slug"}
    for key, value in values["options"].items():
        if key.endswith("_file") and isinstance(value, str):
            path = Path(os.path.expandvars(value)).expanduser()
            values["options"][key] = str(path if path.is_absolute() else base_dir / path)
    if values.get("transport") == "folder" and "location" in values:
        location = Path(os.path.expandvars(values["location"])).expanduser()
        values["location"] = str(location if location.is_absolute() else base_dir / location)
    if "poll_interval" in values:
        values["poll_interval"] = float(values["poll_interval"])
    return values


def feed_problems(feeds: Iterable[Feed] | None = None) -> list[str]:
    """Return what keeps an enabled feed from working, one line each ([] when all is well).

    Checked at start-up, so a credential the configuration names but the
    environment lacks is an error then, not an empty password at 3 a.m.
    """
    if feeds is None:
        feeds = Feed.objects.filter(enabled=True)
    return [
        f"feed {feed.slug}: {problem}"
        for feed in feeds
        for problem in check_settings(feed.transport, feed.location, feed.options or {})
    ]


@transaction.atomic
def sync_sources(config: dict[str, Any], base_dir: Path) -> SyncReport:
    """Create or update the agencies and feeds of `config`; running it twice changes nothing.

    Sources absent from the file are left as they are (they may have been
    added in the admin). Relative folder paths are taken from `base_dir`.
    """
    report = SyncReport()
    for spec in config.get("agencies", []):
        slug = spec.get("slug")
        if not slug:
            raise ValidationError("every [[agencies]] entry needs a slug")
        values = {k: spec[k] for k in AGENCY_FIELDS if k in spec}
        values.setdefault("name", slug.upper())
        values.setdefault("byline", values["name"])
        agency = _apply(Agency, slug, values, report, f"agency {slug}")
        for feed_spec in spec.get("feeds", []):
            feed_slug = feed_spec.get("slug")
            if not feed_slug or "transport" not in feed_spec or "location" not in feed_spec:
                raise ValidationError(f"a feed of agency {slug} needs slug, transport and location")
            values = _feed_values(feed_spec, base_dir) | {"agency": agency}
            _apply(Feed, feed_slug, values, report, f"feed {feed_slug}")
    return report
