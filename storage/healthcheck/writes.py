"""The writes every change path shares (API, report, import, sweep): a problem or a
project saved with its history, its overdue flag and its overlay event, and a project's
links and stage consequences (reaching 竣工 sends linked problems to re-check)."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date
from typing import Any

from storage.healthcheck import rows
from storage.healthcheck.tx import Tx
from twin.errors import InvalidInputError
from twin.healthcheck.lifecycle import AWAITING_RECHECK, check_stage_move, reaches_completion
from twin.healthcheck.records import Problem, Project
from twin.healthcheck.rules import problem_flag, project_flag
from twin.healthcheck.stages import Stages
from twin.healthcheck.wire import problem_feature, project_feature

SYSTEM = "system"
_INTERNAL = frozenset({"id", "photos", "project_ids", "problem_ids", "overdue_flag"})


@dataclass(frozen=True)
class Rules:
    stages: Stages
    today: date


def flag_action(flag: str | None) -> str:
    if flag is None:
        return "flag_cleared"
    return "overdue" if flag.startswith("overdue") else "idle"


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def changes(old: Problem | Project | None, new: Problem | Project) -> dict[str, Any]:
    """The fields of ``new`` that differ from ``old`` (all of them for a new item)."""
    out: dict[str, Any] = {}
    for f in fields(new):
        value = getattr(new, f.name)
        if f.name in _INTERNAL and f.name not in ("problem_ids",):
            continue
        if old is None or getattr(old, f.name) != value:
            out[f.name] = _jsonable(value)
    return out


def last_state(item: Problem | Project) -> dict[str, Any]:
    """Every field of ``item`` as JSON (the history of a deletion keeps what was deleted)."""
    return {f.name: _jsonable(getattr(item, f.name)) for f in fields(item)}


def _flag_history(tx: Tx, kind: str, item_id: str, old: str | None, new: str | None) -> None:
    if old != new:
        tx.history(kind, item_id, SYSTEM, flag_action(new), "", {"flag": new, "previous": old})


def insert_problem(tx: Tx, r: Rules, p: Problem, actor: str, note: str = "") -> Problem:
    p = replace(p, photos=(), project_ids=(), overdue_flag=problem_flag(p, r.today))
    tx.run(
        rows.INSERT_PROBLEM,
        (*rows.problem_params(p, tx.qmark), tx.at, tx.at),
    )
    tx.history("problem", p.id, actor, "created", note, changes(None, p))
    _flag_history(tx, "problem", p.id, None, p.overdue_flag)
    tx.event("problems", "created", p.id, actor, dict(problem_feature(p, r.today)))
    return p


def save_problem(
    tx: Tx,
    r: Rules,
    old: Problem,
    new: Problem,
    actor: str,
    action: str,
    note: str,
    data: dict[str, Any] | None = None,
) -> Problem:
    """Write ``new`` over ``old`` (locked by the caller) with its history and event."""
    new = replace(new, overdue_flag=problem_flag(new, r.today))
    params = rows.problem_params(new, tx.qmark)
    tx.run(
        rows.UPDATE_PROBLEM,
        (*params[1:], tx.at, new.id),
    )
    tx.history("problem", new.id, actor, action, note, changes(old, new) if data is None else data)
    _flag_history(tx, "problem", new.id, old.overdue_flag, new.overdue_flag)
    tx.event("problems", "updated", new.id, actor, dict(problem_feature(new, r.today)))
    return new


def _check_links(tx: Tx, ids: tuple[str, ...]) -> None:
    for problem_id in ids:
        if not tx.exists("hc_problems", problem_id):
            raise InvalidInputError(f"problem_ids: there is no problem {problem_id!r}")


def insert_project(tx: Tx, r: Rules, p: Project, actor: str, note: str = "") -> Project:
    r.stages.get(p.stage)
    _check_links(tx, p.problem_ids)
    complete = r.stages.is_complete(p.stage)
    p = replace(
        p,
        photos=(),
        completed_on=(p.completed_on or r.today) if complete else None,
        overdue_flag=project_flag(p, r.stages, r.today),
    )
    tx.run(
        rows.INSERT_PROJECT,
        (*rows.project_params(p, tx.qmark), tx.at, tx.at),
    )
    tx.history("project", p.id, actor, "created", note, changes(None, p))
    _flag_history(tx, "project", p.id, None, p.overdue_flag)
    tx.event("projects", "created", p.id, actor, dict(project_feature(p, r.stages, r.today)))
    _links(tx, r, p, (), p.problem_ids, completing=complete, actor=actor)
    return p


def save_project(
    tx: Tx,
    r: Rules,
    old: Project,
    new: Project,
    actor: str,
    action: str,
    note: str,
    data: dict[str, Any] | None = None,
) -> Project:
    """Write ``new`` over ``old`` (locked by the caller): a stage move is checked (one
    stage forward) and restarts the stage clock; links are replaced; reaching completion
    sends the linked problems awaiting it to re-check."""
    r.stages.get(new.stage)
    completing = False
    if new.stage != old.stage:
        check_stage_move(old.id, r.stages, old.stage, new.stage)
        completing = reaches_completion(r.stages, old.stage, new.stage)
        new = replace(new, stage_started=r.today)
        if completing:
            new = replace(new, completed_on=r.today)
    if new.problem_ids != old.problem_ids:
        _check_links(tx, new.problem_ids)
    new = replace(new, overdue_flag=project_flag(new, r.stages, r.today))
    params = rows.project_params(new, tx.qmark)
    tx.run(
        rows.UPDATE_PROJECT,
        (*params[1:], tx.at, new.id),
    )
    tx.history("project", new.id, actor, action, note, changes(old, new) if data is None else data)
    _flag_history(tx, "project", new.id, old.overdue_flag, new.overdue_flag)
    tx.event("projects", "updated", new.id, actor, dict(project_feature(new, r.stages, r.today)))
    _links(tx, r, new, old.problem_ids, new.problem_ids, completing=completing, actor=actor)
    return new


def _links(
    tx: Tx,
    r: Rules,
    project: Project,
    before: tuple[str, ...],
    after: tuple[str, ...],
    *,
    completing: bool,
    actor: str,
) -> None:
    added = [i for i in after if i not in before]
    removed = [i for i in before if i not in after]
    for problem_id in removed:
        tx.run(
            "DELETE FROM hc_links WHERE problem_id = ? AND project_id = ?",
            (problem_id, project.id),
        )
    for problem_id in added:
        tx.run(
            "INSERT INTO hc_links (problem_id, project_id) VALUES (?, ?)", (problem_id, project.id)
        )
    touched = set(added) | set(removed) | (set(after) if completing else set())
    for problem_id in sorted(touched):  # one lock order for every writer
        old = tx.problem(problem_id, lock=True)
        new = old
        if completing and problem_id in after and old.status in AWAITING_RECHECK:
            new = replace(old, status="rechecking")
            note = f"project {project.id} reached {r.stages.get(project.stage).zh}: re-check due"
            save_problem(
                tx,
                r,
                old,
                new,
                actor,
                "status",
                note,
                {"status": "rechecking", "from": old.status, "project": project.id},
            )
            continue
        action = "linked" if problem_id in added else "unlinked"
        save_problem(tx, r, old, new, actor, action, "", {"project": project.id})
