"""The audit log: every write, append-only (the database refuses UPDATE and DELETE).

Each entry says who (``actor``), when (``at``, UTC), what (``action`` such as
``POST /api/submissions`` or ``cli: ingest buildings``, and its ``target``), from where
(``ip``, or ``cli`` on the command line), the outcome (HTTP ``status``) and details.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from storage.auth.sql import CatalogSQL, from_json, now_text
from storage.catalog.protocol import Catalog
from twin.errors import InvalidInputError

MAX_PAGE = 10_000
CSV_FIELDS = ("seq", "at", "actor", "action", "target", "ip", "status", "detail")


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: str
    actor: str
    action: str
    target: str
    ip: str
    status: int | None
    detail: Mapping[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at,
            "actor": self.actor,
            "action": self.action,
            "target": self.target,
            "ip": self.ip,
            "status": self.status,
            "detail": dict(self.detail),
        }


class AuditLog:
    """Append and read the audit log; the constructor does no I/O."""

    def __init__(self, catalog: Catalog) -> None:
        self._db = CatalogSQL(catalog)

    def append(
        self,
        *,
        actor: str,
        action: str,
        target: str = "",
        ip: str = "",
        status: int | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> int:
        body = json.dumps(dict(detail or {}), ensure_ascii=False, allow_nan=False, default=str)
        with self._db.tx() as conn:
            row = conn.execute(
                self._db.sql(
                    "INSERT INTO audit_log (at, actor, action, target, ip, status, detail) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING seq"
                ),
                (now_text(), actor[:200], action[:500], target[:500], ip[:100], status, body),
            ).fetchone()
        return int(row[0])

    def entries(
        self,
        *,
        since: int = 0,
        limit: int = 1000,
        actor: str | None = None,
        action_prefix: str | None = None,
    ) -> list[AuditEntry]:
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidInputError(f"limit must be 1..{MAX_PAGE}")
        if since < 0:
            raise InvalidInputError("since must be >= 0")
        like = None
        if action_prefix is not None:
            like = action_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        with self._db.tx() as conn:
            rows = conn.execute(
                self._db.sql(
                    "SELECT seq, at, actor, action, target, ip, status, detail FROM audit_log "
                    "WHERE seq > ? AND (CAST(? AS TEXT) IS NULL OR actor = ?) "
                    "AND (CAST(? AS TEXT) IS NULL OR action LIKE ? ESCAPE '\\') "
                    "ORDER BY seq LIMIT ?"
                ),
                (since, actor, actor, like, like, limit),
            ).fetchall()
        return [
            AuditEntry(
                seq=int(r[0]),
                at=str(r[1]),
                actor=str(r[2]),
                action=str(r[3]),
                target=str(r[4]),
                ip=str(r[5]),
                status=int(r[6]) if r[6] is not None else None,
                detail=from_json(r[7]) or {},
            )
            for r in rows
        ]


def entries_csv(entries: list[AuditEntry]) -> str:
    """CSV with a header row; cells that a spreadsheet would run as formulas are quoted."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_FIELDS)
    for e in entries:
        row = e.to_dict()
        row["detail"] = json.dumps(row["detail"], ensure_ascii=False)
        writer.writerow([_cell(row[f]) for f in CSV_FIELDS])
    return out.getvalue()


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text  # CSV injection: a leading formula character is neutralised
    return text
