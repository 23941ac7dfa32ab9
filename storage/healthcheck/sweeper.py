"""The daily sweep: overdue and idle flags raised or cleared since the last sweep.

Each flag change is its own transaction: a compare-and-set on ``overdue_flag``
(``UPDATE ... WHERE overdue_flag IS NOT DISTINCT FROM <what was read>``), then, only when
that update changed the row, the history entry (actor ``system``) and an ``updated``
overlay event. Two workers sweeping at once announce every change exactly once, and a
second sweep of the same day finds nothing to do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from storage.catalog.protocol import Catalog
from storage.healthcheck.tx import Tx
from storage.healthcheck.writes import SYSTEM, flag_action
from twin.healthcheck.records import Problem, Project
from twin.healthcheck.rules import problem_flag, project_flag
from twin.healthcheck.stages import Stages
from twin.healthcheck.wire import FlagChange, SweepResult, problem_feature, project_feature

_CAS = "UPDATE {table} SET overdue_flag = ? WHERE id = ? AND overdue_flag IS NOT DISTINCT FROM ?"


def _problem(catalog: Catalog, p: Problem, flag: str | None, today: date) -> bool:
    with catalog.transaction() as conn:
        tx = Tx(conn, catalog.paramstyle == "qmark")
        done = tx.run(_CAS.format(table="hc_problems"), (flag, p.id, p.overdue_flag))
        if done.rowcount != 1:
            return False  # another worker (or a change) got there first
        now = replace(tx.problem(p.id), overdue_flag=flag)
        data = {"flag": flag, "previous": p.overdue_flag}
        tx.history("problem", p.id, SYSTEM, flag_action(flag), "", data)
        tx.event("problems", "updated", p.id, SYSTEM, dict(problem_feature(now, today)))
        tx.flush()
    return True


def _project(catalog: Catalog, j: Project, flag: str | None, stages: Stages, today: date) -> bool:
    with catalog.transaction() as conn:
        tx = Tx(conn, catalog.paramstyle == "qmark")
        done = tx.run(_CAS.format(table="hc_projects"), (flag, j.id, j.overdue_flag))
        if done.rowcount != 1:
            return False
        now = replace(tx.project(j.id), overdue_flag=flag)
        data = {"flag": flag, "previous": j.overdue_flag}
        tx.history("project", j.id, SYSTEM, flag_action(flag), "", data)
        tx.event("projects", "updated", j.id, SYSTEM, dict(project_feature(now, stages, today)))
        tx.flush()
    return True


def sweep_all(
    catalog: Catalog,
    stages: Stages,
    today: date,
    problems: Sequence[Problem],
    projects: Sequence[Project],
) -> SweepResult:
    result = SweepResult(as_of=today.isoformat(), raised=[], cleared=[])

    def note(kind: str, item_id: str, flag: str | None) -> None:
        change = FlagChange(
            kind="problem" if kind == "problem" else "project",
            id=item_id,
            action=flag_action(flag),
            flag=flag,
        )
        (result["cleared"] if flag is None else result["raised"]).append(change)

    for p in problems:
        flag = problem_flag(p, today)
        if flag != p.overdue_flag and _problem(catalog, p, flag, today):
            note("problem", p.id, flag)
    for j in projects:
        flag = project_flag(j, stages, today)
        if flag != j.overdue_flag and _project(catalog, j, flag, stages, today):
            note("project", j.id, flag)
    return result
