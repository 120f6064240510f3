"""Schemathesis against the live API of a running `wiredesk demo`: every check, no failure."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from .test_commands_live import SEED_URL, clean_env, free_port, start, wait_for  # noqa: F401

ST = shutil.which("st", path=os.path.dirname(sys.executable)) or shutil.which("st")
CONFIG = Path(__file__).parent / "data" / "schemathesis.toml"


def test_schemathesis_finds_no_server_error_in_the_live_api(start, tmp_path):  # noqa: F811
    port = free_port()
    data = tmp_path / "data"
    start("demo", "--port", str(port), "--data-dir", str(data))
    base = f"http://127.0.0.1:{port}"
    wait_for(base + SEED_URL, lambda r: r.status_code == 200, timeout=30)
    # A real client token, so the fuzzer also gets past authentication.
    token = (
        subprocess.run(
            [
                sys.executable,
                "-m",
                "wiredesk.cli",
                "shell",
                "-c",
                "from wiredesk.api.models import ApiClient; print(ApiClient.objects.create(name='fuzz').token)",
            ],
            env={**clean_env(), "WIREDESK_DATA_DIR": str(data)},
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    # Every check schemathesis has (status codes, content types, response
    # schemas, rejection of invalid input, auth), anonymous as the open API is
    # used by default, and with a client's token.
    for auth in ([], ["--header", f"Authorization: Bearer {token}"]):
        result = subprocess.run(
            [
                ST,
                "--config-file",
                str(CONFIG),
                "run",
                f"{base}/api/v1/openapi.json",
                "--checks",
                "all",
                "--max-examples",
                "40",
                "--request-timeout",
                "10",
                "--generation-deterministic",
                *auth,
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
        assert "No issues found" in result.stdout
