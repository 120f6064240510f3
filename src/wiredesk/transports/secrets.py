"""Credentials: named in the configuration, read from the environment or a file at use.

A feed's settings never hold a password, a key or a token, only where to find
it: `password_env = "PTI_FTP_PASSWORD"` or `password_file =
"/run/secrets/pti-ftp"` (Docker and systemd credentials). The value is read
when it is needed, so a rotated file is picked up without a restart, and it is
never stored in the database, shown in the admin or written to a log.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

MAX_SECRET_BYTES = 64 * 1024  # a private key is a few kilobytes


class SecretMissing(Exception):
    """A credential the configuration names cannot be read; the message says which."""


class Secrets:
    """The credentials a feed's settings name, read on demand."""

    def __init__(
        self,
        options: Mapping[str, object],
        environ: Mapping[str, str] | None = None,
        names: Iterable[str] | None = None,
    ):
        self._options = options
        self._environ = os.environ if environ is None else environ
        # The settings that are credentials (a transport's); None: any X_env or X_file.
        self._names = None if names is None else frozenset(names)

    def __repr__(self) -> str:  # never the values
        return f"Secrets({sorted(self.named())})"

    def named(self) -> set[str]:
        """Return the names of the credentials the settings point at."""
        named = {
            key.rsplit("_", 1)[0]
            for key in self._options
            if key.endswith(("_env", "_file")) and self._options[key]
        }
        return named if self._names is None else named & self._names

    def get(self, name: str) -> str | None:
        """Return the credential `name`, None when the settings name none; raise if unreadable."""
        variable = self._options.get(f"{name}_env")
        if variable:
            value = self._environ.get(str(variable))
            if not value:
                raise SecretMissing(
                    f"{name}: environment variable {variable} is not set "
                    f"(the feed's {name}_env names it)"
                )
            return value
        path = self._options.get(f"{name}_file")
        if path:
            try:
                with open(Path(str(path)).expanduser(), "rb") as handle:
                    data = handle.read(MAX_SECRET_BYTES + 1)
            except OSError as exc:
                raise SecretMissing(
                    f"{name}: file {path} cannot be read ({exc.strerror or exc})"
                ) from None
            if len(data) > MAX_SECRET_BYTES:
                raise SecretMissing(f"{name}: file {path} is over {MAX_SECRET_BYTES:,} bytes")
            # A trailing newline is the editor's, not the password's; a key keeps its lines.
            text = data.decode("utf-8", "replace")
            return text if "\n" in text.strip() else text.strip()
        return None

    def problems(self) -> list[str]:
        """Return one line for each named credential that cannot be read."""
        found = []
        for name in sorted(self.named()):
            try:
                self.get(name)
            except SecretMissing as exc:
                found.append(str(exc))
        return found
