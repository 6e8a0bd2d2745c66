"""The `xentree` command line against a real database file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"


def run(args: list[str], db: Path, *, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XENTREE_")}
    env.update(
        XENTREE_DATABASE_URL=f"sqlite+aiosqlite:///{db}",
        XENTREE_ARGON2_MEMORY_COST_KIB="1024",
        XENTREE_ARGON2_TIME_COST="1",
        PYTHONPATH=str(SRC),
    )
    return subprocess.run(
        [sys.executable, "-m", "xentree", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_users_create_and_promote(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    assert run(["db", "upgrade"], db).returncode == 0
    created = run(
        [
            "users",
            "create",
            "root_admin",
            "--email",
            "root@example.com",
            "--password",
            "a-strong-admin-password",
            "--admin",
        ],
        db,
    )
    assert created.returncode == 0, created.stderr
    assert "as admin" in created.stdout
    plain = run(
        [
            "users",
            "create",
            "ordinary",
            "--email",
            "o@example.com",
            "--password",
            "a-strong-user-password",
        ],
        db,
    )
    assert plain.returncode == 0, plain.stderr
    duplicate = run(
        [
            "users",
            "create",
            "ordinary",
            "--email",
            "o2@example.com",
            "--password",
            "a-strong-user-password",
        ],
        db,
    )
    assert duplicate.returncode == 1
    assert "already taken" in duplicate.stderr
    weak = run(
        ["users", "create", "weakling", "--email", "w@example.com", "--password", "qwertyuiop"], db
    )
    assert weak.returncode == 1
    assert "common" in weak.stderr
    promoted = run(["users", "promote", "ORDINARY"], db)
    assert promoted.returncode == 0, promoted.stderr
    missing = run(["users", "promote", "ghost"], db)
    assert missing.returncode == 1

    import sqlite3

    with sqlite3.connect(db) as connection:
        rows = dict(connection.execute("SELECT username, is_admin FROM users").fetchall())
    assert rows == {"root_admin": 1, "ordinary": 1}
