"""Per-layer permissions: who may read, update or publish a layer. Pure rules, no I/O.

A layer's grants give a right to a role, a user or a department:

* **read** — a layer with no read grant is readable by everyone allowed to read the
  server (``auth.anonymous_read``). A layer with a read grant is *restricted*: only
  admins and the principals some grant of the layer matches may read it (on a restricted
  layer an update or publish grant lets its holder read too: who may change a layer must
  see it).
* **update** (change a layer's features or attributes in place) and **publish** (ingest
  a new version, republish, delete) — by default planners and admins; grants delegate
  them to more roles, users or departments (the Xiamen department may update the
  layers it keeps). Publish implies update. Every write right needs read first, so a
  planner has no default write right on a restricted layer no grant shows them.

Grants only add: there is no deny. Admins may do everything.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal, get_args

from twin.errors import InvalidInputError
from twin.settings import ROLES
from twin.submissions.principal import Principal

Right = Literal["read", "update", "publish"]
SubjectKind = Literal["role", "user", "department"]
RIGHTS: tuple[Right, ...] = get_args(Right)
SUBJECT_KINDS: tuple[SubjectKind, ...] = get_args(SubjectKind)
#: the roles that update and publish every layer they may read, without a grant
DEFAULT_WRITERS = frozenset({"planner"})
ADMIN = "admin"
#: the rights that carry each right with them
CONFERRED_BY: Mapping[Right, frozenset[Right]] = {
    "read": frozenset({"read", "update", "publish"}),
    "update": frozenset({"update", "publish"}),
    "publish": frozenset({"publish"}),
}
_USER = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
MAX_DEPARTMENT = 100
AnonymousRead = Literal["auto", "all", "localhost", "none"]


@dataclass(frozen=True, order=True)
class Grant:
    """``right`` on one layer for every principal with this role, name or department."""

    right: Right
    kind: SubjectKind
    subject: str

    def matches(self, who: Principal) -> bool:
        if self.kind == "role":
            return self.subject in who.roles
        if self.kind == "user":
            return self.subject == who.user
        return who.department is not None and self.subject == who.department

    def to_dict(self) -> dict[str, str]:
        return {"right": self.right, "kind": self.kind, "subject": self.subject}


def make_grant(right: str, kind: str, subject: str) -> Grant:
    """A checked grant: a known right, a known role, a valid user name or department."""
    if right not in RIGHTS:
        raise InvalidInputError(f"unknown right {right!r} (rights: {', '.join(RIGHTS)})")
    if kind not in SUBJECT_KINDS:
        raise InvalidInputError(f"a grant names a {' or a '.join(SUBJECT_KINDS)}, not {kind!r}")
    subject = subject.strip()
    if kind == "role" and subject not in ROLES:
        raise InvalidInputError(f"unknown role {subject!r} (roles: {', '.join(ROLES)})")
    if kind == "user" and not _USER.match(subject):
        raise InvalidInputError(f"invalid user name {subject[:80]!r}")
    if kind == "department" and not 1 <= len(subject) <= MAX_DEPARTMENT:
        raise InvalidInputError(f"a department name has 1 to {MAX_DEPARTMENT} characters")
    return Grant(right, kind, subject)


@dataclass(frozen=True)
class LayerPolicy:
    """The grants of one layer and what they allow."""

    grants: frozenset[Grant] = frozenset()

    @property
    def restricted(self) -> bool:
        """Whether some read grant limits who reads the layer (update and publish grants
        alone delegate writes and leave it open)."""
        return any(g.right == "read" for g in self.grants)

    def may(self, who: Principal | None, right: Right) -> bool:
        if who is not None and ADMIN in who.roles:
            return True
        if right == "read":
            return not self.restricted or (
                who is not None and any(g.matches(who) for g in self.grants)
            )
        if who is None or not self.may(who, "read"):
            return False
        if who.roles & DEFAULT_WRITERS:
            return True
        wanted = CONFERRED_BY[right]
        return any(g.right in wanted and g.matches(who) for g in self.grants)


OPEN = LayerPolicy()


def policies_of(rows: Iterable[tuple[str, Grant]]) -> dict[str, LayerPolicy]:
    """(layer, grant) rows -> the policy of each layer that has a grant."""
    grouped: dict[str, set[Grant]] = {}
    for layer, grant in rows:
        grouped.setdefault(layer, set()).add(grant)
    return {layer: LayerPolicy(frozenset(grants)) for layer, grants in grouped.items()}


def hidden_layers(policies: Mapping[str, LayerPolicy], who: Principal | None) -> frozenset[str]:
    """The restricted layers ``who`` may not read."""
    return frozenset(layer for layer, policy in policies.items() if not policy.may(who, "read"))


# -- who may read without logging in ------------------------------------------------------


def anonymous_scope(mode: AnonymousRead, *, accounts: bool) -> Literal["all", "localhost", "none"]:
    """Which callers without credentials may read: ``auto`` is ``all`` once users or API
    tokens exist (``accounts``) and ``localhost`` before (the embedded demo)."""
    if mode == "auto":
        return "all" if accounts else "localhost"
    return mode


def anonymous_notice(mode: AnonymousRead, *, accounts: bool) -> str:
    """The line ``twin serve`` prints at start about reads without a login."""
    scope = anonymous_scope(mode, accounts=accounts)
    if scope == "all":
        how = "anyone may read without logging in (restricted layers stay hidden)"
    elif scope == "localhost":
        how = "only this machine (127.0.0.0/8, ::1) may read without logging in"
    else:
        how = "nobody may read without logging in"
    why = f"auth.anonymous_read={mode}"
    if mode == "auto" and not accounts:
        why += (
            ": no users or API tokens are configured, so the server is open read-only to "
            "localhost and refuses every write; create the first admin with "
            "`twin users add NAME --role admin`"
        )
    return f"{how} ({why})"
