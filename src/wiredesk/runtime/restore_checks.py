"""After a restore: is everything the backup counted there, and does every hash still check?

The hashes Wiredesk records are its signatures of what it keeps: each raw
delivery's SHA-256 (its bytes, kept to re-parse and to check an "unmodified"
claim), each version's `text_sha256` (its published text), and each
picture's `sha256` (its original's bytes, which also name its files).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from wiredesk.pictures import files
from wiredesk.pictures.models import Picture
from wiredesk.stories.models import Delivery, StoryVersion
from wiredesk.stories.storage import snapshots

from .backups import COUNTED


@dataclass
class Findings:
    said: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def check_restored(manifest: dict[str, Any]) -> Findings:
    """Check the restored database and picture files against the backup's manifest."""
    found = Findings()
    counted, now = manifest["counts"], snapshots.count(COUNTED)
    for name, expected in counted.items():
        if now.get(name) != expected:
            found.problems.append(f"{name}: {now.get(name)} restored, {expected} backed up")
    found.said.append("restored " + ", ".join(f"{now[n]:,} {n}" for n in counted))
    _check_deliveries(found)
    _check_versions(found)
    _check_pictures(found, in_archive="bucket" not in manifest["pictures"])
    return found


def _check_deliveries(found: Findings) -> None:
    checked = 0
    rows = Delivery.objects.order_by().values_list("pk", "sha256", "data")
    for pk, digest, data in rows.iterator(chunk_size=200):
        checked += 1
        if hashlib.sha256(data).hexdigest() != digest:
            found.problems.append(f"delivery {pk}: its bytes do not hash to its sha256 {digest}")
    found.said.append(f"{checked:,} raw deliveries' bytes match their SHA-256")


def _check_versions(found: Findings) -> None:
    checked = 0
    rows = StoryVersion.objects.order_by().values_list("pk", "text_sha256", "body_text")
    for pk, digest, text in rows.iterator(chunk_size=500):
        checked += 1
        if hashlib.sha256(text.encode()).hexdigest() != digest:
            found.problems.append(f"version {pk}: its text does not hash to its text_sha256")
    found.said.append(f"{checked:,} versions' text matches its SHA-256")


def _check_pictures(found: Findings, *, in_archive: bool) -> None:
    """Check each fetched picture's original against its digest; render again what went."""
    from wiredesk.pictures import images  # Pillow: the extension of a type, a rendering
    from wiredesk.pictures.visibility import sync_files

    kept: dict[str, tuple[str, bool]] = {}
    fetched = Picture.objects.exclude(sha256="").values_list("sha256", "mime", "state")
    for digest, mime, state in fetched.iterator():
        ready = kept.get(digest, (mime, False))[1] or state == Picture.State.READY
        kept[digest] = (mime, ready)
    if not in_archive:
        found.said.append(f"{len(kept):,} pictures' files are in a bucket: not checked here")
        return
    checked = rendered = 0
    for digest, (mime, ready) in kept.items():
        original = files.load_original(digest, images.extension(mime))
        if original is None:
            found.problems.append(f"picture {digest}: its original is missing")
            continue
        if hashlib.sha256(original).hexdigest() != digest:
            found.problems.append(f"picture {digest}: its original does not hash to its name")
            continue
        checked += 1
        if ready and not files.has_renditions(digest):
            # Deleted by a kill while the backup ran: made again if still shown.
            sync_files(digest)
            rendered += 1
    found.said.append(
        f"{checked:,} picture originals match their SHA-256"
        + (f" ({rendered} rendered again)" if rendered else "")
    )
