"""Who may change health-check data: roles per action, and the department rule.

A ``department_editor`` or ``district_reporter`` whose principal names a department may
change only items of that department (a new item without a department becomes theirs).
``admin`` passes everything, and so does a role of the action that is not department-bound
(a planner, a reviewer).

Deleting a problem or a project is stricter than changing one: planners and admins may
delete any; a ``department_editor`` only an item of the department their principal names
(one whose principal names no department deletes nothing); a ``district_reporter``, who may
change a problem, never deletes.
"""

from __future__ import annotations

from collections.abc import Sequence

from twin.errors import ForbiddenError
from twin.submissions.principal import Principal

INDICATOR_WRITE = ("planner", "department_editor")
IMPORT = ("planner", "department_editor")
PROBLEM_CREATE = ("planner", "department_editor")
PROBLEM_UPDATE = ("planner", "department_editor", "district_reporter")
RECHECK = ("planner", "reviewer")
PROJECT_WRITE = ("planner", "department_editor")
PROGRESS = ("district_reporter", "department_editor", "planner")
PROBLEM_DELETE = ("planner", "department_editor")
PROJECT_DELETE = ("planner", "department_editor")
SWEEP = ("admin",)
DEPARTMENT_BOUND = frozenset({"department_editor", "district_reporter"})


def _unbound(who: Principal, allowed: Sequence[str]) -> bool:
    """An admin, or a role of the action that is not department-bound (a planner)."""
    return "admin" in who.roles or bool((set(allowed) - DEPARTMENT_BOUND) & who.roles)


def bound_department(who: Principal, allowed: Sequence[str]) -> str | None:
    """The department ``who`` is limited to for this action, or None (not limited)."""
    if _unbound(who, allowed) or not who.department:
        return None
    return who.department


def check_department(who: Principal, allowed: Sequence[str], what: str, *departments: str) -> None:
    """Raise ``ForbiddenError`` when ``who`` is limited to a department and any of
    ``departments`` (the item's, before and after the change) is another one."""
    mine = bound_department(who, allowed)
    if mine is None:
        return
    for department in departments:
        if department != mine:
            raise ForbiddenError(
                f"{what}: {who.user} may change only items of {mine}, not of "
                f"{department or 'no department'}"
            )


def check_delete(who: Principal, allowed: Sequence[str], what: str, department: str) -> None:
    """Raise ``ForbiddenError`` unless ``who`` may delete an item of ``department``: a role
    of ``allowed`` that is not department-bound (or admin) deletes any item, a
    department-bound one only an item of the department ``who`` names."""
    who.require(allowed, what)
    if _unbound(who, allowed):
        return
    if not who.department:
        raise ForbiddenError(f"{what}: {who.user} speaks for no department")
    if department != who.department:
        raise ForbiddenError(
            f"{what}: {who.user} may delete only items of {who.department}, not of "
            f"{department or 'no department'}"
        )
