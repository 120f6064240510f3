"""Where pictures are kept: the data folder, or an S3-compatible bucket (django-storages)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .options import PicturesOptions

YEAR_IMMUTABLE = "public, max-age=31536000, immutable"


def picture_storages(
    config: PicturesOptions, data_dir: Path, media_url: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the STORAGES entries of the renditions (served) and the originals (never served).

    `config` is the `[pictures]` section. With `storage = "s3"`, credentials come
    from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) or the
    machine's role, never from the configuration file.
    """
    if config.storage != "s3":
        return (
            {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {
                    "location": data_dir / "media" / "pictures",
                    "base_url": media_url + "pictures/",
                    "allow_overwrite": True,
                },
            },
            {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {
                    "location": data_dir / "picture-originals",
                    "base_url": None,
                    "allow_overwrite": True,
                },
            },
        )
    bucket = {
        "bucket_name": config.bucket,  # WIREDESK_S3_BUCKET, if set, is read into it
        "endpoint_url": config.endpoint_url,  # and WIREDESK_S3_ENDPOINT_URL into this
        "region_name": config.region,
        "custom_domain": config.public_domain,  # the CDN in front of the bucket
        "querystring_auth": False,
        "file_overwrite": True,
    }
    return (
        {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **bucket,
                "location": "pictures",
                "default_acl": "public-read",
                "object_parameters": {"CacheControl": YEAR_IMMUTABLE},
            },
        },
        {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **bucket,
                "location": "picture-originals",
                "default_acl": "private",
                "custom_domain": None,
            },
        },
    )
