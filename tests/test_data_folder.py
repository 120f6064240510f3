"""The data folder holds raw deliveries, sessions, tokens and the secret key: only its user reads it."""

from __future__ import annotations

import os
import stat
import subprocess
import sys


def test_a_new_data_folder_and_database_are_readable_by_their_user_only(tmp_path):
    data = tmp_path / "var"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(WIREDESK_DATA_DIR=str(data), DJANGO_SETTINGS_MODULE="wiredesk.config.settings")
    subprocess.run(
        [sys.executable, "-m", "django", "migrate", "-v0"], env=env, cwd=tmp_path, check=True
    )
    mode = lambda path: stat.S_IMODE(path.stat().st_mode)  # noqa: E731
    assert mode(data) == 0o700
    assert mode(data / "wiredesk.sqlite3") == 0o600
    assert mode(data / "secret_key") == 0o600
    wal = data / "wiredesk.sqlite3-wal"
    if wal.exists():
        assert mode(wal) == 0o600
