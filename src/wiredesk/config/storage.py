"""Where pictures are kept: the data folder, or an S3-compatible bucket (django-storages)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

YEAR_IMMUTABLE = "public, max-age=31536000, immutable"


def picture_storages(
    config: dict[str, Any], data_dir: Path, media_url: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the STORAGES entries of the renditions (served) and the originals (never served).

    `config` is the `[pictures]` table. With `storage = "s3"`, credentials come
    from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) or the
    machine's role, never from the configuration file.
    """
    if config.get("storage", "filesystem") != "s3":
        return (
            {"BACKEND": "django.core.files.storage.FileSystemStorage",
             "OPTIONS": {"location": data_dir / "media" / "pictures",
                         "base_url": media_url + "pictures/", "allow_overwrite": True}},
            {"BACKEND": "django.core.files.storage.FileSystemStorage",
             "OPTIONS": {"location": data_dir / "picture-originals", "base_url": None,
                         "allow_overwrite": True}},
        )  # fmt: skip
    bucket = {
        "bucket_name": os.environ.get("WIREDESK_S3_BUCKET", config.get("bucket")),
        "endpoint_url": os.environ.get("WIREDESK_S3_ENDPOINT_URL", config.get("endpoint_url")),
        "region_name": config.get("region"),
        "custom_domain": config.get("public_domain"),  # the CDN in front of the bucket
        "querystring_auth": False,
        "file_overwrite": True,
    }
    return (
        {"BACKEND": "storages.backends.s3.S3Storage",
         "OPTIONS": {**bucket, "location": "pictures", "default_acl": "public-read",
                     "object_parameters": {"CacheControl": YEAR_IMMUTABLE}}},
        {"BACKEND": "storages.backends.s3.S3Storage",
         "OPTIONS": {**bucket, "location": "picture-originals", "default_acl": "private",
                     "custom_domain": None}},
    )  # fmt: skip
