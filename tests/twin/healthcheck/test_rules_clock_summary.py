"""Date rules (worked examples a day either side of each limit), the injected clock and the
command-centre summary, without a database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.storage.hc_helpers import problem, project, square
from twin.errors import ConfigError
from twin.healthcheck.clock import fixed_today, local_today
from twin.healthcheck.rules import (
    compute_overdue,
    indicator_status,
    is_idle,
    problem_flag,
    problem_overdue,
    project_flag,
)
from twin.healthcheck.stages import load_stages
from twin.healthcheck.summary import build_summary

STAGES = load_stages()
D = date(2025, 6, 1)


def test_a_365_day_stage_is_in_time_on_its_last_day_and_overdue_the_day_after() -> None:
    j = project(started=D, stage="acquisition")
    assert not compute_overdue(j, STAGES, D + timedelta(days=365))
    assert compute_overdue(j, STAGES, D + timedelta(days=366))
    assert not compute_overdue(project(started=D, stage="completion"), STAGES, D.replace(2040))


@pytest.mark.parametrize(
    ("agreed", "last_day_in_time"),
    [(date(2024, 5, 10), date(2025, 5, 10)), (date(2024, 2, 29), date(2025, 2, 28))],
)
def test_idle_land_is_supplied_land_not_started_a_year_after_the_agreed_start(
    agreed: date, last_day_in_time: date
) -> None:
    j = project(stage="supply", agreed_start_date=agreed)
    assert not is_idle(j, last_day_in_time)
    assert is_idle(j, last_day_in_time + timedelta(days=1))
    started = project(stage="construction", agreed_start_date=agreed)
    assert not is_idle(started, last_day_in_time + timedelta(days=400))
    later = last_day_in_time + timedelta(days=1)
    assert project_flag(j, STAGES, later) == f"idle:supply@{j.stage_started.isoformat()}"


def test_a_problem_is_overdue_the_day_after_it_is_due_and_never_once_closed() -> None:
    x = date(2026, 4, 1)
    p = problem(due_date=x)
    assert not problem_overdue(p, x) and problem_flag(p, x) is None
    assert problem_overdue(p, x + timedelta(days=1))
    assert problem_flag(p, x + timedelta(days=1)) == "overdue:2026-04-01"
    closed = problem(due_date=x, status="closed")
    assert not problem_overdue(closed, x + timedelta(days=1000))
    assert not problem_overdue(problem(due_date=None), x)


def test_indicator_colours_against_the_target() -> None:
    assert indicator_status(35.0, 35.0, ">=") == "green"
    assert indicator_status(32.0, 35.0, ">=") == "amber"  # within 10% of the target
    assert indicator_status(30.0, 35.0, ">=") == "red"
    assert indicator_status(1.05, 1.0, "<=") == "amber"
    assert indicator_status(None, 35.0, ">=") is None


def test_the_clock_gives_the_local_date_of_the_time_zone() -> None:
    shanghai, utc = local_today("Asia/Shanghai")(), datetime.now(UTC).date()
    assert shanghai - utc in (timedelta(0), timedelta(days=1))
    assert fixed_today(D)() == D
    with pytest.raises(ConfigError):
        local_today("Mars/Olympus")


def test_the_summary_counts_per_district_and_orders_flagged_places_by_urgency() -> None:
    today = date(2026, 1, 1)
    problems = [
        problem("a", severity=3),
        problem("b", due_date=date(2025, 12, 1), severity=1),
        problem("c", status="closed", severity=3, district="武昌区"),
    ]
    projects = [
        project("j", started=date(2020, 1, 1), stage="construction", geometry=square(114.0)),
        project(
            "k",
            stage="supply",
            started=today,
            agreed_start_date=date(2024, 1, 1),
            district="武昌区",
        ),
        project("m", stage="completion", started=today),
    ]
    out = build_summary(problems, projects, [], STAGES, today)
    assert out["as_of"] == "2026-01-01"
    assert out["totals"] == {
        "problems_open": 2,
        "problems_overdue": 1,
        "projects_active": 2,
        "projects_overdue": 1,
        "projects_idle": 1,
    }
    assert [(f["kind"], f["id"], f["reason"]) for f in out["flagged"]] == [
        ("project", "j", "overdue"),  # three years late
        ("problem", "b", "overdue"),  # a month late
        ("project", "k", "idle"),
        ("problem", "a", "severity"),
    ]
    assert 114.0 < out["flagged"][0]["lon"] < 114.001
    assert [d["district"] for d in out["districts"]] == ["武昌区", "江岸区"]
    wuchang = build_summary(problems, projects, [], STAGES, today, "武昌区")
    assert wuchang["totals"]["problems_open"] == 0 and wuchang["totals"]["projects_idle"] == 1
