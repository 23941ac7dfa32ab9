"""What an ID token's claims make of a twin user, and the pending login's cookie."""

from __future__ import annotations

import pytest

from twin.auth.oidc import (
    PENDING_TTL_S,
    OidcNoRoleError,
    OidcStateError,
    OidcTokenError,
    PendingLogin,
    candidate_names,
    claim_values,
    department_of,
    external_key,
    identity_from_claims,
    map_roles,
)
from twin.auth.oidc_provider import OidcProvider
from twin.errors import ConfigError, InvalidInputError
from twin.settings import OidcSettings

OIDC = OidcSettings(
    issuer="https://sso.example.gov.cn/realms/city",
    client_id="twin",
    role_map={"city-planner": "planner", "bureau-leader": "leader", "ops": "admin"},
    default_roles=["viewer"],
)


def test_claim_values_take_lists_strings_and_nested_claims() -> None:
    claims = {
        "roles": ["a", "b", 3, None, ""],
        "groups": "a b,c",
        "realm_access": {"roles": ["x", "y"]},
        "n": 5,
    }
    assert claim_values(claims, "roles") == ["a", "b", "3"]
    assert claim_values(claims, "groups") == ["a", "b", "c"]
    assert claim_values(claims, "realm_access.roles") == ["x", "y"]
    assert claim_values(claims, "realm_access.missing") == []
    assert claim_values(claims, "n") == [] and claim_values(claims, "absent") == []


def test_only_mapped_roles_count_and_come_in_twin_order() -> None:
    assert map_roles(["ops", "city-planner"], OIDC) == ("viewer", "planner", "admin")
    # spelled like a twin role, but not mapped: grants nothing
    assert map_roles(["admin", "reviewer"], OIDC) == ("viewer",)
    none = OIDC.model_copy(update={"default_roles": []})
    assert map_roles(["unknown"], none) == ()
    bad = OIDC.model_copy(update={"role_map": {"x": "superuser"}})
    with pytest.raises(InvalidInputError, match="superuser"):
        map_roles(["x"], bad)


def test_identity_from_claims() -> None:
    claims = {
        "iss": OIDC.issuer,
        "sub": "248289761001",
        "preferred_username": "zhang.san",
        "email": "zhang@example.gov.cn",
        "roles": "bureau-leader",
        "department": ["规划科", "other"],
    }
    who = identity_from_claims(claims, OIDC)
    assert who.roles == ("viewer", "leader") and who.department == "规划科"
    assert who.names[:2] == ("zhang.san", "zhang@example.gov.cn")
    assert who.names[2] == "oidc-" + who.key.removeprefix("oidc:")[:16]
    assert who.key == external_key(OIDC.issuer or "", "248289761001")

    strict = OIDC.model_copy(update={"default_roles": []})
    with pytest.raises(OidcNoRoleError):
        identity_from_claims({**claims, "roles": []}, strict)
    with pytest.raises(OidcTokenError):
        identity_from_claims({**claims, "sub": ""}, OIDC)


def test_external_keys_differ_by_issuer_and_subject() -> None:
    keys = {external_key(i, s) for i in ("https://a", "https://b") for s in ("1", "2")}
    assert len(keys) == 4 and all(k.startswith("oidc:") for k in keys)
    assert external_key("https://a", "1") == external_key("https://a", "1")
    assert external_key("https://a\n1", "") != external_key("https://a", "1\n")


def test_names_a_provider_gives_that_twin_refuses_are_skipped() -> None:
    names = candidate_names({"preferred_username": "张三", "email": "a b@x"}, "oidc:" + "f" * 64)
    assert names == ("oidc-" + "f" * 16,)
    assert department_of({"department": "  规划科 "}, "department") == "规划科"
    assert department_of({"department": 5}, "department") is None
    assert department_of({"dept": "x"}, "") is None


def test_a_pending_login_round_trips_through_its_cookie() -> None:
    pending = PendingLogin.new(now=1000.0)
    back = PendingLogin.from_cookie(pending.to_cookie())
    assert back == pending
    assert len({pending.state, pending.nonce, pending.code_verifier}) == 3
    assert 43 <= len(pending.code_verifier) <= 128
    other = PendingLogin.new()
    assert other.state != pending.state and other.nonce != pending.nonce


@pytest.mark.parametrize(
    "cookie",
    ["", "!!!", "e30", "W10", "x" * 2000, "eyJzIjoxfQ", PendingLogin.new().to_cookie()[:-10]],
)
def test_a_malformed_pending_cookie_is_no_pending_login(cookie: str) -> None:
    assert PendingLogin.from_cookie(cookie) is None


def test_the_state_must_match_and_be_fresh() -> None:
    pending = PendingLogin.new(now=1000.0)
    pending.check(pending.state, now=1000.0 + PENDING_TTL_S)
    for wrong in (None, "", pending.state[:-1], pending.nonce):
        with pytest.raises(OidcStateError):
            pending.check(wrong, now=1001.0)
    with pytest.raises(OidcStateError, match="too long"):
        pending.check(pending.state, now=1001.0 + PENDING_TTL_S)
    with pytest.raises(OidcStateError):
        pending.check(pending.state, now=999.0)  # from the future: not ours


@pytest.mark.parametrize(
    "issuer", ["http://sso.example.gov.cn/realms/city", "ftp://127.0.0.1/x", "https://", "sso"]
)
def test_an_issuer_must_be_https_except_on_loopback(issuer: str) -> None:
    with pytest.raises(ConfigError):
        OidcProvider(OIDC.model_copy(update={"issuer": issuer}))


def test_loopback_and_https_issuers_are_accepted_without_io() -> None:
    for issuer in (
        "https://sso.example.gov.cn/realms/city/",
        "http://127.0.0.1:8080",
        "http://[::1]:1",
    ):
        assert OidcProvider(OIDC.model_copy(update={"issuer": issuer})).issuer == issuer.rstrip("/")
    with pytest.raises(ConfigError, match="CLIENT_ID"):
        OidcProvider(OIDC.model_copy(update={"client_id": ""}))
