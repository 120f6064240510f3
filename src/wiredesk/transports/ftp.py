"""FTP and FTPS pull: how Indian agencies (PTI, IANS, UNI) and many others deliver.

`ftp://` is plain FTP (RFC 959); `ftps://` is FTP with explicit TLS (RFC 4217:
AUTH TLS on the usual port, then a protected data channel), the server's
certificate checked against the system's authorities or the feed's `ca_file`.
Passive mode by default (RFC 2428), as firewalls want. Listing uses MLSD (RFC
3659) for exact sizes and times, falling back to NLST with SIZE and MDTM on
servers that lack it.
"""

from __future__ import annotations

import ftplib
import ssl
from collections.abc import Callable, Mapping
from typing import Any

from .base import Setting, register
from .remote import REMOTE_SETTINGS, RemoteFile, RemoteFolder

BLOCK_BYTES = 64 * 1024


@register
class FtpPull(RemoteFolder):
    """Take files from a folder on the agency's FTP or FTPS server."""

    name = "ftp"
    label = "FTP / FTPS pull"
    location_help = "ftp://host[:port]/folder, or ftps:// for FTP with explicit TLS."
    location_schemes = ("ftp", "ftps")
    settings = {
        **REMOTE_SETTINGS,
        "passive": Setting(bool, True, help="Passive mode (the default; firewalls want it)."),
        "ca_file": Setting(
            str,
            "",
            help="For ftps: the authority that signed the server's "
            "certificate, if not a public one.",
        ),
    }
    default_port = 21
    protocol = "FTP"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tls = self.location.lower().startswith("ftps:")
        self.ftp: ftplib.FTP | None = None
        self._mlsd = True

    @classmethod
    def check_options(cls, location: str, options: Mapping[str, Any]) -> list[str]:
        problems = super().check_options(location, options)
        if options.get("ca_file") and not location.lower().startswith("ftps:"):
            problems.append("ca_file is for ftps:// locations")
        return problems

    def connect(self) -> None:
        timeout = float(self.option("timeout"))
        ftp: ftplib.FTP
        if self.tls:
            context = ssl.create_default_context(cafile=self.option("ca_file") or None)
            ftp = ftplib.FTP_TLS(context=context, timeout=timeout)
        else:
            ftp = ftplib.FTP(timeout=timeout)
        self.ftp = ftp
        ftp.connect(self.host, self.port, timeout=timeout)
        password = self.secrets.get("password") or ""
        ftp.login(str(self.option("username")), password)
        if isinstance(ftp, ftplib.FTP_TLS):
            ftp.prot_p()  # the files travel encrypted too, not only the login
        ftp.set_pasv(bool(self.option("passive")))
        if self.folder not in ("", "."):
            ftp.cwd(self.folder)

    def disconnect(self) -> None:
        ftp, self.ftp = self.ftp, None
        if ftp is not None:
            try:
                ftp.quit()
            except (OSError, EOFError, ftplib.Error):
                ftp.close()

    @property
    def session(self) -> ftplib.FTP:
        assert self.ftp is not None, "connect() first"
        return self.ftp

    def list_files(self) -> list[RemoteFile]:
        if self._mlsd:
            try:
                return [
                    RemoteFile(name, int(facts.get("size", "0") or 0), facts.get("modify", ""))
                    for name, facts in self.session.mlsd(facts=["type", "size", "modify"])
                    if facts.get("type", "file") == "file"
                ]
            except ftplib.error_perm as exc:
                if not str(exc).startswith(("500", "501", "502", "504")):
                    raise
                self._mlsd = False  # an old server: NLST, SIZE and MDTM instead
        files = []
        names = self.session.nlst()
        self.session.voidcmd("TYPE I")  # SIZE means bytes only in binary mode (NLST set ASCII)
        for name in names:
            base = name.rsplit("/", 1)[-1]
            try:
                size = self.session.size(base)
                modify = self.session.voidcmd(f"MDTM {base}").partition(" ")[2].strip()
            except ftplib.error_perm:
                continue  # a folder, or a file gone since the listing
            files.append(RemoteFile(base, int(size or 0), modify))
        return files

    def look_again(self, names: list[str]) -> list[RemoteFile]:
        if not self._mlsd:
            return super().look_again(names)
        files = []
        for name in names:
            try:
                reply = self.session.sendcmd(f"MLST {name}")
            except ftplib.error_perm:
                continue  # gone since the listing
            # "250-Listing x\n type=file;size=5;modify=...; x\n250 End" (RFC 3659 7.2)
            for line in reply.splitlines()[1:-1]:
                facts_text = line.strip().partition(" ")[0]
                facts = dict(
                    fact.split("=", 1) for fact in facts_text.lower().split(";") if "=" in fact
                )
                if facts.get("type", "file") == "file":
                    size = int(facts.get("size", "0") or 0)
                    files.append(RemoteFile(name, size, facts.get("modify", "")))
        return files

    def download(self, name: str, write: Callable[[bytes], None]) -> None:
        self.session.retrbinary(f"RETR {name}", write, blocksize=BLOCK_BYTES)

    def delete(self, name: str) -> None:
        self.session.delete(name)

    def rename(self, name: str, target: str) -> None:
        self.session.rename(name, target)

    def in_words(self, exc: Exception) -> str:
        where = self.where()
        if isinstance(exc, ftplib.error_perm):
            reply = str(exc).strip()
            if reply.startswith("530"):
                return f"login refused by the FTP server at {where} ({reply})"
            if reply.startswith("550"):
                return f"the FTP server at {where} refused: {reply} (a folder or file missing, or no permission)"
            return f"the FTP server at {where} refused: {reply}"
        if isinstance(exc, ssl.SSLCertVerificationError):
            return f"the FTP server at {where} showed a certificate that cannot be trusted ({exc.verify_message})"
        if isinstance(exc, ssl.SSLError):
            return f"TLS with the FTP server at {where} failed ({exc.reason or exc})"
        trouble = self.network_trouble(exc)
        if trouble is not None:
            return trouble
        if isinstance(exc, ftplib.Error | OSError | EOFError):
            return f"the FTP connection to {where} failed: {type(exc).__name__}: {exc}"
        return f"FTP pull from {where} failed: {type(exc).__name__}: {exc}"
