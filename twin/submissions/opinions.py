"""Opinions of the departments reviewing in parallel (多规合一 parallel review), entered
through the API or imported from the comments of a BCF file."""

from __future__ import annotations

from pathlib import Path

from bim_ingest.review.import_bcf import read_bcf_comments
from storage.submissions.records import VERDICTS, Opinion, Submission
from storage.submissions.store import SubmissionStore
from twin.errors import ConflictError, InvalidInputError
from twin.submissions.principal import Principal

OPINION_ROLES = ("reviewer", "planner", "department_editor")
OPEN_STATES = ("checked", "under_review")


def _open(sub: Submission) -> None:
    if sub.state not in OPEN_STATES:
        raise ConflictError(
            f"submission {sub.id} is {sub.state.replace('_', ' ')}: opinions are taken while it "
            "is checked or under review"
        )


def add_opinion(
    store: SubmissionStore, submission_id: str, who: Principal, verdict: str, text: str
) -> Opinion:
    who.require(OPINION_ROLES, "entering an opinion")
    if verdict not in VERDICTS:
        raise InvalidInputError(f"verdict must be one of {', '.join(VERDICTS)}")
    text = text.strip()
    if not text or len(text) > 20_000:
        raise InvalidInputError("an opinion needs a text of at most 20,000 characters")
    sub = store.get(submission_id)
    _open(sub)
    department = who.department or who.user
    store.add_opinions([Opinion(0, sub.id, department, who.user, "", verdict, text, "api")])
    store.add_event(sub.id, actor=who.user, action="opinion", note=f"{department}: {verdict}")
    return store.opinions(sub.id)[-1]


def import_bcf_comments(
    store: SubmissionStore, submission_id: str, who: Principal, path: Path
) -> int:
    """Attach the comments of a BCF file to the submission; the number newly attached."""
    who.require((*OPINION_ROLES, "submitter"), "importing BCF comments")
    sub = store.get(submission_id)
    _open(sub)
    comments = read_bcf_comments(path)
    department = who.department or who.user
    added = store.add_opinions(
        [
            Opinion(
                0,
                sub.id,
                department,
                c.author or who.user,
                c.date,
                "comment",
                f"[{c.topic_title}] {c.text}",
                "bcf",
                c.topic_guid,
                c.comment_guid,
                c.element_ids,
            )
            for c in comments
            if c.text.strip()
        ]
    )
    store.add_event(sub.id, actor=who.user, action="import_bcf", note=f"{added} comments")
    return added
