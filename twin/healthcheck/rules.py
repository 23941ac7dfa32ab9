"""Rules computed at read time from dates: overdue stages and problems, idle land, and
the green/amber/red status of an indicator against its target."""

from __future__ import annotations

from datetime import date, timedelta

from twin.healthcheck.records import Comparison, IndicatorStatus, Problem, Project
from twin.healthcheck.stages import Stages

#: an indicator that misses its target by at most this share of the target is amber
AMBER_SHARE = 0.10


def stage_due(project: Project, stages: Stages) -> date | None:
    """The last day the project may stay in its current stage (None: no limit)."""
    limit = stages.get(project.stage).limit_days
    return None if limit is None else project.stage_started + timedelta(days=limit)


def compute_overdue(project: Project, stages: Stages, today: date) -> bool:
    """The current stage has run longer than its limit (the due day itself is in time)."""
    due = stage_due(project, stages)
    return due is not None and today > due


def one_year_after(day: date) -> date:
    """The anniversary of ``day`` (29 February → 28 February of a common year)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


IDLE_STAGE = "supply"


def is_idle(project: Project, today: date) -> bool:
    """Idle land (闲置): supplied (供地) but not started one year after the agreed start."""
    if project.stage != IDLE_STAGE or project.agreed_start_date is None:
        return False
    return today > one_year_after(project.agreed_start_date)


def problem_overdue(problem: Problem, today: date) -> bool:
    """Past its due date and not closed."""
    return problem.status != "closed" and problem.due_date is not None and today > problem.due_date


def indicator_status(
    value: float | None, target: float | None, comparison: Comparison
) -> IndicatorStatus | None:
    """green: meets the target; amber: misses it by at most 10% of the target; red: else."""
    if target is None or value is None:
        return None
    shortfall = target - value if comparison == ">=" else value - target
    if shortfall <= 0:
        return "green"
    if shortfall <= AMBER_SHARE * abs(target):
        return "amber"
    return "red"


def problem_flag(problem: Problem, today: date) -> str | None:
    """What makes the problem overdue today (announced once by the sweep), or None."""
    if not problem_overdue(problem, today) or problem.due_date is None:
        return None
    return f"overdue:{problem.due_date.isoformat()}"


def project_flag(project: Project, stages: Stages, today: date) -> str | None:
    """What makes the project overdue or idle today, or None; a new stage is a new flag."""
    reasons = []
    if compute_overdue(project, stages, today):
        reasons.append("overdue")
    if is_idle(project, today):
        reasons.append("idle")
    if not reasons:
        return None
    return f"{'+'.join(reasons)}:{project.stage}@{project.stage_started.isoformat()}"
