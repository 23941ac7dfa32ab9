"""Versioned schema migrations, shared by the SQLite and the PostGIS catalog.

Migrations are the ``NNNN_name.sql`` files in ``storage/catalog/migrations/<backend>/``
(shipped as package data), applied in name order. Each backend records the
applied ones in a ``schema_migrations`` table (``name``, ``applied_at``) and
applies each pending migration together with its record in one transaction,
re-checking under a lock that no other process applied it meanwhile.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from importlib import resources
from typing import Literal, Protocol

from twin.errors import CatalogError

Backend = Literal["sqlite", "postgis"]

_NAME = re.compile(r"^(\d{4}_[a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    name: str
    sql: str


class MigrationTarget(Protocol):
    """What a backend offers the runner."""

    def applied_migrations(self) -> set[str]:
        """Create ``schema_migrations`` if absent; return the names recorded in it."""
        ...

    def apply_migration(self, migration: Migration) -> bool:
        """Apply and record ``migration`` atomically; False if it was already recorded."""
        ...


def load_migrations(backend: Backend) -> tuple[Migration, ...]:
    """The migrations shipped for ``backend``, in the order they apply."""
    folder = resources.files("storage.catalog").joinpath("migrations", backend)
    found: list[Migration] = []
    for entry in folder.iterdir():
        match = _NAME.match(entry.name)
        if match is None:
            continue
        found.append(Migration(name=match.group(1), sql=entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.name)
    if not found:
        raise CatalogError("no catalog migrations are installed")
    return tuple(found)


def run_migrations(target: MigrationTarget, migrations: tuple[Migration, ...]) -> list[str]:
    """Apply the pending ``migrations`` to ``target``; return the names applied."""
    applied = target.applied_migrations()
    known = {m.name for m in migrations}
    if applied - known:
        raise CatalogError("the catalog schema is newer than this version of twin")
    done: list[str] = []
    for migration in migrations:
        if migration.name in applied:
            continue
        if target.apply_migration(migration):
            done.append(migration.name)
    return done


def split_sqlite_script(script: str) -> list[str]:
    """Split a SQL script into complete SQLite statements (trigger bodies stay whole)."""
    statements: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statement = _strip_comments(pending)
            if statement:
                statements.append(statement)
            pending = ""
    if _strip_comments(pending):
        raise CatalogError("a catalog migration ends with an incomplete statement")
    return statements


def _strip_comments(text: str) -> str:
    lines = [line for line in text.splitlines() if not line.strip().startswith("--")]
    return "\n".join(lines).strip()
