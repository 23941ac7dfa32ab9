from __future__ import annotations

import pytest

from twin.auth.passwords import hash_password, verify_password
from twin.errors import InvalidInputError


def test_a_hashed_password_verifies_and_a_wrong_one_does_not() -> None:
    digest = hash_password("correct horse battery")
    assert digest.startswith("$argon2id$")
    assert verify_password(digest, "correct horse battery")
    assert not verify_password(digest, "correct horse batterx")


def test_a_missing_user_never_verifies() -> None:
    assert not verify_password(None, "twin: no such user, constant-time placeholder")


@pytest.mark.parametrize(
    ("password", "rule"), [("short", "at least 10"), ("aaaaaaaaaaaa", "4 different")]
)
def test_weak_passwords_are_refused_naming_the_rule(password: str, rule: str) -> None:
    with pytest.raises(InvalidInputError, match=rule):
        hash_password(password)
