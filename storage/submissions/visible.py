"""``VisibleSubmissions``: the submission store as one caller sees it.

A submission whose model layer is in ``hidden`` (restricted layers the caller may not
read) is treated exactly like a missing one: ``get`` and ``transition`` raise
``SubmissionNotFoundError``, ``find`` and ``latest`` leave it out. The domain operations
(``twin.submissions``) check the caller's role before they look a submission up, so a
hidden one answers what a missing one would — 403 for a role that may not act at all,
else 404 — and its existence does not leak. The constructor does no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence

from storage.catalog.protocol import Catalog
from storage.submissions.records import State, Submission
from storage.submissions.store import SubmissionNotFoundError, SubmissionStore


class VisibleSubmissions(SubmissionStore):
    def __init__(self, catalog: Catalog, hidden: frozenset[str]) -> None:
        super().__init__(catalog)
        self.hidden = hidden

    def get(self, submission_id: str) -> Submission:
        sub = super().get(submission_id)
        if sub.layer_id in self.hidden:
            raise SubmissionNotFoundError(f"no submission {submission_id!r}")
        return sub

    def find(self, *, project: str | None = None, state: str | None = None) -> list[Submission]:
        found = super().find(project=project, state=state)
        return [s for s in found if s.layer_id not in self.hidden]

    def latest(self, project: str) -> Submission | None:
        sub = super().latest(project)
        return None if sub is None or sub.layer_id in self.hidden else sub

    def transition(
        self,
        submission_id: str,
        *,
        from_states: Sequence[State],
        to_state: State,
        actor: str,
        action: str,
        note: str = "",
    ) -> Submission:
        self.get(submission_id)  # a hidden one is missing
        return super().transition(
            submission_id,
            from_states=from_states,
            to_state=to_state,
            actor=actor,
            action=action,
            note=note,
        )
