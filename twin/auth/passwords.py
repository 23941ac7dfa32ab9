"""Password hashing with argon2id (argon2-cffi's defaults, RFC 9106's low-memory profile)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from twin.errors import InvalidInputError

MIN_LENGTH = 10
MAX_LENGTH = 1024  # argon2 takes any length; a cap keeps one request from costing much more
_HASHER = PasswordHasher()
# A hash of a random password: verifying against it when the user does not exist costs the
# same time as a real check, so timing does not tell which user names exist.
_DUMMY = _HASHER.hash("twin: no such user, constant-time placeholder")


def check_policy(password: str) -> None:
    """Refuse passwords too short or too long to be sensible, naming the rule."""
    if len(password) < MIN_LENGTH:
        raise InvalidInputError(f"a password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise InvalidInputError(f"a password has at most {MAX_LENGTH} characters")
    if len(set(password)) < 4:
        raise InvalidInputError("a password needs at least 4 different characters")


def hash_password(password: str) -> str:
    check_policy(password)
    return _HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; a missing user (``None``) costs a real verification."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _HASHER.verify(stored_hash or _DUMMY, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _HASHER.check_needs_rehash(stored_hash)
