"""Users, sessions, throttling and the audit log on both backends."""

from __future__ import annotations

import pytest

from storage.auth.audit import AuditLog, entries_csv
from storage.auth.users import UserStore
from storage.catalog.protocol import Catalog
from twin.auth.throttle import ThrottlePolicy
from twin.errors import (
    ConflictError,
    InvalidInputError,
    TooManyRequestsError,
    UnauthorizedError,
)

PASSWORD = "s3cret-enough-1"


def test_a_user_logs_in_and_the_session_names_them(catalog: Catalog) -> None:
    users = UserStore(catalog)
    users.add("wang.li", PASSWORD, ("reviewer", "planner"), "规划科")
    session = users.login("wang.li", PASSWORD, "10.0.0.5")
    found = users.session_user(session.token)
    assert found is not None and found.name == "wang.li"
    assert found.roles == ("reviewer", "planner") and found.department == "规划科"
    users.logout(session.token)
    assert users.session_user(session.token) is None


def test_a_wrong_password_or_unknown_user_is_refused_alike(catalog: Catalog) -> None:
    users = UserStore(catalog)
    users.add("li", PASSWORD, ("viewer",))
    with pytest.raises(UnauthorizedError) as wrong:
        users.login("li", "not-the-password", "10.0.0.5")
    with pytest.raises(UnauthorizedError) as unknown:
        users.login("nobody", PASSWORD, "10.0.0.5")
    assert wrong.value.message == unknown.value.message


def test_repeated_failures_lock_the_name_even_for_the_right_password(catalog: Catalog) -> None:
    users = UserStore(catalog, policy=ThrottlePolicy(max_failures=3, lockout_s=600))
    users.add("zhao", PASSWORD, ("viewer",))
    for _ in range(3):
        with pytest.raises(UnauthorizedError):
            users.login("zhao", "wrong-password-x", "10.0.0.9")
    with pytest.raises(TooManyRequestsError) as locked:
        users.login("zhao", PASSWORD, "10.0.0.9")
    assert 590 <= locked.value.retry_after_s <= 600
    assert locked.value.headers["Retry-After"] == str(locked.value.retry_after_s)


def test_disabling_or_a_new_password_ends_sessions(catalog: Catalog) -> None:
    users = UserStore(catalog)
    users.add("chen", PASSWORD, ("planner",))
    first = users.login("chen", PASSWORD, "::1")
    users.set_password("chen", "another-pass-2")
    assert users.session_user(first.token) is None
    second = users.login("chen", "another-pass-2", "::1")
    users.set_disabled("chen", True)
    assert users.session_user(second.token) is None
    with pytest.raises(UnauthorizedError):
        users.login("chen", "another-pass-2", "::1")


def test_a_duplicate_user_a_bad_name_and_an_unknown_role_are_refused(catalog: Catalog) -> None:
    users = UserStore(catalog)
    users.add("admin", PASSWORD, ("admin",))
    with pytest.raises(ConflictError):
        users.add("admin", PASSWORD, ("admin",))
    with pytest.raises(InvalidInputError, match="user name"):
        users.add("bad name", PASSWORD, ("admin",))
    with pytest.raises(InvalidInputError, match="unknown role 'king'"):
        users.add("king", PASSWORD, ("king",))


def test_the_audit_log_keeps_entries_in_order_and_refuses_changes(catalog: Catalog) -> None:
    audit = AuditLog(catalog)
    first = audit.append(actor="wang", action="POST /api/problems", ip="10.0.0.1", status=201)
    audit.append(actor="li", action="=HYPERLINK(1)", ip="10.0.0.2", detail={"备注": "测试"})
    entries = audit.entries(since=first - 1)
    assert [e.actor for e in entries] == ["wang", "li"]
    assert audit.entries(actor="li")[0].detail == {"备注": "测试"}
    assert [e.actor for e in audit.entries(action_prefix="POST ")] == ["wang"]
    text = entries_csv(entries)
    assert text.splitlines()[0] == "seq,at,actor,action,target,ip,status,detail"
    assert "'=HYPERLINK(1)" in text  # a formula is not run by a spreadsheet
    with pytest.raises(Exception) as refused, catalog.transaction() as conn:
        conn.execute("DELETE FROM audit_log")
    assert "append-only" in str(refused.value) or "append-only" in repr(refused.value.__cause__)
    assert len(audit.entries()) == 2
