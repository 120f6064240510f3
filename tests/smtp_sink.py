"""A real SMTP server on 127.0.0.1 that keeps every message and login it is given (no relay)."""

from __future__ import annotations

import socketserver
import threading
from base64 import b64decode
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage


class _Session(socketserver.StreamRequestHandler):
    server: SmtpSink

    def say(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.say("220 sink ESMTP")
        sender, recipients = "", []
        while line := self.rfile.readline():
            command = line.decode(errors="replace").strip()
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.say("250-sink" if verb == "EHLO" else "250 sink")
                if verb == "EHLO":
                    self.say("250 AUTH PLAIN")  # any login is taken, and kept
            elif verb == "AUTH":
                _, user, password = b64decode(command.split()[2]).split(b"\0")
                self.server.logins.append((user.decode(), password.decode()))
                self.say("235 welcome")
            elif verb == "MAIL":
                sender, recipients = command.split(":", 1)[1].strip(" <>"), []
                self.say("250 OK")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip(" <>"))
                self.say("250 OK")
            elif verb == "DATA":
                self.say("354 go on")
                lines = []
                while (part := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(part[1:] if part.startswith(b"..") else part)
                parsed = message_from_bytes(b"".join(lines), policy=policy.default)
                assert isinstance(parsed, EmailMessage)
                self.server.received.append(Received(sender, recipients, parsed))
                self.say("250 kept")
            elif verb == "QUIT":
                self.say("221 bye")
                return
            else:
                self.say("250 OK")  # RSET, NOOP


@dataclass
class SmtpSink(socketserver.ThreadingTCPServer):
    port: int = 0
    received: list[Received] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.allow_reuse_address = True
        self.daemon_threads = True
        socketserver.ThreadingTCPServer.__init__(self, ("127.0.0.1", self.port), _Session)

    def start(self) -> SmtpSink:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
