"""States and transitions of a submission (submitted -> checked -> under review ->
approved / returned / rejected), each change recorded with who and when.

``check`` is the system's (after the automatic check); the others are a reviewer's. A
returned submission is answered by a resubmission (a new version of the project);
approved and rejected are final.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.submissions.records import State, Submission
from storage.submissions.store import SubmissionStore
from twin.errors import InvalidInputError
from twin.submissions.principal import SYSTEM, Principal


@dataclass(frozen=True)
class Transition:
    from_states: tuple[State, ...]
    to_state: State
    roles: tuple[str, ...]


TRANSITIONS: dict[str, Transition] = {
    "check": Transition(("submitted",), "checked", ()),
    "start_review": Transition(("checked",), "under_review", ("reviewer",)),
    "approve": Transition(("under_review",), "approved", ("reviewer",)),
    "return": Transition(("checked", "under_review"), "returned", ("reviewer",)),
    "reject": Transition(("checked", "under_review"), "rejected", ("reviewer",)),
}
USER_ACTIONS = tuple(a for a in TRANSITIONS if a != "check")
FINAL: tuple[State, ...] = ("approved", "rejected")


def apply_action(
    store: SubmissionStore, submission_id: str, action: str, who: Principal, note: str = ""
) -> Submission:
    """Apply a reviewer's ``action``; 409 when the submission is not in a state it applies to."""
    if action not in USER_ACTIONS:
        raise InvalidInputError(f"unknown action {action!r} (one of {', '.join(USER_ACTIONS)})")
    rule = TRANSITIONS[action]
    who.require(rule.roles, f"'{action}'")
    if len(note) > 10_000:
        raise InvalidInputError("a note is at most 10,000 characters")
    return store.transition(
        submission_id,
        from_states=rule.from_states,
        to_state=rule.to_state,
        actor=who.user,
        action=action,
        note=note,
    )


def mark_checked(store: SubmissionStore, submission_id: str) -> Submission:
    rule = TRANSITIONS["check"]
    return store.transition(
        submission_id,
        from_states=rule.from_states,
        to_state=rule.to_state,
        actor=SYSTEM,
        action="check",
    )
