"""Who is acting: a user with roles and, for departments, the department they speak for."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from twin import settings
from twin.errors import ForbiddenError

ROLES = settings.ROLES
SYSTEM = "system"


@dataclass(frozen=True)
class Principal:
    user: str
    roles: frozenset[str]
    department: str | None = None

    def require(self, allowed: Iterable[str], what: str) -> None:
        allowed = set(allowed)
        if "admin" in self.roles or self.roles & allowed:
            return
        raise ForbiddenError(f"{what} needs the role {' or '.join(sorted(allowed))}")
