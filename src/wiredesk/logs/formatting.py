"""One JSON object a line for each log record: `[log] format = "json"` (docs/deploy.md, Logs).

Each line holds `time` (ISO 8601, UTC, milliseconds), `level`, `logger`,
`message`, the ids of logs/context.py that are set (the span's, or the
record's own from `extra`), and `error` with the traceback of an exception.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from .context import FIELDS, current


class JsonFormatter(logging.Formatter):
    """Format a record as one line of JSON (ASCII: newlines and any text escaped)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        ids = current()
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is None:
                value = ids.get(name)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=str)
