"""SFTP pull, with the server's host key pinned per feed.

The feed names the key the agency's server must show, either as the line
`ssh-keyscan` or `known_hosts` gives ("ssh-ed25519 AAAA...") or as its
SHA-256 fingerprint ("SHA256:..."). A server showing any other key is not
talked to: the feed stops with the reason, for a person to check with the
agency; a changed key is never accepted silently (RFC 4251 section 4.1).
Logins by password or private key, each read from a secret.
"""

from __future__ import annotations

import base64
import hashlib
import io
import stat
from collections.abc import Callable, Mapping
from typing import Any

import paramiko

from .base import Setting, TransportError, register
from .remote import REMOTE_SETTINGS, RemoteFile, RemoteFolder

BLOCK_BYTES = 64 * 1024


class HostKeyChanged(Exception):
    """The server showed a key other than the pinned one."""


def fingerprint(key: paramiko.PKey) -> str:
    """Return a key's SHA-256 fingerprint as OpenSSH prints it."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


class _Pinned(paramiko.MissingHostKeyPolicy):
    """Accept exactly the pinned key (a fingerprint, or a whole key line), nothing else."""

    def __init__(self, pin: str) -> None:
        self.pin = pin.strip()

    def matches(self, key: paramiko.PKey) -> bool:
        if self.pin.startswith("SHA256:"):
            return fingerprint(key) == self.pin.rstrip("=")
        parts = self.pin.split()
        return len(parts) >= 2 and parts[0] == key.get_name() and parts[1] == key.get_base64()

    def missing_host_key(
        self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey
    ) -> None:
        if not self.matches(key):
            raise HostKeyChanged(fingerprint(key))


def _load_private_key(text: str, passphrase: str | None) -> paramiko.PKey:
    for kind in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            return kind.from_private_key(io.StringIO(text), password=passphrase)
        except (paramiko.SSHException, ValueError):
            continue
    raise paramiko.SSHException("the private key is not an Ed25519, ECDSA or RSA key")


@register
class SftpPull(RemoteFolder):
    """Take files from a folder on the agency's SFTP server."""

    name = "sftp"
    label = "SFTP pull"
    location_help = "sftp://host[:port]/folder"
    location_schemes = ("sftp",)
    settings = {
        **REMOTE_SETTINGS,
        "host_key": Setting(
            str,
            required=True,
            help="The server's key: a known_hosts line ('ssh-ed25519 AAAA...') or 'SHA256:...'.",
        ),
        "private_key": Setting(str, secret=True, help="An OpenSSH private key, for key logins."),
        "private_key_passphrase": Setting(str, secret=True),
    }
    default_port = 22
    protocol = "SFTP"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client: paramiko.SSHClient | None = None
        self.sftp: paramiko.SFTPClient | None = None

    @classmethod
    def check_options(cls, location: str, options: Mapping[str, Any]) -> list[str]:
        problems = super().check_options(location, options)
        pin = str(options.get("host_key", "")).strip()
        if pin and not (pin.startswith("SHA256:") or len(pin.split()) >= 2):
            problems.append(
                "host_key must be a known_hosts line ('ssh-ed25519 AAAA...') or "
                "a fingerprint ('SHA256:...')"
            )
        return problems

    def connect(self) -> None:
        timeout = float(self.option("timeout"))
        pin = str(self.option("host_key"))
        client = paramiko.SSHClient()
        self.client = client
        if not pin.startswith("SHA256:"):
            # Known, so the key exchange asks the server for the pinned key's type.
            kind, _, rest = pin.strip().partition(" ")
            known = f"[{self.host}]:{self.port}" if self.port != 22 else self.host
            key = paramiko.PKey.from_type_string(kind, base64.b64decode(rest.split()[0]))
            client.get_host_keys().add(known, kind, key)
        client.set_missing_host_key_policy(_Pinned(pin))
        key_text = self.secrets.get("private_key")
        pkey = None
        if key_text:
            pkey = _load_private_key(key_text, self.secrets.get("private_key_passphrase"))
        client.connect(
            self.host,
            self.port,
            username=str(self.option("username")),
            password=self.secrets.get("password"),
            pkey=pkey,
            timeout=timeout,
            banner_timeout=timeout,
            auth_timeout=timeout,
            channel_timeout=timeout,
            look_for_keys=False,
            allow_agent=False,
        )
        self.sftp = client.open_sftp()
        channel = self.sftp.get_channel()
        if channel is not None:
            channel.settimeout(timeout)  # every read and write, not only the login

    def disconnect(self) -> None:
        for part in (self.sftp, self.client):
            if part is not None:
                part.close()
        self.sftp, self.client = None, None

    @property
    def session(self) -> paramiko.SFTPClient:
        assert self.sftp is not None, "connect() first"
        return self.sftp

    def _path(self, name: str) -> str:
        return name if name.startswith("/") else f"{self.folder.rstrip('/')}/{name}"

    def list_files(self) -> list[RemoteFile]:
        return [
            RemoteFile(entry.filename, entry.st_size or 0, str(entry.st_mtime or 0))
            for entry in self.session.listdir_attr(self.folder)
            if entry.st_mode is not None and stat.S_ISREG(entry.st_mode)
        ]

    def look_again(self, names: list[str]) -> list[RemoteFile]:
        files = []
        for name in names:
            try:
                entry = self.session.stat(self._path(name))
            except FileNotFoundError:
                continue  # gone since the listing
            if entry.st_mode is not None and stat.S_ISREG(entry.st_mode):
                files.append(RemoteFile(name, entry.st_size or 0, str(entry.st_mtime or 0)))
        return files

    def download(self, name: str, write: Callable[[bytes], None]) -> None:
        with self.session.open(self._path(name), "rb") as handle:
            handle.prefetch()
            while chunk := handle.read(BLOCK_BYTES):
                write(chunk)

    def delete(self, name: str) -> None:
        self.session.remove(self._path(name))

    def rename(self, name: str, target: str) -> None:
        self.session.posix_rename(self._path(name), self._path(target))

    def in_words(self, exc: Exception) -> str:
        where = self.where()
        if isinstance(exc, HostKeyChanged | paramiko.BadHostKeyException):
            shown = exc.args[0] if isinstance(exc, HostKeyChanged) else fingerprint(exc.key)
            return (
                f"host key changed: the SFTP server at {where} showed {shown}, not the key "
                "pinned for this feed. The feed is stopped: check the new key with the agency, "
                "then set host_key and enable the feed"
            )
        if isinstance(exc, paramiko.AuthenticationException):
            return f"login refused by the SFTP server at {where}"
        if isinstance(exc, FileNotFoundError | IOError) and getattr(exc, "errno", None) == 2:
            return f"the SFTP server at {where} has no such folder or file: {exc.filename or self.folder}"
        if isinstance(exc, PermissionError):
            return f"the SFTP server at {where} refused: permission denied"
        trouble = self.network_trouble(exc)
        if trouble is not None:
            return trouble
        return f"the SFTP connection to {where} failed: {type(exc).__name__}: {exc}"

    def _call(self, step: Callable[[], Any]) -> Any:
        try:
            return super()._call(step)
        except TransportError as exc:
            if isinstance(exc.__cause__, HostKeyChanged | paramiko.BadHostKeyException):
                raise TransportError(str(exc), stop=True) from exc.__cause__
            raise
