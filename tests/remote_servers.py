"""Real agency servers on 127.0.0.1 for the transport tests: FTP, FTPS and SFTP.

Each serves a folder of the test's own. `stall_removals` makes the server
take a delete (or rename) and never answer it, so a test can kill the ingest
process between a file's download and its acknowledgement.
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import os
import subprocess
import sys
import threading
from pathlib import Path

import asyncssh
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler, TLS_FTPHandler
from pyftpdlib.servers import FTPServer

USER, PASSWORD = "publisher", "correct-horse-42"


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """Write a self-signed certificate for 127.0.0.1; return (certificate, certificate+key)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "agency ftp test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (folder / "ca.pem").write_bytes(cert_pem)
    (folder / "server.pem").write_bytes(cert_pem + key_pem)
    return folder / "ca.pem", folder / "server.pem"


class FtpServer:
    """pyftpdlib on 127.0.0.1 serving `root`; TLS (explicit, required) when given a certificate."""

    def __init__(self, root: Path, certificate: Path | None = None, mlsd: bool = True) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.stall_removals = False
        self.removal_reached = threading.Event()
        self.retrievals: list[str] = []
        authorizer = DummyAuthorizer()
        authorizer.add_user(USER, PASSWORD, str(root), perm="elradfmwMT")
        server_side = self

        base = TLS_FTPHandler if certificate else FTPHandler

        class Handler(base):  # type: ignore[valid-type, misc]
            def ftp_DELE(self, path):
                if server_side.stall_removals:
                    server_side.removal_reached.set()
                    return None  # taken, never answered
                return super().ftp_DELE(path)

            def ftp_RETR(self, file):
                server_side.retrievals.append(os.path.basename(file))
                return super().ftp_RETR(file)

        Handler.authorizer = authorizer
        Handler.banner = "agency ftp test"
        if not mlsd:  # an old server
            Handler.proto_cmds = {k: v for k, v in FTPHandler.proto_cmds.items() if k != "MLSD"}
        if certificate:
            Handler.certfile = str(certificate)
            Handler.tls_control_required = True
            Handler.tls_data_required = True
        self.server = FTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.address[1]
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"timeout": 0.05}, daemon=True
        )

    def url(self, scheme: str = "ftp", folder: str = "") -> str:
        return f"{scheme}://127.0.0.1:{self.port}/{folder}"

    def __enter__(self) -> FtpServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.close_all()
        self.thread.join(timeout=5)


class SftpServer:
    """An asyncssh SFTP server on 127.0.0.1 serving `root`, password login, its own host key."""

    def __init__(self, root: Path, authorized_key: asyncssh.SSHKey | None = None) -> None:
        self.root = root
        self.authorized_key = authorized_key
        root.mkdir(parents=True, exist_ok=True)
        self.host_key = asyncssh.generate_private_key("ssh-ed25519")
        self.stall_removals = False
        self.removal_reached = threading.Event()
        self.loop = asyncio.new_event_loop()
        self.port = 0
        self._acceptor = None
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    @property
    def known_hosts_line(self) -> str:
        """Return the host key as `ssh-keyscan` prints it (without the host name)."""
        return self.host_key.export_public_key("openssh").decode().strip()

    def url(self, folder: str = "") -> str:
        return f"sftp://127.0.0.1:{self.port}/{folder}"

    async def _start(self) -> None:
        server_side = self

        class Server(asyncssh.SSHServer):
            def begin_auth(self, username):
                return True

            def password_auth_supported(self):
                return True

            def validate_password(self, username, password):
                return username == USER and password == PASSWORD

            def public_key_auth_supported(self):
                return server_side.authorized_key is not None

            def validate_public_key(self, username, key):
                wanted = server_side.authorized_key
                return (
                    username == USER
                    and wanted is not None
                    and (key.export_public_key() == wanted.export_public_key())
                )

        class Files(asyncssh.SFTPServer):
            def __init__(self, chan):
                super().__init__(chan, chroot=str(server_side.root).encode())

            async def remove(self, path):
                if server_side.stall_removals:
                    server_side.removal_reached.set()
                    await asyncio.sleep(3600)  # taken, never answered
                return super().remove(path)

        self._acceptor = await asyncssh.listen(
            "127.0.0.1",
            0,
            server_host_keys=[self.host_key],
            server_factory=Server,
            sftp_factory=Files,
            allow_scp=False,
        )
        self.port = self._acceptor.sockets[0].getsockname()[1]

    def __enter__(self) -> SftpServer:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(timeout=10)
        return self

    def __exit__(self, *exc) -> None:
        async def stop():
            self._acceptor.close()
            others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in others:
                task.cancel()
            await asyncio.gather(*others, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)


INGEST_SCRIPT = """
import django, sys
django.setup()
from wiredesk.ingest.loop import IngestLoop
loop = IngestLoop(tick=0.05, settle_seconds=0)
loop.start()
loop.join()
"""


def start_ingest_process(
    data_dir: Path, extra_env: dict[str, str] | None = None
) -> subprocess.Popen:
    """Start the real ingest loop in a process of its own, on the test database."""
    database = settings.DATABASES["default"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIREDESK_")}
    env["DJANGO_SETTINGS_MODULE"] = "wiredesk.config.settings"
    env["WIREDESK_DATA_DIR"] = str(data_dir)
    if database["ENGINE"].endswith("sqlite3"):
        env["DATABASE_URL"] = f"sqlite:///{database['NAME']}"
    else:
        env["DATABASE_URL"] = (
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
            f"{database['NAME']}"
        )
    env.update(extra_env or {})
    return subprocess.Popen(
        [sys.executable, "-c", INGEST_SCRIPT],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
