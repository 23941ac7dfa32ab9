"""Reads of the health-check tables (lists with filters, one item, history)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from storage.catalog.protocol import Catalog
from storage.healthcheck import rows
from storage.healthcheck.tx import Tx
from twin.healthcheck.records import HistoryEntry, IndicatorValue, Problem, Project

_LINKS = "SELECT problem_id, project_id FROM hc_links ORDER BY problem_id, project_id"
BBox = tuple[float, float, float, float]


def _where(filters: list[tuple[str, Any]], bbox: BBox | None) -> tuple[str, list[Any]]:
    clauses = [f"{column} = ?" for column, value in filters if value is not None]
    params = [value for _, value in filters if value is not None]
    if bbox is not None:
        clauses.append("maxx >= ? AND minx <= ? AND maxy >= ? AND miny <= ?")
        params += [bbox[0], bbox[2], bbox[1], bbox[3]]
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


class Reads:
    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self._qmark = catalog.paramstyle == "qmark"

    def _links(self, tx: Tx, column: str) -> dict[str, list[str]]:
        found: dict[str, list[str]] = defaultdict(list)
        by_problem = column == "problem_id"
        for problem_id, project_id in tx.run(_LINKS).fetchall():
            key, value = (problem_id, project_id) if by_problem else (project_id, problem_id)
            found[str(key)].append(str(value))
        return found

    def list_indicators(
        self, *, year: int | None = None, area: str | None = None, code: str | None = None
    ) -> list[IndicatorValue]:
        where, params = _where([("year", year), ("area", area), ("code", code)], None)
        with self._catalog.transaction() as conn:
            tx = Tx(conn, self._qmark)
            found = tx.run(
                rows.SELECT_INDICATORS + where + " ORDER BY code, year, area",
                params,
            ).fetchall()
        return [rows.indicator(r) for r in found]

    def list_problems(
        self,
        *,
        status: str | None = None,
        district: str | None = None,
        department: str | None = None,
        severity: int | None = None,
        bbox: BBox | None = None,
    ) -> list[Problem]:
        filters = [
            ("status", status),
            ("district", district),
            ("department", department),
            ("severity", severity),
        ]
        where, params = _where(filters, bbox)
        with self._catalog.transaction() as conn:
            tx = Tx(conn, self._qmark)
            found = tx.run(rows.SELECT_PROBLEMS + where + " ORDER BY id", params).fetchall()
            links = self._links(tx, "problem_id")
        return [rows.problem(r, links.get(str(r[0]), [])) for r in found]

    def get_problem(self, problem_id: str) -> Problem:
        with self._catalog.transaction() as conn:
            return Tx(conn, self._qmark).problem(problem_id)

    def list_projects(
        self,
        *,
        stage: str | None = None,
        district: str | None = None,
        department: str | None = None,
        bbox: BBox | None = None,
    ) -> list[Project]:
        filters = [("stage", stage), ("district", district), ("department", department)]
        where, params = _where(filters, bbox)
        with self._catalog.transaction() as conn:
            tx = Tx(conn, self._qmark)
            found = tx.run(rows.SELECT_PROJECTS + where + " ORDER BY id", params).fetchall()
            links = self._links(tx, "project_id")
        return [rows.project(r, links.get(str(r[0]), [])) for r in found]

    def get_project(self, project_id: str) -> Project:
        with self._catalog.transaction() as conn:
            return Tx(conn, self._qmark).project(project_id)

    def _history(self, kind: str, item_id: str) -> list[HistoryEntry]:
        with self._catalog.transaction() as conn:
            found = (
                Tx(conn, self._qmark)
                .run(
                    rows.SELECT_HISTORY,
                    (kind, item_id),
                )
                .fetchall()
            )
        return [rows.history(r) for r in found]
