"""The health-check store: indicators, problems and projects in the catalog's database.

Every write is one transaction that changes the rows, appends ``hc_history`` and the
overlay events (``storage.overlays.outbox``): all of it commits, or none of it. Rows about
to change are read ``FOR UPDATE`` on PostgreSQL (SQLite writers are serialised), so a
status or stage check and its update see the same row.

A deletion (``delete_problem``, ``delete_project``; the rules in
``storage.healthcheck.deletes``) commits its rows, history and events first; only then are
the item's photos removed from the object store, best effort (a failure is logged and leaves
an unreferenced object, never a row naming a missing photo).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from typing import Any, Literal

from storage.catalog.protocol import Catalog
from storage.healthcheck import photos as ph
from storage.healthcheck import rows
from storage.healthcheck.deletes import Allow, delete_problem_rows, delete_project_rows
from storage.healthcheck.reads import Reads
from storage.healthcheck.sweeper import sweep_all
from storage.healthcheck.tx import (
    ProblemNotFoundError,
    ProjectNotFoundError,
    Tx,
    integrity_errors,
)
from storage.healthcheck.writes import (
    Rules,
    insert_problem,
    insert_project,
    save_problem,
    save_project,
)
from storage.objects.protocol import ObjectStore
from twin.errors import ConflictError, InvalidInputError, NotFoundError
from twin.healthcheck.build_items import (
    PROBLEM_FIELDS,
    PROJECT_FIELDS,
    patch_problem,
    patch_project,
)
from twin.healthcheck.lifecycle import check_status_change, recheck_outcome
from twin.healthcheck.records import HistoryEntry, IndicatorValue, Problem, Project
from twin.healthcheck.stages import Stages
from twin.healthcheck.summary import SummaryOut, build_summary
from twin.healthcheck.wire import ImportCounts, SweepResult, indicator_out

__all__ = ["HealthStore", "ProblemNotFoundError", "ProjectNotFoundError"]

DEFAULT_MAX_PHOTO_MB = 20
log = logging.getLogger("storage.healthcheck")


def _unknown(fields: Mapping[str, Any], allowed: Sequence[str]) -> None:
    extra = sorted(set(fields) - set(allowed))
    if extra:
        raise InvalidInputError(f"{extra[0]}: not a field that can be changed", column=extra[0])


class HealthStore(Reads):
    """Health-check data; the constructor does no I/O."""

    def __init__(
        self,
        catalog: Catalog,
        objects: ObjectStore,
        stages: Stages,
        today: Callable[[], date],
        *,
        max_photo_mb: int = DEFAULT_MAX_PHOTO_MB,
    ) -> None:
        super().__init__(catalog)
        self._objects = objects
        self.stages = stages
        self.today = today
        self._max_photo_mb = max_photo_mb
        self._integrity = integrity_errors()

    @contextmanager
    def _write(self) -> Iterator[tuple[Tx, Rules]]:
        with self._catalog.transaction() as conn:
            tx = Tx(conn, self._qmark)
            try:
                yield tx, Rules(self.stages, self.today())
                tx.flush()
            except self._integrity:
                # e.g. a link to an item that another request deleted meanwhile: the
                # whole change rolls back, and the caller reads again and retries
                raise ConflictError(
                    "the data changed meanwhile (an item it refers to is gone): read it "
                    "again and retry"
                ) from None

    # indicators -------------------------------------------------------------
    def upsert_indicators(self, values: Sequence[IndicatorValue], actor: str) -> int:
        """Insert or replace values by (code, year, area); return how many changed."""
        with self._write() as (tx, _):
            return _upsert_indicators(tx, values, actor)

    # problems ---------------------------------------------------------------
    def create_problem(self, p: Problem, actor: str) -> Problem:
        with self._write() as (tx, r):
            if tx.exists("hc_problems", p.id):
                raise ConflictError(f"problem {p.id} already exists")
            try:
                insert_problem(tx, r, p, actor)
            except self._integrity:
                raise ConflictError(f"problem {p.id} already exists") from None
        return self.get_problem(p.id)

    def update_problem(
        self, problem_id: str, fields: Mapping[str, Any], actor: str, note: str = ""
    ) -> Problem:
        _unknown(fields, PROBLEM_FIELDS)
        with self._write() as (tx, r):
            old = tx.problem(problem_id, lock=True)
            new = patch_problem(old, fields)
            complete = any(self.stages.is_complete(s) for s in tx.linked_stages(problem_id))
            check_status_change(problem_id, old.status, new.status, linked_complete=complete)
            return save_problem(tx, r, old, new, actor, "updated", note)

    def recheck_problem(self, problem_id: str, passed: bool, actor: str, note: str) -> Problem:
        """Re-check after a linked project completed: pass closes, fail → in_progress."""
        with self._write() as (tx, r):
            old = tx.problem(problem_id, lock=True)
            complete = any(self.stages.is_complete(s) for s in tx.linked_stages(problem_id))
            outcome = recheck_outcome(problem_id, old.status, passed, linked_complete=complete)
            new = replace(old, status=outcome.status)
            data = {"passed": passed, "status": outcome.status, "from": old.status}
            return save_problem(tx, r, old, new, actor, outcome.action, note, data)

    def delete_problem(
        self, problem_id: str, actor: str, note: str = "", *, allow: Allow | None = None
    ) -> Problem:
        """Delete a problem (its projects stay, unlinked); return it as it was. ``allow``
        judges the locked row (the caller's right to delete it) before anything is written."""
        with self._write() as (tx, r):
            gone = delete_problem_rows(tx, r, problem_id, actor, note, allow)
        self._drop_photos("problems", gone.id, gone.photos)
        return gone

    # projects ---------------------------------------------------------------
    def create_project(self, p: Project, actor: str) -> Project:
        with self._write() as (tx, r):
            if tx.exists("hc_projects", p.id):
                raise ConflictError(f"project {p.id} already exists")
            try:
                insert_project(tx, r, p, actor)
            except self._integrity:
                raise ConflictError(f"project {p.id} already exists") from None
        return self.get_project(p.id)

    def update_project(
        self, project_id: str, fields: Mapping[str, Any], actor: str, note: str = ""
    ) -> Project:
        _unknown(fields, PROJECT_FIELDS)
        with self._write() as (tx, r):
            old = tx.project(project_id, lock=True)
            new = patch_project(old, fields)
            return save_project(tx, r, old, new, actor, "updated", note)

    def report_progress(
        self, project_id: str, *, stage: str | None, percent: int | None, note: str, actor: str
    ) -> Project:
        """A progress report (远程填报) from the field: stage and/or percent, and a note."""
        if percent is not None and not 0 <= percent <= 100:
            raise InvalidInputError("percent: must be a whole number from 0 to 100")
        if stage is None and percent is None and not note.strip():
            raise InvalidInputError("a progress report needs a stage, a percent or a note")
        with self._write() as (tx, r):
            old = tx.project(project_id, lock=True)
            new = replace(
                old,
                stage=old.stage if stage is None else stage,
                percent=old.percent if percent is None else percent,
            )
            data: dict[str, Any] = {"stage": new.stage, "percent": new.percent}
            if new.stage != old.stage:
                data["from_stage"] = old.stage
            return save_project(tx, r, old, new, actor, "progress", note, data)

    def delete_project(
        self, project_id: str, actor: str, note: str = "", *, allow: Allow | None = None
    ) -> Project:
        """Delete a project (its problems stay, unlinked; one re-checking on the strength
        of this project alone goes back to in_progress); return it as it was. ``allow`` as
        for ``delete_problem``."""
        with self._write() as (tx, r):
            gone = delete_project_rows(tx, r, project_id, actor, note, allow)
        self._drop_photos("projects", gone.id, gone.photos)
        return gone

    # photos -----------------------------------------------------------------
    def add_photo(
        self,
        kind: Literal["problems", "projects"],
        item_id: str,
        name: str,
        data: bytes,
        actor: str,
    ) -> str:
        """Store a photo (object first, then the row naming it); return its stored name."""
        stored, content_type = ph.check_photo(name, data, self._max_photo_mb)
        key = ph.photo_key(kind, item_id, stored)
        self._get(kind, item_id)  # 404 before anything is stored
        self._objects.put_bytes(key, data, content_type=content_type)
        try:
            with self._write() as (tx, r):
                meta = {"photos": [stored], "name": name, "bytes": len(data)}
                if kind == "problems":
                    old_p = tx.problem(item_id, lock=True)
                    new_p = replace(old_p, photos=(*old_p.photos, stored))
                    save_problem(tx, r, old_p, new_p, actor, "photo", "", meta)
                else:
                    old_j = tx.project(item_id, lock=True)
                    new_j = replace(old_j, photos=(*old_j.photos, stored))
                    save_project(tx, r, old_j, new_j, actor, "photo", "", meta)
        except BaseException:  # e.g. the item deleted meanwhile: no row names the object
            self._drop_photos(kind, item_id, (stored,))
            raise
        return stored

    def _drop_photos(
        self, kind: Literal["problems", "projects"], item_id: str, names: Sequence[str]
    ) -> None:
        """Remove photo objects, best effort: a failure is logged, never raised."""
        for name in names:
            try:
                self._objects.delete(ph.photo_key(kind, item_id, name))
            except Exception:
                log.warning("photo %s of %s %s not deleted", name, kind, item_id, exc_info=True)

    def open_photo(
        self, kind: Literal["problems", "projects"], item_id: str, name: str
    ) -> tuple[bytes, str]:
        key = ph.photo_key(kind, item_id, name)
        item = self._get(kind, item_id)
        if name not in item.photos:
            raise NotFoundError(f"{kind[:-1]} {item_id} has no photo {name!r}")
        return self._objects.get_bytes(key), ph.content_type_of(name)

    def _get(self, kind: str, item_id: str) -> Problem | Project:
        if kind == "problems":
            return self.get_problem(item_id)
        if kind == "projects":
            return self.get_project(item_id)
        raise InvalidInputError(f"photos belong to problems or projects, not {kind!r}")

    # import, sweep, summary -------------------------------------------------
    def import_batch(
        self,
        indicators: Sequence[IndicatorValue],
        problems: Sequence[Problem],
        projects: Sequence[Project],
        actor: str,
    ) -> ImportCounts:
        """All or nothing, in one transaction: upsert by key/id; links from problem_ids."""
        with self._write() as (tx, r):
            n = _upsert_indicators(tx, indicators, actor)
            for p in problems:
                if tx.exists("hc_problems", p.id):
                    old = tx.problem(p.id, lock=True)
                    new = replace(p, photos=old.photos, project_ids=old.project_ids)
                    complete = any(self.stages.is_complete(s) for s in tx.linked_stages(p.id))
                    check_status_change(p.id, old.status, new.status, linked_complete=complete)
                    save_problem(tx, r, old, new, actor, "imported", "")
                else:
                    insert_problem(tx, r, p, actor, "imported")
            for j in projects:
                if tx.exists("hc_projects", j.id):
                    old_j = tx.project(j.id, lock=True)
                    new_j = replace(
                        j,
                        photos=old_j.photos,
                        completed_on=old_j.completed_on,
                        stage_started=old_j.stage_started
                        if j.stage == old_j.stage
                        else j.stage_started,
                    )
                    save_project(tx, r, old_j, new_j, actor, "imported", "")
                else:
                    insert_project(tx, r, j, actor, "imported")
        return ImportCounts(indicators=n, problems=len(problems), projects=len(projects))

    def sweep(self) -> SweepResult:
        """Raise or clear the overdue/idle flags that changed since the last sweep."""
        return sweep_all(
            self._catalog, self.stages, self.today(), self.list_problems(), self.list_projects()
        )

    def summary(self, district: str | None = None) -> SummaryOut:
        return build_summary(
            self.list_problems(),
            self.list_projects(),
            self.list_indicators(),
            self.stages,
            self.today(),
            district,
        )

    def history(self, kind: Literal["problem", "project"], item_id: str) -> list[HistoryEntry]:
        self._get(f"{kind}s", item_id)
        return self._history(kind, item_id)


def _upsert_indicators(tx: Tx, values: Sequence[IndicatorValue], actor: str) -> int:
    changed = 0
    for v in values:
        row = tx.run(
            rows.SELECT_INDICATORS + " WHERE code = ? AND year = ? AND area = ?" + tx.lock(),
            (v.code, v.year, v.area),
        ).fetchone()
        old = rows.indicator(row) if row is not None else None
        if old == v:
            continue
        tx.run(
            rows.UPSERT_INDICATOR,
            (*rows.indicator_params(v), tx.at, actor),
        )
        kind = "created" if old is None else "updated"
        data = {"value": v.value, "target": v.target, "year": v.year, "area": v.area}
        tx.history("indicator", v.key, actor, kind, "", data)
        tx.event("indicators", kind, v.key, actor, dict(indicator_out(v)))
        changed += 1
    return changed
