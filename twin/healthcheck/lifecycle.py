"""The state machines: a problem's status and a project's stage.

A problem goes open → in_progress → rechecking → closed. Only a passing re-check closes
it, and a re-check needs a linked project that has reached the completing stage (竣工);
a failing re-check sends it back to in_progress. A closed problem stays closed. A project
moves forward one stage at a time (收储 → 供地 → 开工 → 竣工 → 验收); going back or
skipping a stage is refused. Refusals are ``ConflictError`` (HTTP 409).

When a project is deleted its problems lose the link; a problem re-checking on the strength
of that project alone goes back to in_progress (``status_after_unlink``).
"""

from __future__ import annotations

from dataclasses import dataclass

from twin.errors import ConflictError
from twin.healthcheck.records import ProblemStatus
from twin.healthcheck.stages import Stages

#: manual status changes (PATCH); closing is the re-check's alone
_MOVES: dict[ProblemStatus, frozenset[ProblemStatus]] = {
    "open": frozenset({"in_progress", "rechecking"}),
    "in_progress": frozenset({"open", "rechecking"}),
    "rechecking": frozenset({"in_progress"}),
    "closed": frozenset(),
}
_NEEDS_COMPLETION: frozenset[ProblemStatus] = frozenset({"rechecking"})


def check_status_change(
    problem_id: str, current: ProblemStatus, new: ProblemStatus, *, linked_complete: bool
) -> None:
    """Raise ``ConflictError`` unless ``current → new`` is a permitted manual change."""
    if new == current:
        return
    if current == "closed":
        raise ConflictError(f"problem {problem_id} is closed: a closed problem stays closed")
    if new == "closed":
        raise ConflictError(
            f"problem {problem_id} cannot be closed directly: only a passing re-check "
            "(POST /api/problems/{id}/recheck) closes a problem"
        )
    if new not in _MOVES[current]:
        raise ConflictError(f"problem {problem_id} cannot go from {current} to {new}")
    if new in _NEEDS_COMPLETION and not linked_complete:
        raise ConflictError(
            f"problem {problem_id} cannot be re-checked yet: no linked project has reached "
            "completion (竣工)"
        )


@dataclass(frozen=True)
class RecheckOutcome:
    status: ProblemStatus
    action: str  # the history action: recheck_passed or recheck_failed


def recheck_outcome(
    problem_id: str, current: ProblemStatus, passed: bool, *, linked_complete: bool
) -> RecheckOutcome:
    """The status after a re-check; refused when closed or before a linked project completes."""
    if current == "closed":
        raise ConflictError(f"problem {problem_id} is already closed")
    if not linked_complete:
        raise ConflictError(
            f"problem {problem_id} cannot be re-checked before a linked project reaches "
            "completion (竣工)"
        )
    if passed:
        return RecheckOutcome("closed", "recheck_passed")
    return RecheckOutcome("in_progress", "recheck_failed")


def check_stage_move(project_id: str, stages: Stages, current: str, new: str) -> None:
    """Raise ``ConflictError`` unless ``new`` is ``current`` or the stage right after it."""
    here, there = stages.index(current), stages.index(new)
    if there == here:
        return
    if there < here:
        raise ConflictError(
            f"project {project_id} cannot go back from {stages.get(current).zh} ({current}) "
            f"to {stages.get(new).zh} ({new})"
        )
    if there > here + 1:
        skipped = stages.stages[here + 1]
        raise ConflictError(
            f"project {project_id} cannot skip {skipped.zh} ({skipped.code}): stages are "
            "passed one at a time"
        )


def reaches_completion(stages: Stages, current: str, new: str) -> bool:
    """Moving ``current → new`` completes the project (it was not complete before)."""
    return stages.is_complete(new) and not stages.is_complete(current)


#: statuses a problem leaves for rechecking when a linked project completes
AWAITING_RECHECK: frozenset[ProblemStatus] = frozenset({"open", "in_progress"})


def status_after_unlink(current: ProblemStatus, *, linked_complete: bool) -> ProblemStatus:
    """A problem's status once a linked project is deleted; ``linked_complete``: one of the
    projects still linked has reached completion.

    Re-checking needs a completed linked project (as for a manual move to rechecking), so a
    problem rechecking with none left goes back to in_progress: work on it was under way,
    which is also where a failing re-check leaves it, and rechecking → in_progress is a
    permitted move. Every other status stays (open and in_progress need no project; a closed
    problem stays closed)."""
    if current == "rechecking" and not linked_complete:
        return "in_progress"
    return current
