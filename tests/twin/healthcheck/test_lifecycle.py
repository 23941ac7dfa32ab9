"""A problem's status once a linked project is deleted."""

from __future__ import annotations

import pytest

from twin.healthcheck.lifecycle import check_status_change, status_after_unlink
from twin.healthcheck.records import PROBLEM_STATUSES, ProblemStatus


@pytest.mark.parametrize("status", PROBLEM_STATUSES)
def test_a_status_stays_while_another_linked_project_has_reached_completion(
    status: ProblemStatus,
) -> None:
    assert status_after_unlink(status, linked_complete=True) == status


@pytest.mark.parametrize(
    ("status", "after"),
    [
        ("open", "open"),
        ("in_progress", "in_progress"),
        ("rechecking", "in_progress"),
        ("closed", "closed"),
    ],
)
def test_rechecking_without_a_completed_project_goes_back_to_in_progress(
    status: ProblemStatus, after: ProblemStatus
) -> None:
    assert status_after_unlink(status, linked_complete=False) == after


def test_the_move_it_makes_is_one_the_state_machine_permits() -> None:
    check_status_change("p1", "rechecking", "in_progress", linked_complete=False)
