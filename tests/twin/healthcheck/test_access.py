"""Who may delete health-check items: admins and planners any, a department editor only
their own department's, district reporters and viewers none."""

from __future__ import annotations

import pytest

from twin.errors import ForbiddenError
from twin.healthcheck.access import PROBLEM_DELETE, PROJECT_DELETE, check_delete
from twin.submissions.principal import Principal


def who(*roles: str, department: str | None = None) -> Principal:
    return Principal("someone", frozenset(roles), department)


@pytest.mark.parametrize("allowed", [PROBLEM_DELETE, PROJECT_DELETE])
@pytest.mark.parametrize(
    ("principal", "department"),
    [
        (who("admin"), "水务局"),
        (who("admin", department="园林局"), "水务局"),
        (who("planner"), "水务局"),
        (who("planner", "department_editor", department="园林局"), "水务局"),
        (who("department_editor", department="水务局"), "水务局"),
    ],
)
def test_admins_planners_and_the_items_own_department_may_delete(
    allowed: tuple[str, ...], principal: Principal, department: str
) -> None:
    check_delete(principal, allowed, "deleting", department)


@pytest.mark.parametrize("allowed", [PROBLEM_DELETE, PROJECT_DELETE])
@pytest.mark.parametrize(
    ("principal", "department"),
    [
        (who("department_editor", department="园林局"), "水务局"),
        (who("department_editor", department="水务局"), ""),
        (who("department_editor"), "水务局"),  # speaks for no department: deletes nothing
        (who("department_editor"), ""),
        (who("district_reporter", department="水务局"), "水务局"),  # may change, never delete
        (who("reviewer"), "水务局"),
        (who("viewer"), "水务局"),
        (who(), "水务局"),
    ],
)
def test_everyone_else_is_refused(
    allowed: tuple[str, ...], principal: Principal, department: str
) -> None:
    with pytest.raises(ForbiddenError):
        check_delete(principal, allowed, "deleting", department)
