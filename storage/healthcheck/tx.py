"""One health-check write: its SQL, history rows and overlay events on one connection.

History rows are inserted as the change goes; overlay events are appended last, at
``flush``, so every row lock a change needs is taken before the outbox's advisory lock
(PostgreSQL), and two writers never wait on each other in opposite orders.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from storage.healthcheck import rows
from storage.overlays.outbox import append_event
from twin.errors import NotFoundError
from twin.healthcheck.records import Problem, Project

_EXISTS = {
    "hc_problems": "SELECT 1 FROM hc_problems WHERE id = ?",
    "hc_projects": "SELECT 1 FROM hc_projects WHERE id = ?",
}


class ProblemNotFoundError(NotFoundError):
    code = "problem_not_found"
    default_message = "problem not found"


class ProjectNotFoundError(NotFoundError):
    code = "project_not_found"
    default_message = "project not found"


def integrity_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [sqlite3.IntegrityError]
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return tuple(errors)
    errors.append(psycopg.IntegrityError)
    return tuple(errors)


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Tx:
    conn: Any
    qmark: bool
    at: str = field(default_factory=now_text)
    events: list[tuple[str, str, str, str, dict[str, Any]]] = field(default_factory=list)

    def sql(self, text: str) -> str:
        return text if self.qmark else text.replace("?", "%s")

    def run(self, text: str, params: Sequence[Any] = ()) -> Any:
        return self.conn.execute(self.sql(text), tuple(params))

    def lock(self) -> str:
        """What ends a SELECT of a row about to change (row lock on PostgreSQL)."""
        return "" if self.qmark else " FOR UPDATE"

    def history(
        self, kind: str, item_id: str, actor: str, action: str, note: str, data: dict[str, Any]
    ) -> None:
        self.run(
            "INSERT INTO hc_history (at, item_kind, item_id, actor, action, note, data) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (self.at, kind, item_id, actor, action, note, rows.to_json(data)),
        )

    def event(
        self, channel: str, kind: str, item_id: str, actor: str, payload: dict[str, Any]
    ) -> None:
        self.events.append((channel, kind, item_id, actor, payload))

    def flush(self) -> None:
        for channel, kind, item_id, actor, payload in self.events:
            append_event(
                self.conn,
                qmark=self.qmark,
                channel=channel,
                kind=kind,
                item_id=item_id,
                actor=actor,
                payload=payload,
            )
        self.events.clear()

    # reads inside the transaction -------------------------------------------
    def problem(self, problem_id: str, *, lock: bool = False) -> Problem:
        row = self.run(
            rows.SELECT_PROBLEMS + " WHERE id = ?" + (self.lock() if lock else ""),
            (problem_id,),
        ).fetchone()
        if row is None:
            raise ProblemNotFoundError(f"no problem {problem_id!r}")
        links = self.run(
            "SELECT project_id FROM hc_links WHERE problem_id = ? ORDER BY project_id",
            (problem_id,),
        ).fetchall()
        return rows.problem(row, [str(r[0]) for r in links])

    def project(self, project_id: str, *, lock: bool = False) -> Project:
        row = self.run(
            rows.SELECT_PROJECTS + " WHERE id = ?" + (self.lock() if lock else ""),
            (project_id,),
        ).fetchone()
        if row is None:
            raise ProjectNotFoundError(f"no project {project_id!r}")
        links = self.run(
            "SELECT problem_id FROM hc_links WHERE project_id = ? ORDER BY problem_id",
            (project_id,),
        ).fetchall()
        return rows.project(row, [str(r[0]) for r in links])

    def exists(self, table: Literal["hc_problems", "hc_projects"], item_id: str) -> bool:
        sql = _EXISTS[table]
        return self.run(sql, (item_id,)).fetchone() is not None

    def linked_stages(self, problem_id: str) -> list[str]:
        found = self.run(
            "SELECT j.stage FROM hc_links l JOIN hc_projects j ON j.id = l.project_id "
            "WHERE l.problem_id = ?",
            (problem_id,),
        ).fetchall()
        return [str(r[0]) for r in found]
