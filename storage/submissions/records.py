"""Frozen records of submissions, their history and the departments' opinions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

State = Literal["submitted", "checked", "under_review", "approved", "returned", "rejected"]
Verdict = Literal["agree", "conditional", "disagree", "comment"]
STATES: tuple[State, ...] = (
    "submitted",
    "checked",
    "under_review",
    "approved",
    "returned",
    "rejected",
)
VERDICTS: tuple[Verdict, ...] = ("agree", "conditional", "disagree", "comment")


@dataclass(frozen=True)
class Submission:
    id: str
    project: str
    version: int
    title: str
    layer_id: str
    state: State
    file_name: str
    ifc_key: str
    inputs: Mapping[str, Any] = field(default_factory=dict)  # ruleset, site area, ...
    report: Mapping[str, Any] | None = None
    diff: Mapping[str, Any] | None = None
    bcf_key: str | None = None
    check_error: str | None = None
    previous_id: str | None = None
    created_by: str = ""
    created_at: str = ""
    updated_at: str = ""


@dataclass(frozen=True)
class SubmissionEvent:
    seq: int
    submission_id: str
    at: str
    actor: str
    action: str
    from_state: str | None
    to_state: str | None
    note: str


@dataclass(frozen=True)
class Opinion:
    seq: int
    submission_id: str
    department: str
    author: str
    at: str
    verdict: Verdict
    text: str
    source: Literal["api", "bcf"]
    topic_guid: str | None = None
    comment_guid: str | None = None
    element_ids: tuple[str, ...] = ()
