"""Where picture files live: Django's storage API, so a filesystem or S3 alike.

Two storages (settings.STORAGES): `pictures`, the renditions readers are
served (the data folder's media/ by default, served by WhiteNoise or the web
server in front; a bucket behind a CDN at scale), and `picture_originals`,
the agency's files as fetched, never served. Names are the SHA-256 of the
original, so one photo is kept and rendered once, however many agencies,
versions and stories use it.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages

RENDITIONS = "pictures"
ORIGINALS = "picture_originals"
# Made last by `save_renditions`: when it is there, every rendition is.
LAST_RENDITION = "1x1.jpg"


def folder(digest: str) -> str:
    """Return the folder of a picture's renditions (two levels: no huge directory)."""
    return f"{digest[:2]}/{digest}"


def _put(storage: Storage, name: str, data: bytes) -> None:
    # Written over, never deleted first: two workers rendering the same photo
    # at once write the same bytes under the same names, and a delete between
    # another's write and its read lost the file (seen in the tests).
    saved = storage.save(name, ContentFile(data))
    if saved != name:  # a storage that renames instead of writing over
        storage.delete(saved)
        raise ImproperlyConfigured(
            f"picture storage {storage!r} must write over files (allow_overwrite / file_overwrite)"
        )


def save_original(digest: str, extension: str, data: bytes) -> str:
    """Keep the agency's file (once); return its name in the originals storage."""
    name = f"{folder(digest)}.{extension}"
    storage = storages[ORIGINALS]
    if not storage.exists(name):
        _put(storage, name, data)
    return name


def load_original(digest: str, extension: str) -> bytes | None:
    """Return the agency's file, or None when it is not kept."""
    storage = storages[ORIGINALS]
    name = f"{folder(digest)}.{extension}"
    if not storage.exists(name):
        return None
    with storage.open(name, "rb") as handle:
        return handle.read()


def save_renditions(digest: str, files: dict[str, bytes]) -> None:
    """Store every rendition of a picture, the marker rendition last."""
    storage = storages[RENDITIONS]
    for name in sorted(files, key=lambda n: n == LAST_RENDITION):
        _put(storage, f"{folder(digest)}/{name}", files[name])


def has_renditions(digest: str) -> bool:
    return storages[RENDITIONS].exists(f"{folder(digest)}/{LAST_RENDITION}")


def rendition_names(digest: str) -> list[str]:
    """Return the names of a picture's stored renditions."""
    storage = storages[RENDITIONS]
    try:
        _, names = storage.listdir(folder(digest))
    except FileNotFoundError:
        return []
    return [f"{folder(digest)}/{name}" for name in names]


def delete_renditions(digest: str) -> list[str]:
    """Stop serving a picture: delete its renditions; return the names deleted."""
    storage = storages[RENDITIONS]
    names = rendition_names(digest)
    for name in names:
        storage.delete(name)
    return names


def url(digest: str, name: str) -> str:
    """Return the address of one rendition (relative to the site, or the bucket's)."""
    return storages[RENDITIONS].url(f"{folder(digest)}/{name}")


def size(digest: str, name: str) -> int:
    """Return the size in bytes of one stored rendition."""
    return storages[RENDITIONS].size(f"{folder(digest)}/{name}")
