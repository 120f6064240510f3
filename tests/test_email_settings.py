"""`[email]` of wiredesk.toml becomes Django's EMAIL_* settings, and Django's mail sends by them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .smtp_sink import SmtpSink

# Run in a fresh process: the settings are read from wiredesk.toml once, at start.
SEND = """
import json, sys
import django
from django.conf import settings
django.setup()
from django.core.mail import send_mail
names = ["EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD",
         "EMAIL_USE_TLS", "EMAIL_USE_SSL", "EMAIL_TIMEOUT", "DEFAULT_FROM_EMAIL", "SERVER_EMAIL"]
print(json.dumps({name: getattr(settings, name) for name in names}))
sys.stdout.flush()
try:
    send_mail("Feed red: northline", "The northline feed turned red.", None, ["desk@news.example"])
except Exception as exc:
    print(json.dumps({"refused": type(exc).__name__}))
"""


def send_with(tmp_path: Path, email: str) -> list[dict[str, object]]:
    """Start Django with `email` as the [email] table; send one mail; return what it printed."""
    config = tmp_path / "wiredesk.toml"
    config.write_text(f"[email]\n{email}")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WIREDESK_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env.update(
        WIREDESK_CONFIG=str(config),
        WIREDESK_DATA_DIR=str(tmp_path / "data"),
        DJANGO_SETTINGS_MODULE="wiredesk.config.settings",
    )
    result = subprocess.run(
        [sys.executable, "-c", SEND], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def test_the_email_table_becomes_django_s_mail_settings_and_a_mail_reaches_its_server(tmp_path):
    sink = SmtpSink().start()
    try:
        port = sink.server_address[1]
        table = (
            f'host = "127.0.0.1"\nport = {port}\nusername = "alerts"\npassword = "s3cret pass"\n'
            'timeout = 5\nfrom = "Wiredesk alerts <alerts@news.example>"\n'
        )
        [mail_settings] = send_with(tmp_path, table + "use_tls = false\n")
        assert mail_settings == {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": port,
            "EMAIL_HOST_USER": "alerts",
            "EMAIL_HOST_PASSWORD": "s3cret pass",
            "EMAIL_USE_TLS": False,
            "EMAIL_USE_SSL": False,
            "EMAIL_TIMEOUT": 5,
            "DEFAULT_FROM_EMAIL": "Wiredesk alerts <alerts@news.example>",
            "SERVER_EMAIL": "Wiredesk alerts <alerts@news.example>",
        }
        # The mail reached the server: logged in as configured, from the sender given.
        assert sink.logins == [("alerts", "s3cret pass")]
        [received] = sink.received
        assert received.sender == "alerts@news.example"
        assert received.recipients == ["desk@news.example"]
        assert received.message["From"] == "Wiredesk alerts <alerts@news.example>"
        assert received.message["Subject"] == "Feed red: northline"

        # With TLS asked for, Django's mail insists on STARTTLS, which this server
        # does not offer: the mail is refused, never sent in the clear.
        mail_settings, refused = send_with(tmp_path, table + "use_tls = true\n")
        assert mail_settings["EMAIL_USE_TLS"] is True
        assert refused == {"refused": "SMTPNotSupportedError"}
        assert len(sink.received) == 1 and len(sink.logins) == 1
    finally:
        sink.stop()
