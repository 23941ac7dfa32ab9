"""Per-layer permissions in the catalog's database (migration ``0009_layer_permissions``).

The rules live in ``twin.auth.permissions``; this stores the grants. A layer need not
exist to hold grants (restrict it before its first ingest), and grants stay when a layer
is deleted (a layer re-created under the same name stays restricted).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from storage.auth.sql import CatalogSQL, now_text
from storage.catalog.protocol import Catalog
from twin.auth.permissions import Grant, make_grant
from twin.naming import validate_layer_id

_SELECT = (
    "SELECT layer_id, right_name, subject_kind, subject, granted_by, granted_at "
    "FROM layer_permissions WHERE layer_id = ?"
)
_INSERT = (
    "INSERT INTO layer_permissions "
    "(layer_id, right_name, subject_kind, subject, granted_by, granted_at) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)


@dataclass(frozen=True)
class StoredGrant:
    layer: str
    grant: Grant
    granted_by: str
    granted_at: str

    def to_dict(self) -> dict[str, str]:
        return {
            **self.grant.to_dict(),
            "granted_by": self.granted_by,
            "granted_at": self.granted_at,
        }


class PermissionStore:
    """Grants of layers; the constructor does no I/O."""

    def __init__(self, catalog: Catalog) -> None:
        self._db = CatalogSQL(catalog)

    def all(self) -> list[tuple[str, Grant]]:
        """Every grant of every layer (a small table: the server keeps it in memory)."""
        with self._db.tx() as conn:
            rows = conn.execute(
                "SELECT layer_id, right_name, subject_kind, subject FROM layer_permissions"
            ).fetchall()
        return [(str(r[0]), make_grant(str(r[1]), str(r[2]), str(r[3]))) for r in rows]

    def of_layer(self, layer: str) -> list[StoredGrant]:
        with self._db.tx() as conn:
            rows = conn.execute(
                self._db.sql(_SELECT + " ORDER BY right_name, subject_kind, subject"),
                (layer,),
            ).fetchall()
        return [_stored(r) for r in rows]

    def grant(self, layer: str, grant: Grant, by: str) -> bool:
        """Add one grant; False when the layer already had it."""
        validate_layer_id(layer)
        with self._db.tx() as conn:
            return self._insert(conn, layer, grant, by, now_text())

    def revoke(self, layer: str, grant: Grant) -> bool:
        """Remove one grant; False when the layer did not have it."""
        with self._db.tx() as conn:
            cursor = conn.execute(
                self._db.sql(
                    "DELETE FROM layer_permissions WHERE layer_id = ? AND right_name = ? "
                    "AND subject_kind = ? AND subject = ?"
                ),
                (layer, grant.right, grant.kind, grant.subject),
            )
            return int(cursor.rowcount or 0) > 0

    def replace(self, layer: str, grants: Iterable[Grant], by: str) -> list[StoredGrant]:
        """Make ``grants`` the layer's whole set in one transaction (kept grants keep their
        original author and time); an empty set opens the layer again."""
        validate_layer_id(layer)
        wanted = set(grants)
        now = now_text()
        with self._db.tx() as conn:
            current = {s.grant for s in self._of_layer(conn, layer)}
            for gone in current - wanted:
                conn.execute(
                    self._db.sql(
                        "DELETE FROM layer_permissions WHERE layer_id = ? AND right_name = ? "
                        "AND subject_kind = ? AND subject = ?"
                    ),
                    (layer, gone.right, gone.kind, gone.subject),
                )
            for new in sorted(wanted - current):
                self._insert(conn, layer, new, by, now)
        return self.of_layer(layer)

    def clear(self, layer: str) -> int:
        """Remove every grant of the layer; how many there were."""
        with self._db.tx() as conn:
            cursor = conn.execute(
                self._db.sql("DELETE FROM layer_permissions WHERE layer_id = ?"), (layer,)
            )
            return int(cursor.rowcount or 0)

    # -- helpers -----------------------------------------------------------------------

    def _of_layer(self, conn: Any, layer: str) -> list[StoredGrant]:
        rows = conn.execute(
            self._db.sql(_SELECT),
            (layer,),
        ).fetchall()
        return [_stored(r) for r in rows]

    def _insert(self, conn: Any, layer: str, grant: Grant, by: str, at: str) -> bool:
        cursor = conn.execute(
            self._db.sql(_INSERT),
            (layer, grant.right, grant.kind, grant.subject, by[:200], at),
        )
        return int(cursor.rowcount or 0) > 0


def _stored(row: Any) -> StoredGrant:
    return StoredGrant(
        layer=str(row[0]),
        grant=make_grant(str(row[1]), str(row[2]), str(row[3])),
        granted_by=str(row[4]),
        granted_at=str(row[5]),
    )
