"""``twin users``: the first admin from the command line, then a login with that password."""

from __future__ import annotations

import json
import subprocess
import sys

from storage.auth.audit import AuditLog
from storage.auth.users import UserStore
from storage.factory import open_catalog
from tests.twin.test_cli import env_for, twin
from twin.settings import Settings

PASSWORD = "first-admin-pass-1"


def test_the_first_admin_is_added_and_can_log_in(settings: Settings) -> None:
    out = twin(settings, "users", "add", "root", "--role", "admin", "--password", PASSWORD)
    assert "root" in out.stdout
    proc = subprocess.run(
        [sys.executable, "-m", "twin.cli.main", "users", "add", "wang", "--role", "reviewer",
         "--role", "planner", "--department", "规划科", "--password-stdin"],
        env=env_for(settings), input="reviewer-pass-2\n", capture_output=True, text=True,
        timeout=120, check=True,
    )  # fmt: skip
    assert "reviewer, planner" in proc.stdout
    listed = json.loads(twin(settings, "users", "list", "--json").stdout)
    assert [(u["name"], u["roles"], u["department"]) for u in listed] == [
        ("root", ["admin"], None),
        ("wang", ["reviewer", "planner"], "规划科"),
    ]
    catalog = open_catalog(settings)
    try:
        assert UserStore(catalog).login("wang", "reviewer-pass-2", "127.0.0.1").user.name == "wang"
        actions = [(e.action, e.target, e.ip) for e in AuditLog(catalog).entries()]
        assert ("cli: users add", "root", "cli") in actions
        assert ("cli: users add", "wang", "cli") in actions
    finally:
        catalog.close()


def test_bad_users_commands_fail_with_a_clear_message(settings: Settings) -> None:
    weak = twin(
        settings, "users", "add", "x", "--role", "admin", "--password", "short", check=False
    )
    assert weak.returncode == 2 and "at least 10 characters" in weak.stderr
    twin(settings, "users", "add", "li", "--role", "viewer", "--password", PASSWORD)
    again = twin(
        settings, "users", "add", "li", "--role", "viewer", "--password", PASSWORD, check=False
    )
    assert again.returncode != 0 and "already exists" in again.stderr
    missing = twin(settings, "users", "disable", "nobody", check=False)
    assert missing.returncode == 2 and "no user 'nobody'" in missing.stderr
    no_tty = subprocess.run(
        [sys.executable, "-m", "twin.cli.main", "users", "passwd", "li"],
        env=env_for(settings), stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert no_tty.returncode == 2 and "--password-stdin" in no_tty.stderr
