"""`[log]` of wiredesk.toml: how each process writes its log to standard error.

    [log]
    format = "json"   # plain or json
    level = "INFO"    # DEBUG, INFO, WARNING or ERROR

Pure Python, read by config/options.py; config/settings.py makes Django's
LOGGING of it (docs/deploy.md, Logs).
"""

from __future__ import annotations

from dataclasses import dataclass

from .option_fields import setting


@dataclass(frozen=True, slots=True)
class LogOptions:
    """`[log]`: how each process writes its log to standard error (docs/deploy.md, Logs)."""

    # "json": one JSON object a line, with the request, feed, delivery and
    # story ids (logs/formatting.py), for a log system to follow a delivery.
    format: str = setting("plain", choices=("plain", "json"))
    level: str = setting(
        "INFO", env="WIREDESK_LOG_LEVEL", choices=("DEBUG", "INFO", "WARNING", "ERROR")
    )
