"""Per-layer permissions: the stored grants on both backends, and the rules they feed."""

from __future__ import annotations

import pytest

from storage.auth.permissions import PermissionStore
from storage.catalog.protocol import Catalog
from twin.auth.permissions import (
    LayerPolicy,
    anonymous_notice,
    anonymous_scope,
    hidden_layers,
    make_grant,
    policies_of,
)
from twin.errors import InvalidInputError
from twin.submissions.principal import Principal

XIAMEN = Principal("chen", frozenset({"department_editor"}), "Xiamen")
FUZHOU = Principal("lin", frozenset({"department_editor"}), "Fuzhou")
PLANNER = Principal("zhang", frozenset({"planner"}))
VIEWER = Principal("wu", frozenset({"viewer"}))
ADMIN = Principal("root", frozenset({"admin"}))


def test_grants_are_stored_listed_revoked_and_replaced(catalog: Catalog) -> None:
    store = PermissionStore(catalog)
    read = make_grant("read", "department", "Xiamen")
    update = make_grant("update", "department", "Xiamen")
    assert store.grant("harbour", read, by="admin1") is True
    assert store.grant("harbour", read, by="admin2") is False  # already there
    assert store.grant("harbour", update, by="admin1") is True
    assert store.grant("roads", make_grant("read", "role", "leader"), by="admin1")
    listed = store.of_layer("harbour")
    assert [s.grant for s in listed] == [read, update]
    assert listed[0].granted_by == "admin1" and listed[0].granted_at.endswith("Z")
    assert sorted(store.all()) == sorted(
        [("harbour", read), ("harbour", update), ("roads", make_grant("read", "role", "leader"))]
    )
    assert store.revoke("harbour", update) is True
    assert store.revoke("harbour", update) is False
    user = make_grant("publish", "user", "zhang")
    kept = store.replace("harbour", [read, user], by="admin3")
    assert {s.grant for s in kept} == {read, user}
    assert next(s for s in kept if s.grant == read).granted_by == "admin1"  # kept, not re-made
    assert next(s for s in kept if s.grant == user).granted_by == "admin3"
    assert store.clear("harbour") == 2
    assert store.of_layer("harbour") == []
    assert [layer for layer, _ in store.all()] == ["roads"]


def test_a_layer_id_is_checked_before_anything_is_stored(catalog: Catalog) -> None:
    store = PermissionStore(catalog)
    with pytest.raises(InvalidInputError):
        store.grant("../etc", make_grant("read", "role", "viewer"), by="a")
    assert store.all() == []


@pytest.mark.parametrize(
    ("right", "kind", "subject"),
    [
        ("delete", "role", "viewer"),
        ("read", "group", "x"),
        ("read", "role", "superuser"),
        ("read", "user", "has space"),
        ("read", "department", ""),
        ("read", "department", "x" * 101),
    ],
)
def test_bad_grants_are_refused(right: str, kind: str, subject: str) -> None:
    with pytest.raises(InvalidInputError):
        make_grant(right, kind, subject)


def test_an_open_layer_is_read_by_everyone_and_written_by_planners_and_admins() -> None:
    open_layer = LayerPolicy()
    for who in (None, VIEWER, XIAMEN, PLANNER, ADMIN):
        assert open_layer.may(who, "read")
    for right in ("update", "publish"):
        assert open_layer.may(PLANNER, right) and open_layer.may(ADMIN, right)
        assert not open_layer.may(VIEWER, right)
        assert not open_layer.may(XIAMEN, right)
        assert not open_layer.may(None, right)


def test_a_department_gets_the_update_right_of_one_layer() -> None:
    policy = LayerPolicy(frozenset({make_grant("update", "department", "Xiamen")}))
    assert not policy.restricted  # a write grant alone leaves the layer open to readers
    assert policy.may(XIAMEN, "update") and policy.may(XIAMEN, "read")
    assert not policy.may(XIAMEN, "publish")
    assert policy.may(FUZHOU, "read") and not policy.may(FUZHOU, "update")
    assert policy.may(None, "read") and not policy.may(None, "update")
    assert policy.may(PLANNER, "publish") and policy.may(ADMIN, "publish")
    # with a read grant too, the layer is restricted: a planner no grant shows it to has
    # no default write right on it, and the update grant still lets Xiamen read it
    secret = LayerPolicy(policy.grants | {make_grant("read", "role", "leader")})
    assert secret.restricted and secret.may(XIAMEN, "read") and secret.may(XIAMEN, "update")
    assert not secret.may(FUZHOU, "read") and not secret.may(VIEWER, "read")
    assert not secret.may(PLANNER, "read") and not secret.may(PLANNER, "publish")


def test_read_grants_restrict_and_publish_implies_update() -> None:
    policy = LayerPolicy(
        frozenset(
            {
                make_grant("read", "role", "leader"),
                make_grant("read", "role", "planner"),
                make_grant("publish", "user", "chen"),
            }
        )
    )
    leader = Principal("gao", frozenset({"leader"}))
    assert policy.may(leader, "read") and not policy.may(leader, "update")
    assert policy.may(PLANNER, "publish")  # it reads the layer, so its default rights hold
    assert policy.may(XIAMEN, "update") and policy.may(XIAMEN, "publish")  # user chen
    assert not policy.may(FUZHOU, "read")
    policies = policies_of(
        [("secret", g) for g in policy.grants]
        + [("open", make_grant("read", "role", "viewer"))]
        + [("delegated", make_grant("update", "department", "Xiamen"))]
    )
    assert hidden_layers(policies, None) == {"secret", "open"}
    assert hidden_layers(policies, VIEWER) == {"secret"}
    assert hidden_layers(policies, leader) == {"open"}
    assert hidden_layers(policies, ADMIN) == frozenset()


def test_who_may_read_without_a_login() -> None:
    assert anonymous_scope("auto", accounts=False) == "localhost"
    assert anonymous_scope("auto", accounts=True) == "all"
    for mode in ("all", "localhost", "none"):
        assert anonymous_scope(mode, accounts=False) == mode
        assert anonymous_scope(mode, accounts=True) == mode
    demo = anonymous_notice("auto", accounts=False)
    assert "127.0.0.0/8" in demo and "twin users add" in demo
    assert "nobody" in anonymous_notice("none", accounts=True)
