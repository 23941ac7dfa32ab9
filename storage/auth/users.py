"""Local users with argon2 password hashes, login sessions and login throttling.

Session tokens are random (32 bytes, URL-safe) and only their SHA-256 is stored, so a
copy of the database does not hold usable tokens. Logins are throttled per user name
and per address (``twin.auth.throttle``): a locked key answers ``TooManyRequestsError``
with the seconds to wait, without checking the password.

External users sign in through single sign-on (OpenID Connect, ``twin.auth.oidc``): their
record holds ``!oidc:<hash of issuer and subject>`` where a password hash would be, which
no password verifies and which ties the record to that provider's subject, never to a
name; they get sessions exactly like password users, and have no password login.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from storage.auth.sql import CatalogSQL, from_json, now_text
from storage.catalog.protocol import Catalog
from twin.auth.oidc import ExternalIdentity
from twin.auth.passwords import hash_password, needs_rehash, verify_password
from twin.auth.throttle import ThrottlePolicy, horizon_s, retry_after_s, throttle_keys
from twin.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    TooManyRequestsError,
    UnauthorizedError,
)
from twin.settings import ROLES

_NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
_SELECT = (
    "SELECT name, roles, department, password_hash, disabled, created_at, updated_at FROM users"
)
_INSERT = (
    "INSERT INTO users (name, roles, department, password_hash, disabled, created_at, updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_UPDATES = {
    "password": "UPDATE users SET password_hash = ?, updated_at = ? WHERE name = ?",
    "disabled": "UPDATE users SET disabled = ?, updated_at = ? WHERE name = ?",
    "roles": "UPDATE users SET roles = ?, department = ?, updated_at = ? WHERE name = ?",
}
EXTERNAL_MARK = "!"  # starts the password_hash of an external user: no argon2 hash does
_SESSION_USER = (
    "SELECT u.name, u.roles, u.department, u.password_hash, u.disabled, u.created_at, "
    "u.updated_at FROM sessions s JOIN users u ON u.name = s.user_name "
    "WHERE s.token_hash = ? AND s.expires_at > ?"
)


class UserNotFoundError(NotFoundError):
    code = "user_not_found"
    default_message = "user not found"


@dataclass(frozen=True)
class User:
    name: str
    roles: tuple[str, ...]
    department: str | None
    disabled: bool
    created_at: str
    updated_at: str
    external: bool = False  # signs in through single sign-on; no password


@dataclass(frozen=True)
class Session:
    token: str  # shown once, to the client that logged in
    user: User
    expires_at: float


def check_user_name(name: str) -> str:
    if not _NAME.match(name):
        raise InvalidInputError(
            "a user name has 1-64 letters, digits or the characters _ . @ - (no spaces)"
        )
    return name


def check_roles(roles: tuple[str, ...]) -> tuple[str, ...]:
    if not roles:
        raise InvalidInputError(f"a user needs at least one role ({', '.join(ROLES)})")
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise InvalidInputError(f"unknown role {unknown[0]!r} (roles: {', '.join(ROLES)})")
    return tuple(dict.fromkeys(roles))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class UserStore:
    """Users and sessions in the catalog's database; the constructor does no I/O."""

    def __init__(
        self,
        catalog: Catalog,
        *,
        policy: ThrottlePolicy | None = None,
        session_ttl_s: float = 8 * 3600,
    ) -> None:
        self._db = CatalogSQL(catalog)
        self.policy = policy or ThrottlePolicy()
        self.session_ttl_s = session_ttl_s

    # users ------------------------------------------------------------------
    def add(
        self, name: str, password: str, roles: tuple[str, ...], department: str | None = None
    ) -> User:
        check_user_name(name)
        roles = check_roles(roles)
        digest = hash_password(password)
        now = now_text()
        with self._db.tx() as conn:
            found = conn.execute(self._db.sql("SELECT 1 FROM users WHERE name = ?"), (name,))
            if found.fetchone() is not None:
                raise ConflictError(f"user {name!r} already exists")
            conn.execute(
                self._db.sql(_INSERT),
                (name, json.dumps(list(roles)), department, digest, False, now, now),
            )
        return self.get(name)

    def get(self, name: str) -> User:
        row = self._row(name)
        if row is None:
            raise UserNotFoundError(f"no user {name!r}")
        return _user(row)

    def list(self) -> list[User]:
        with self._db.tx() as conn:
            rows = conn.execute(_SELECT + " ORDER BY name").fetchall()
        return [_user(r) for r in rows]

    def count(self) -> int:
        with self._db.tx() as conn:
            return int(conn.execute("SELECT count(*) FROM users").fetchone()[0])

    def set_password(self, name: str, password: str) -> None:
        if self.get(name).external:
            raise ConflictError(f"user {name!r} signs in through single sign-on: no password")
        digest = hash_password(password)
        with self._db.tx() as conn:
            self._update(conn, name, "password", digest)
            conn.execute(self._db.sql("DELETE FROM sessions WHERE user_name = ?"), (name,))

    def set_disabled(self, name: str, disabled: bool) -> None:
        with self._db.tx() as conn:
            self._update(conn, name, "disabled", disabled)
            if disabled:
                conn.execute(self._db.sql("DELETE FROM sessions WHERE user_name = ?"), (name,))

    def set_roles(self, name: str, roles: tuple[str, ...], department: str | None) -> None:
        roles = check_roles(roles)
        with self._db.tx() as conn:
            self._update(conn, name, "roles", json.dumps(list(roles)), department)

    def _update(self, conn: Any, name: str, what: str, *values: object) -> None:
        sql = self._db.sql(_UPDATES[what])
        cursor = conn.execute(sql, (*values, now_text(), name))
        if cursor.rowcount == 0:
            raise UserNotFoundError(f"no user {name!r}")

    def _row(self, name: str) -> tuple[object, ...] | None:
        with self._db.tx() as conn:
            row = conn.execute(self._db.sql(_SELECT + " WHERE name = ?"), (name,)).fetchone()
        return tuple(row) if row is not None else None

    # logins and sessions ----------------------------------------------------
    def login(self, name: str, password: str, ip: str) -> Session:
        """A new session for the right password; throttled per name and address."""
        now = time.time()
        user_key, ip_key = throttle_keys(name, ip)
        wait = self._locked_for(user_key, ip_key, now)
        if wait:
            raise TooManyRequestsError(
                f"too many failed logins: try again in {wait} s", retry_after_s=wait
            )
        row = self._row(name)
        stored = str(row[3]) if row is not None else None
        if stored is not None and stored.startswith(EXTERNAL_MARK):
            stored = None  # an external user: no password works (checked at the same cost)
        if not verify_password(stored, password) or row is None or bool(row[4]):
            self._fail(user_key, ip_key, now)
            raise UnauthorizedError("wrong user name or password, or the user is disabled")
        assert stored is not None
        if needs_rehash(stored):
            self.set_password(name, password)
        with self._db.tx() as conn:
            conn.execute(
                self._db.sql("DELETE FROM login_failures WHERE throttle_key = ?"), (user_key,)
            )
            return self._new_session(conn, _user(row), ip, now)

    def login_external(self, identity: ExternalIdentity, ip: str) -> Session:
        """A session for a user the identity provider vouched for.

        The first login creates the user under the first free name of ``identity.names``
        (a password user's name is never taken over); every login sets the roles and
        department the provider gives now. A disabled user is refused.
        """
        mark = EXTERNAL_MARK + identity.key
        roles = check_roles(identity.roles)
        now = time.time()
        with self._db.tx() as conn:
            row = conn.execute(
                self._db.sql(_SELECT + " WHERE password_hash = ?"), (mark,)
            ).fetchone()
            stamp = now_text()
            if row is None:
                name = self._free_name(conn, identity.names)
                conn.execute(
                    self._db.sql(_INSERT),
                    (name, json.dumps(list(roles)), identity.department, mark, False, stamp, stamp),
                )
            elif bool(row[4]):
                raise ForbiddenError(f"user {row[0]!r} is disabled")
            else:
                name = str(row[0])
                conn.execute(
                    self._db.sql(_UPDATES["roles"]),
                    (json.dumps(list(roles)), identity.department, stamp, name),
                )
            found = conn.execute(self._db.sql(_SELECT + " WHERE name = ?"), (name,)).fetchone()
            return self._new_session(conn, _user(tuple(found)), ip, now)

    def _free_name(self, conn: Any, names: tuple[str, ...]) -> str:
        for name in names:
            taken = conn.execute(self._db.sql("SELECT 1 FROM users WHERE name = ?"), (name,))
            if _NAME.match(name) and taken.fetchone() is None:
                return name
        raise ConflictError("no free local user name for this single sign-on user")

    def _new_session(self, conn: Any, user: User, ip: str, now: float) -> Session:
        token = secrets.token_urlsafe(32)
        expires = now + self.session_ttl_s
        conn.execute(self._db.sql("DELETE FROM sessions WHERE expires_at < ?"), (now,))
        conn.execute(
            self._db.sql(
                "INSERT INTO sessions (token_hash, user_name, created_at, expires_at, ip) "
                "VALUES (?, ?, ?, ?, ?)"
            ),
            (token_hash(token), user.name, now, expires, ip),
        )
        return Session(token, user, expires)

    def _locked_for(self, user_key: str, ip_key: str, now: float) -> int:
        since = now - horizon_s(self.policy)
        with self._db.tx() as conn:
            rows = conn.execute(
                self._db.sql(
                    "SELECT throttle_key, at FROM login_failures "
                    "WHERE throttle_key IN (?, ?) AND at >= ?"
                ),
                (user_key, ip_key, since),
            ).fetchall()
        by_user = [float(r[1]) for r in rows if r[0] == user_key]
        by_ip = [float(r[1]) for r in rows if r[0] == ip_key]
        return max(
            retry_after_s(by_user, now, self.policy.max_failures, self.policy),
            retry_after_s(by_ip, now, self.policy.max_failures_per_ip, self.policy),
        )

    def _fail(self, user_key: str, ip_key: str, now: float) -> None:
        with self._db.tx() as conn:
            insert = self._db.sql("INSERT INTO login_failures (throttle_key, at) VALUES (?, ?)")
            conn.execute(insert, (user_key, now))
            conn.execute(insert, (ip_key, now))
            old = now - horizon_s(self.policy)
            conn.execute(self._db.sql("DELETE FROM login_failures WHERE at < ?"), (old,))

    def session_user(self, token: str) -> User | None:
        """The enabled user a live session token belongs to, or None."""
        with self._db.tx() as conn:
            row = conn.execute(
                self._db.sql(_SESSION_USER),
                (token_hash(token), time.time()),
            ).fetchone()
        if row is None or bool(row[4]):
            return None
        return _user(tuple(row))

    def logout(self, token: str) -> None:
        with self._db.tx() as conn:
            conn.execute(
                self._db.sql("DELETE FROM sessions WHERE token_hash = ?"), (token_hash(token),)
            )


def _user(row: tuple[object, ...]) -> User:
    roles = from_json(row[1]) or []
    return User(
        name=str(row[0]),
        roles=tuple(str(r) for r in roles),
        department=str(row[2]) if row[2] is not None else None,
        disabled=bool(row[4]),
        created_at=str(row[5]),
        updated_at=str(row[6]),
        external=str(row[3]).startswith(EXTERNAL_MARK),
    )
