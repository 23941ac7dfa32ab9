"""A caller's view of the submissions: one on a hidden layer is exactly like a missing one."""

from __future__ import annotations

import pytest

from storage.catalog.protocol import Catalog
from storage.submissions.records import Submission
from storage.submissions.store import SubmissionNotFoundError, SubmissionStore
from storage.submissions.visible import VisibleSubmissions


def _add(store: SubmissionStore, sid: str, project: str, version: int, layer: str) -> None:
    sub = Submission(sid, project, version, project, layer, "checked", "m.ifc", f"bim/{sid}")
    store.create(sub, actor="architect")


def test_a_submission_on_a_hidden_layer_is_not_found_listed_latest_or_moved(
    catalog: Catalog,
) -> None:
    everything = SubmissionStore(catalog)
    _add(everything, "tower-v1", "tower", 1, "tower-a")
    _add(everything, "tower-v2", "tower", 2, "tower-b")
    _add(everything, "plaza-v1", "plaza", 1, "plaza-a")
    seen = VisibleSubmissions(catalog, frozenset({"tower-b"}))

    assert {s.id for s in seen.find()} == {"tower-v1", "plaza-v1"}
    assert [s.id for s in seen.find(project="tower")] == ["tower-v1"]
    assert seen.latest("tower") is None  # the project's latest version is the hidden one
    assert seen.get("tower-v1").layer_id == "tower-a"
    with pytest.raises(SubmissionNotFoundError, match="tower-v2"):
        seen.get("tower-v2")
    with pytest.raises(SubmissionNotFoundError):
        seen.transition(
            "tower-v2", from_states=("checked",), to_state="under_review", actor="r", action="x"
        )
    assert everything.get("tower-v2").state == "checked"  # nothing moved
    moved = seen.transition(
        "tower-v1", from_states=("checked",), to_state="under_review", actor="r", action="x"
    )
    assert moved.state == "under_review"
    assert VisibleSubmissions(catalog, frozenset()).latest("tower") == everything.get("tower-v2")
