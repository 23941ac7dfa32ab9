"""The submissions store: SQL shared by SQLite and PostGIS through the catalog's
``transaction()``. Every write is one transaction; a state change is a compare-and-set
(``UPDATE ... WHERE state = expected``), so two reviewers cannot both move a submission."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from storage.catalog.protocol import Catalog
from storage.submissions.records import Opinion, State, Submission, SubmissionEvent
from twin.errors import ConflictError, NotFoundError

_INSERT = (
    "INSERT INTO submissions (id, project, version, title, layer_id, state, file_name, ifc_key, "
    "inputs, report, diff, bcf_key, check_error, previous_id, created_by, created_at, updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_SELECT = (
    "SELECT id, project, version, title, layer_id, state, file_name, ifc_key, inputs, report, "
    "diff, bcf_key, check_error, previous_id, created_by, created_at, updated_at FROM submissions "
)
_GET = _SELECT + "WHERE id = ?"
_FIND = (
    _SELECT + "WHERE (CAST(? AS TEXT) IS NULL OR project = ?) "
    "AND (CAST(? AS TEXT) IS NULL OR state = ?) ORDER BY project, version"
)
_LATEST = _SELECT + "WHERE project = ? ORDER BY version DESC LIMIT 1"


class SubmissionNotFoundError(NotFoundError):
    code = "submission_not_found"
    default_message = "submission not found"


def _now() -> datetime:
    return datetime.now(UTC)


def _text_time(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return str(value)


def _json(value: Any) -> Any:
    if value is None or isinstance(value, dict | list):
        return value
    return json.loads(value)


def _integrity_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [sqlite3.IntegrityError]
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return tuple(errors)
    errors.append(psycopg.IntegrityError)
    return tuple(errors)


class SubmissionStore:
    """Submissions in the catalog's database; the constructor does no I/O."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self._qmark = catalog.paramstyle == "qmark"
        self._integrity = _integrity_errors()

    def _sql(self, sql: str) -> str:
        return sql if self._qmark else sql.replace("?", "%s")

    @contextmanager
    def _tx(self) -> Iterator[Any]:
        with self._catalog.transaction() as conn:
            yield conn

    def _stamp(self) -> Any:
        now = _now()
        return _text_time(now) if self._qmark else now

    # submissions ------------------------------------------------------------
    def create(self, s: Submission, *, actor: str, note: str = "") -> Submission:
        """Insert a new submission (state submitted) with its first event."""
        now = self._stamp()
        with self._tx() as conn:
            try:
                conn.execute(
                    self._sql(_INSERT),
                    (
                        s.id,
                        s.project,
                        s.version,
                        s.title,
                        s.layer_id,
                        s.state,
                        s.file_name,
                        s.ifc_key,
                        json.dumps(dict(s.inputs), ensure_ascii=False),
                        None,
                        None,
                        None,
                        None,
                        s.previous_id,
                        actor,
                        now,
                        now,
                    ),
                )
            except self._integrity:
                raise ConflictError(f"submission {s.id} already exists") from None
            self._event(conn, s.id, actor, "submit", None, s.state, note, now)
        return self.get(s.id)

    def get(self, submission_id: str) -> Submission:
        with self._tx() as conn:
            row = conn.execute(self._sql(_GET), (submission_id,)).fetchone()
        if row is None:
            raise SubmissionNotFoundError(f"no submission {submission_id!r}")
        return _submission(row)

    def find(self, *, project: str | None = None, state: str | None = None) -> list[Submission]:
        with self._tx() as conn:
            rows = conn.execute(self._sql(_FIND), (project, project, state, state)).fetchall()
        return [_submission(r) for r in rows]

    def latest(self, project: str) -> Submission | None:
        with self._tx() as conn:
            row = conn.execute(self._sql(_LATEST), (project,)).fetchone()
        return _submission(row) if row is not None else None

    def transition(
        self,
        submission_id: str,
        *,
        from_states: Sequence[State],
        to_state: State,
        actor: str,
        action: str,
        note: str = "",
    ) -> Submission:
        """Move to ``to_state`` if the submission is in one of ``from_states`` (else 409)."""
        now = self._stamp()
        with self._tx() as conn:
            row = conn.execute(
                self._sql("SELECT state FROM submissions WHERE id = ?"), (submission_id,)
            ).fetchone()
            if row is None:
                raise SubmissionNotFoundError(f"no submission {submission_id!r}")
            current = str(row[0])
            done = None
            if current in from_states:  # compare-and-set against the state just read
                done = conn.execute(
                    self._sql(
                        "UPDATE submissions SET state = ?, updated_at = ? "
                        "WHERE id = ? AND state = ?"
                    ),
                    (to_state, now, submission_id, current),
                )
            if done is None or done.rowcount != 1:
                raise ConflictError(
                    f"cannot {action.replace('_', ' ')} submission {submission_id}: it is "
                    f"{current.replace('_', ' ')}"
                )
            self._event(conn, submission_id, actor, action, current, to_state, note, now)
        return self.get(submission_id)

    def record_check(
        self,
        submission_id: str,
        *,
        report: dict[str, Any] | None,
        diff: dict[str, Any] | None,
        bcf_key: str | None,
        error: str | None,
    ) -> None:
        now = self._stamp()
        with self._tx() as conn:
            conn.execute(
                self._sql(
                    "UPDATE submissions SET report = ?, diff = ?, bcf_key = ?, check_error = ?, "
                    "updated_at = ? WHERE id = ?"
                ),
                (
                    json.dumps(report, ensure_ascii=False) if report is not None else None,
                    json.dumps(diff, ensure_ascii=False) if diff is not None else None,
                    bcf_key,
                    error,
                    now,
                    submission_id,
                ),
            )
            if error is not None:
                self._event(conn, submission_id, "system", "check_failed", None, None, error, now)

    # history ---------------------------------------------------------------
    def _event(
        self,
        conn: Any,
        submission_id: str,
        actor: str,
        action: str,
        from_state: str | None,
        to_state: str | None,
        note: str,
        at: Any,
    ) -> None:
        conn.execute(
            self._sql(
                "INSERT INTO submission_events (submission_id, at, actor, action, from_state, "
                "to_state, note) VALUES (?, ?, ?, ?, ?, ?, ?)"
            ),
            (submission_id, at, actor, action, from_state, to_state, note),
        )

    def add_event(self, submission_id: str, *, actor: str, action: str, note: str = "") -> None:
        with self._tx() as conn:
            self._event(conn, submission_id, actor, action, None, None, note, self._stamp())

    def events(self, submission_id: str) -> list[SubmissionEvent]:
        with self._tx() as conn:
            rows = conn.execute(
                self._sql(
                    "SELECT seq, submission_id, at, actor, action, from_state, to_state, note "
                    "FROM submission_events WHERE submission_id = ? ORDER BY seq"
                ),
                (submission_id,),
            ).fetchall()
        return [
            SubmissionEvent(
                int(r[0]), str(r[1]), _text_time(r[2]), str(r[3]), str(r[4]), r[5], r[6], str(r[7])
            )
            for r in rows
        ]

    # opinions --------------------------------------------------------------
    def add_opinions(self, opinions: Sequence[Opinion]) -> int:
        """Insert opinions; ones already imported (same comment GUID) are skipped."""
        if not opinions:
            return 0
        added = 0
        now = self._stamp()
        with self._tx() as conn:
            for o in opinions:
                if o.comment_guid is not None:
                    seen = conn.execute(
                        self._sql(
                            "SELECT 1 FROM submission_opinions "
                            "WHERE submission_id = ? AND comment_guid = ?"
                        ),
                        (o.submission_id, o.comment_guid),
                    ).fetchone()
                    if seen is not None:
                        continue
                conn.execute(
                    self._sql(
                        "INSERT INTO submission_opinions (submission_id, department, author, at, "
                        "verdict, text, source, topic_guid, comment_guid, element_ids) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    ),
                    (
                        o.submission_id,
                        o.department,
                        o.author,
                        o.at or now,
                        o.verdict,
                        o.text,
                        o.source,
                        o.topic_guid,
                        o.comment_guid,
                        json.dumps(list(o.element_ids)),
                    ),
                )
                added += 1
        return added

    def opinions(self, submission_id: str) -> list[Opinion]:
        with self._tx() as conn:
            rows = conn.execute(
                self._sql(
                    "SELECT seq, submission_id, department, author, at, verdict, text, source, "
                    "topic_guid, comment_guid, element_ids FROM submission_opinions "
                    "WHERE submission_id = ? ORDER BY seq"
                ),
                (submission_id,),
            ).fetchall()
        return [
            Opinion(
                int(r[0]),
                str(r[1]),
                str(r[2]),
                str(r[3]),
                _text_time(r[4]),
                r[5],
                str(r[6]),
                r[7],
                r[8],
                r[9],
                tuple(_json(r[10]) or ()),
            )
            for r in rows
        ]


def _submission(r: Sequence[Any]) -> Submission:
    return Submission(
        id=str(r[0]),
        project=str(r[1]),
        version=int(r[2]),
        title=str(r[3]),
        layer_id=str(r[4]),
        state=r[5],
        file_name=str(r[6]),
        ifc_key=str(r[7]),
        inputs=_json(r[8]) or {},
        report=_json(r[9]),
        diff=_json(r[10]),
        bcf_key=r[11],
        check_error=r[12],
        previous_id=r[13],
        created_by=str(r[14]),
        created_at=_text_time(r[15]),
        updated_at=_text_time(r[16]),
    )
