"""Deleting a problem or a project: rows, links, history and overlay events in the caller's
transaction (``HealthStore`` removes the photos once it has committed).

The deleted item's history gets a ``deleted`` entry with its last state (every field, its
links and photo names included) and its overlay event is ``deleted`` with its last feature.
Its history stays: an id deleted and created again has one history with the deletion in it.

Links go with the item; the items at their other end stay:

* a deleted problem's projects each get an ``unlinked`` history entry and an ``updated``
  event (their ``problem_ids`` changed);
* a deleted project's problems are saved without it (``unlinked``, with an ``updated``
  event). One re-checking on the strength of that project alone — no other linked project
  has reached completion — goes back to in_progress (``status`` entry;
  ``twin.healthcheck.lifecycle.status_after_unlink``); every other status stays.

Rows are locked projects first, then problems, the order a project's link changes take them
(``writes._links``), so a deletion and a concurrent change never wait on each other in
opposite orders.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from storage.healthcheck.tx import Tx
from storage.healthcheck.writes import Rules, last_state, save_problem
from twin.errors import ConflictError
from twin.healthcheck.lifecycle import status_after_unlink
from twin.healthcheck.records import Problem, Project
from twin.healthcheck.wire import problem_feature, project_feature

_PROJECT_ROW = "SELECT 1 FROM hc_projects WHERE id = ?"


def _linked_projects(tx: Tx, problem_id: str) -> list[str]:
    found = tx.run(
        "SELECT project_id FROM hc_links WHERE problem_id = ? ORDER BY project_id",
        (problem_id,),
    ).fetchall()
    return [str(r[0]) for r in found]


Allow = Callable[[Problem | Project], None]


def delete_problem_rows(
    tx: Tx, r: Rules, problem_id: str, actor: str, note: str, allow: Allow | None = None
) -> Problem:
    """Delete the problem and its links; return it as it was (404 when there is none).

    ``allow`` sees the locked row before anything is written and may raise (a 403)."""
    linked = _linked_projects(tx, problem_id)
    for project_id in linked:  # projects before the problem (a vanished one locks nothing)
        tx.run(_PROJECT_ROW + tx.lock(), (project_id,))
    old = tx.problem(problem_id, lock=True)
    if allow is not None:
        allow(old)
    if not set(old.project_ids) <= set(linked):  # a link added before the problem's lock
        raise ConflictError(f"problem {problem_id} was linked to a project meanwhile: try again")
    tx.run("DELETE FROM hc_links WHERE problem_id = ?", (problem_id,))
    tx.run("DELETE FROM hc_problems WHERE id = ?", (problem_id,))
    tx.history("problem", problem_id, actor, "deleted", note, last_state(old))
    tx.event("problems", "deleted", problem_id, actor, dict(problem_feature(old, r.today)))
    for project_id in old.project_ids:
        project = tx.project(project_id)  # its links, now without the problem
        data = {"problem": problem_id, "problem_deleted": True}
        tx.history("project", project_id, actor, "unlinked", f"problem {problem_id} deleted", data)
        feature = project_feature(project, r.stages, r.today)
        tx.event("projects", "updated", project_id, actor, dict(feature))
    return old


def delete_project_rows(
    tx: Tx, r: Rules, project_id: str, actor: str, note: str, allow: Allow | None = None
) -> Project:
    """Delete the project and its links, its problems unlinked; return it as it was (404).

    ``allow`` sees the locked row before anything is written and may raise (a 403)."""
    old = tx.project(project_id, lock=True)
    if allow is not None:
        allow(old)
    linked = [tx.problem(i, lock=True) for i in old.problem_ids]  # sorted: one lock order
    tx.run("DELETE FROM hc_links WHERE project_id = ?", (project_id,))
    why = f"project {project_id} deleted"
    for p in linked:
        complete = any(r.stages.is_complete(s) for s in tx.linked_stages(p.id))
        status = status_after_unlink(p.status, linked_complete=complete)
        new = replace(
            p, status=status, project_ids=tuple(j for j in p.project_ids if j != project_id)
        )
        data: dict[str, Any] = {"project": project_id, "project_deleted": True}
        if status != p.status:
            data |= {"status": status, "from": p.status}
            save_problem(tx, r, p, new, actor, "status", f"{why}: no re-check due", data)
        else:
            save_problem(tx, r, p, new, actor, "unlinked", why, data)
    tx.run("DELETE FROM hc_projects WHERE id = ?", (project_id,))
    tx.history("project", project_id, actor, "deleted", note, last_state(old))
    feature = project_feature(old, r.stages, r.today)
    tx.event("projects", "deleted", project_id, actor, dict(feature))
    return old
