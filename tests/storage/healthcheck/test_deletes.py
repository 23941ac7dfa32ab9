"""Deleting problems and projects on both catalogs: rows and links go, the other end of a
link stays (a problem re-checking on a deleted project alone goes back to in_progress),
history keeps the last state, the overlays hear ``deleted``, photos go after the commit,
a refused or failed delete changes nothing, and a deleted id can be used again."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from storage.catalog.protocol import Catalog
from storage.healthcheck.store import HealthStore
from storage.healthcheck.writes import last_state
from storage.objects.protocol import ObjectStore
from tests.storage.hc_helpers import JPEG, PNG, Clock, counts, events, problem, project, snapshot
from twin.errors import ConflictError, ForbiddenError, NotFoundError, StorageError
from twin.healthcheck.records import Problem, Project
from twin.healthcheck.wire import problem_feature, project_feature


def _last_event(catalog: Catalog) -> tuple[str, str, dict[str, Any]]:
    with catalog.transaction() as conn:
        row = conn.execute(
            "SELECT kind, actor, payload FROM overlay_events ORDER BY seq DESC"
        ).fetchone()
    payload = row[2] if isinstance(row[2], dict) else json.loads(row[2])
    return str(row[0]), str(row[1]), payload


def _photos(objects: ObjectStore) -> list[str]:
    return sorted(o.key for o in objects.list("healthcheck/"))


def test_deleting_a_problem_removes_it_and_its_links_and_keeps_its_projects(
    store: HealthStore, catalog: Catalog, clock: Clock
) -> None:
    store.create_problem(problem("p1"), "planner1")
    store.create_problem(problem("p2"), "planner1")
    store.create_project(project("j1", problem_ids=("p1", "p2")), "planner1")
    store.create_project(project("j2", problem_ids=("p1",)), "planner1")
    before = store.get_problem("p1")
    seq = counts(catalog)["overlay_events"]

    gone = store.delete_problem("p1", "planner2", "duplicate of p2")

    assert gone == before
    with pytest.raises(NotFoundError):
        store.get_problem("p1")
    assert [p.id for p in store.list_problems()] == ["p2"]
    assert store.get_project("j1").problem_ids == ("p2",)
    assert store.get_project("j2").problem_ids == ()
    assert counts(catalog)["hc_links"] == 1
    assert events(catalog, seq) == [
        ("problems", "deleted", "p1"),
        ("projects", "updated", "j1"),
        ("projects", "updated", "j2"),
    ]
    kind, actor, payload = _last_event(catalog)
    assert (kind, actor) == ("updated", "planner2")
    assert payload == dict(project_feature(store.get_project("j2"), store.stages, clock.day))
    with catalog.transaction() as conn:  # the deleted event carries the last feature
        row = conn.execute("SELECT payload FROM overlay_events WHERE kind = 'deleted'").fetchone()
    deleted = row[0] if isinstance(row[0], dict) else json.loads(row[0])
    assert deleted == dict(problem_feature(before, clock.day))
    with catalog.transaction() as conn:
        found = conn.execute(
            "SELECT actor, action, note, data FROM hc_history "
            "WHERE item_kind = 'problem' AND item_id = 'p1' ORDER BY seq DESC"
        ).fetchone()
    data = found[3] if isinstance(found[3], dict) else json.loads(found[3])
    assert (found[0], found[1], found[2]) == ("planner2", "deleted", "duplicate of p2")
    assert data == last_state(before)
    assert data["project_ids"] == ["j1", "j2"] and data["title"] == "积水点"
    last = store.history("project", "j1")[-1]
    assert (last.actor, last.action, last.data["problem"]) == ("planner2", "unlinked", "p1")


def test_deleting_a_project_sends_a_problem_rechecking_on_it_alone_back_to_in_progress(
    store: HealthStore, catalog: Catalog
) -> None:
    for pid in ("p1", "p2", "p3", "p4"):
        store.create_problem(problem(pid), "planner1")
    ids = ("p1", "p2", "p3", "p4")
    store.create_project(project("j1", stage="construction", problem_ids=ids), "planner1")
    store.update_project("j1", {"stage": "completion"}, "planner1")  # all four re-check
    store.create_project(project("j2", stage="completion", problem_ids=("p2",)), "planner1")
    store.recheck_problem("p3", False, "reviewer1", "still floods")  # → in_progress
    store.recheck_problem("p4", True, "reviewer1", "dry")  # → closed
    statuses = {p.id: p.status for p in store.list_problems()}
    assert statuses == {
        "p1": "rechecking",
        "p2": "rechecking",
        "p3": "in_progress",
        "p4": "closed",
    }
    seq = counts(catalog)["overlay_events"]

    store.delete_project("j1", "admin1", "withdrawn")

    after = {p.id: (p.status, p.project_ids) for p in store.list_problems()}
    assert after == {
        "p1": ("in_progress", ()),  # its only completed project is gone: no re-check due
        "p2": ("rechecking", ("j2",)),  # j2 has reached 竣工 too
        "p3": ("in_progress", ()),
        "p4": ("closed", ()),  # a closed problem stays closed
    }
    assert [p.id for p in store.list_projects()] == ["j2"]
    assert events(catalog, seq) == [
        *[("problems", "updated", pid) for pid in ids],
        ("projects", "deleted", "j1"),
    ]
    p1 = store.history("problem", "p1")[-1]
    assert (p1.actor, p1.action) == ("admin1", "status")
    assert p1.data == {
        "status": "in_progress",
        "from": "rechecking",
        "project": "j1",
        "project_deleted": True,
    }
    assert [h.action for h in store.history("problem", "p2")][-1] == "unlinked"
    with pytest.raises(NotFoundError):
        store.history("project", "j1")  # the item is gone; its rows stay in hc_history
    with catalog.transaction() as conn:
        row = conn.execute(
            "SELECT action, note FROM hc_history WHERE item_kind = 'project' "
            "AND item_id = 'j1' ORDER BY seq DESC"
        ).fetchone()
    assert tuple(row) == ("deleted", "withdrawn")
    # the lifecycle holds: p1 cannot go back to re-checking without a completed project
    with pytest.raises(Exception, match="cannot be re-checked"):
        store.update_problem("p1", {"status": "rechecking"}, "u")


def test_a_deleted_id_can_be_created_again_with_one_history(
    store: HealthStore, catalog: Catalog
) -> None:
    store.create_problem(problem("p1"), "planner1")
    store.create_project(project("j1", problem_ids=("p1",)), "planner1")
    store.delete_problem("p1", "planner1")
    store.delete_project("j1", "planner1")
    assert counts(catalog)["hc_problems"] == counts(catalog)["hc_projects"] == 0
    again = store.create_problem(problem("p1", title="新积水点"), "planner2")
    assert again.title == "新积水点" and again.project_ids == ()
    store.create_project(project("j1", problem_ids=("p1",)), "planner2")
    assert store.get_problem("p1").project_ids == ("j1",)
    actions = [h.action for h in store.history("problem", "p1")]
    assert actions == ["created", "linked", "deleted", "created", "linked"]
    project_actions = [h.action for h in store.history("project", "j1")]
    assert project_actions == ["created", "unlinked", "deleted", "created"]


def test_photos_are_removed_once_the_delete_has_committed(
    store: HealthStore, objects: ObjectStore
) -> None:
    store.create_problem(problem("p1"), "planner1")
    store.create_project(project("j1"), "planner1")
    store.add_photo("problems", "p1", "a.png", PNG, "d1")
    store.add_photo("problems", "p1", "b.jpg", JPEG, "d1")
    kept = store.add_photo("projects", "j1", "site.jpg", JPEG, "d1")
    store.delete_problem("p1", "planner1")
    assert _photos(objects) == [f"healthcheck/projects/j1/photos/{kept}"]
    store.delete_project("j1", "planner1")
    assert _photos(objects) == []


def test_a_photo_that_cannot_be_removed_is_logged_and_the_delete_stands(
    store: HealthStore,
    objects: ObjectStore,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    store.create_problem(problem("p1"), "planner1")
    name = store.add_photo("problems", "p1", "a.png", PNG, "d1")

    def refuse(key: str) -> None:
        raise StorageError("the store is read-only today")

    monkeypatch.setattr(objects, "delete", refuse)
    with caplog.at_level(logging.WARNING, logger="storage.healthcheck"):
        store.delete_problem("p1", "planner1")
    with pytest.raises(NotFoundError):
        store.get_problem("p1")
    assert any(name in r.getMessage() for r in caplog.records)
    assert _photos(objects) == [f"healthcheck/problems/p1/photos/{name}"]  # left over


@pytest.mark.parametrize("kind", ["problem", "project"])
def test_a_delete_that_fails_before_its_commit_changes_nothing_and_keeps_the_photos(
    store: HealthStore,
    catalog: Catalog,
    objects: ObjectStore,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
) -> None:
    store.create_problem(problem("p1"), "planner1")
    store.create_project(project("j1", problem_ids=("p1",)), "planner1")
    store.add_photo("problems", "p1", "a.png", PNG, "d1")
    store.add_photo("projects", "j1", "b.png", PNG, "d1")
    before, photos = snapshot(catalog), _photos(objects)

    def broken(*args: Any, **kwargs: Any) -> int:
        raise RuntimeError("the event log is unavailable")

    monkeypatch.setattr("storage.healthcheck.tx.append_event", broken)
    with pytest.raises(RuntimeError):
        if kind == "problem":
            store.delete_problem("p1", "planner1")
        else:
            store.delete_project("j1", "planner1")
    assert snapshot(catalog) == before
    assert _photos(objects) == photos


def test_a_refused_or_missing_delete_writes_nothing(store: HealthStore, catalog: Catalog) -> None:
    store.create_problem(problem("p1"), "planner1")
    store.create_project(project("j1", problem_ids=("p1",)), "planner1")
    before = snapshot(catalog)
    seen: list[str] = []

    def refuse(item: Problem | Project) -> None:
        seen.append(item.id)
        raise ForbiddenError(f"not yours: {item.department}")

    with pytest.raises(ForbiddenError):
        store.delete_problem("p1", "parks1", allow=refuse)
    with pytest.raises(ForbiddenError):
        store.delete_project("j1", "parks1", allow=refuse)
    assert seen == ["p1", "j1"]
    with pytest.raises(NotFoundError) as missing_problem:
        store.delete_problem("nope", "planner1")
    with pytest.raises(NotFoundError) as missing_project:
        store.delete_project("nope", "planner1")
    assert missing_problem.value.code == "problem_not_found"
    assert missing_project.value.code == "project_not_found"
    assert snapshot(catalog) == before


def test_a_photo_whose_row_is_not_written_is_not_left_behind(
    store: HealthStore, catalog: Catalog, objects: ObjectStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As when the item is deleted between the upload and its row (the object goes first)."""
    store.create_problem(problem("p1"), "planner1")
    before = snapshot(catalog)

    def broken(*args: Any, **kwargs: Any) -> int:
        raise RuntimeError("the event log is unavailable")

    monkeypatch.setattr("storage.healthcheck.tx.append_event", broken)
    with pytest.raises(RuntimeError):
        store.add_photo("problems", "p1", "a.png", PNG, "d1")
    assert snapshot(catalog) == before
    assert _photos(objects) == []


def test_a_link_to_a_problem_deleted_meanwhile_is_a_conflict_and_changes_nothing(
    store: HealthStore, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race of a PATCH that links a problem while another request deletes it: the
    existence check passed before the delete committed, so the database's foreign key
    refuses the link. That is a 409 to retry, not a server error, and nothing is written."""
    store.create_problem(problem("p1"), "planner1")
    store.create_project(project("j1"), "planner1")
    store.delete_problem("p1", "planner2")
    before = snapshot(catalog)
    # what the other request's check saw: p1 still there
    monkeypatch.setattr("storage.healthcheck.writes._check_links", lambda tx, ids: None)

    with pytest.raises(ConflictError, match="changed meanwhile"):
        store.update_project("j1", {"problem_ids": ["p1"]}, "planner1")

    assert snapshot(catalog) == before
    assert store.get_project("j1").problem_ids == ()
