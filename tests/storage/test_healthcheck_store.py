"""The health-check store on both catalogs: the problem → project → re-check loop, refused
changes leaving nothing behind, overdue and idle worked examples, the sweep, photos,
indicators and all-or-nothing imports."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date, timedelta

import pytest

from storage.catalog.protocol import Catalog
from storage.factory import open_catalog, open_object_store
from storage.healthcheck.store import HealthStore
from storage.objects.protocol import ObjectStore
from tests.storage.hc_helpers import (
    JPEG,
    PNG,
    Clock,
    counts,
    events,
    make_store,
    problem,
    project,
    snapshot,
)
from twin.errors import ConflictError, InvalidInputError, NotFoundError
from twin.healthcheck.records import IndicatorValue
from twin.healthcheck.wire import problem_feature, project_feature
from twin.settings import Settings

D = date(2026, 3, 10)


@pytest.fixture
def objects(settings: Settings) -> ObjectStore:
    return open_object_store(settings)


@pytest.fixture
def clock() -> Clock:
    return Clock(D)


@pytest.fixture
def store(catalog: Catalog, objects: ObjectStore, clock: Clock) -> HealthStore:
    return make_store(catalog, objects, clock)


def _indicator(value: float | None, year: int = 2025, area: str = "江岸区") -> IndicatorValue:
    return IndicatorValue(
        code="green_ratio",
        name="绿地率",
        unit="%",
        target=35.0,
        comparison=">=",
        year=year,
        area=area,
        area_kind="district",
        value=value,
        source="统计年鉴",
    )


def test_problems_are_created_listed_filtered_and_refused_twice(
    store: HealthStore, catalog: Catalog
) -> None:
    store.create_problem(problem("p1", severity=3), "planner1")
    store.create_problem(
        problem("p2", district="武昌区", geometry={"type": "Point", "coordinates": [114.5, 30.5]}),
        "planner1",
    )
    assert [p.id for p in store.list_problems()] == ["p1", "p2"]
    assert [p.id for p in store.list_problems(district="武昌区")] == ["p2"]
    assert [p.id for p in store.list_problems(severity=3)] == ["p1"]
    assert [p.id for p in store.list_problems(bbox=(114.4, 30.4, 114.6, 30.6))] == ["p2"]
    assert store.list_problems(status="closed") == []
    before = snapshot(catalog)
    with pytest.raises(ConflictError):
        store.create_problem(problem("p1"), "planner1")
    assert snapshot(catalog) == before
    with pytest.raises(NotFoundError):
        store.get_problem("nope")
    history = store.history("problem", "p1")
    assert [(h.actor, h.action) for h in history] == [("planner1", "created")]
    assert history[0].data["title"] == "积水点"
    assert events(catalog) == [("problems", "created", "p1"), ("problems", "created", "p2")]


def test_the_loop_closes_a_problem_only_by_a_passing_recheck_after_completion(
    store: HealthStore, catalog: Catalog, clock: Clock
) -> None:
    store.create_problem(problem("p1"), "planner1")
    store.create_project(project("j1", problem_ids=("p1",)), "planner1")
    assert store.get_problem("p1").project_ids == ("j1",)
    for refused in (
        lambda: store.update_problem("p1", {"status": "rechecking"}, "u"),  # not complete yet
        lambda: store.update_problem("p1", {"status": "closed"}, "u"),  # never directly
        lambda: store.recheck_problem("p1", True, "reviewer1", "looks fine"),
        lambda: store.update_project("j1", {"stage": "construction"}, "u"),  # skips 供地
    ):
        before = snapshot(catalog)
        with pytest.raises(ConflictError):
            refused()
        assert snapshot(catalog) == before
    assert store.get_problem("p1").status == "open"
    store.update_problem("p1", {"status": "in_progress"}, "district1", "work started")
    for stage in ("supply", "construction"):
        clock.day += timedelta(days=10)
        store.report_progress("j1", stage=stage, percent=None, note="", actor="district1")
    assert store.get_problem("p1").status == "in_progress"
    clock.day += timedelta(days=10)
    done = store.update_project("j1", {"stage": "completion"}, "planner1")
    assert done.completed_on == clock.day and done.stage_started == clock.day
    assert store.get_problem("p1").status == "rechecking"  # 竣工 sends it to re-check
    assert store.history("problem", "p1")[-1].action == "status"
    failed = store.recheck_problem("p1", False, "reviewer1", "still floods")
    assert failed.status == "in_progress"
    store.update_problem("p1", {"status": "rechecking"}, "district1")  # now allowed
    closed = store.recheck_problem("p1", True, "reviewer1", "dry after rain")
    assert closed.status == "closed"
    actions = [h.action for h in store.history("problem", "p1")]
    assert actions[-3:] == ["recheck_failed", "updated", "recheck_passed"]
    before = snapshot(catalog)
    with pytest.raises(ConflictError):
        store.update_problem("p1", {"status": "open"}, "u")
    with pytest.raises(ConflictError):
        store.recheck_problem("p1", True, "reviewer1", "")
    with pytest.raises(ConflictError):
        store.update_project("j1", {"stage": "construction"}, "u")  # no going back
    assert snapshot(catalog) == before


def test_every_change_and_its_event_carry_the_full_feature(
    store: HealthStore, catalog: Catalog, clock: Clock
) -> None:
    store.create_problem(problem("p1"), "planner1")
    seq = counts(catalog)["overlay_events"]
    store.update_problem("p1", {"severity": 3, "title": "严重积水"}, "planner1", "upgraded")
    with catalog.transaction() as conn:
        row = conn.execute("SELECT payload, actor FROM overlay_events ORDER BY seq DESC").fetchone()
    payload = row[0] if isinstance(row[0], dict) else __import__("json").loads(row[0])
    assert payload == dict(problem_feature(store.get_problem("p1"), clock.day))
    assert payload["properties"]["severity"] == 3 and row[1] == "planner1"
    assert events(catalog, seq) == [("problems", "updated", "p1")]
    last = store.history("problem", "p1")[-1]
    assert (last.action, last.note, last.data) == (
        "updated",
        "upgraded",
        {"severity": 3, "title": "严重积水"},
    )


def test_bad_fields_are_refused_with_nothing_written(store: HealthStore, catalog: Catalog) -> None:
    store.create_problem(problem("p1"), "planner1")
    store.create_project(project("j1"), "planner1")
    before = snapshot(catalog)
    with pytest.raises(InvalidInputError):
        store.update_problem("p1", {"severity": 7}, "u")
    with pytest.raises(InvalidInputError):
        store.update_problem("p1", {"owner": "x"}, "u")
    with pytest.raises(InvalidInputError):
        store.update_project("j1", {"problem_ids": ["missing"]}, "u")
    with pytest.raises(InvalidInputError):
        store.update_project("j1", {"stage": "demolition"}, "u")
    with pytest.raises(InvalidInputError):
        store.report_progress("j1", stage=None, percent=120, note="", actor="u")
    assert snapshot(catalog) == before


def test_a_stage_with_a_365_day_limit_is_in_time_on_day_365_and_overdue_on_366(
    store: HealthStore, catalog: Catalog, clock: Clock
) -> None:
    start = date(2025, 3, 10)
    store.create_project(project("j1", started=start, stage="supply"), "planner1")
    clock.day = start + timedelta(days=365)
    j = store.get_project("j1")
    assert project_feature(j, store.stages, clock.day)["properties"]["overdue"] is False
    assert store.sweep()["raised"] == []
    clock.day = start + timedelta(days=366)
    assert project_feature(j, store.stages, clock.day)["properties"]["overdue"] is True
    result = store.sweep()
    assert [(c["id"], c["action"]) for c in result["raised"]] == [("j1", "overdue")]
    assert store.get_project("j1").overdue_flag == "overdue:supply@2025-03-10"
    before = snapshot(catalog)
    again = store.sweep()
    assert (again["as_of"], again["raised"], again["cleared"]) == (clock.day.isoformat(), [], [])
    assert snapshot(catalog) == before  # a second sweep the same day appends nothing
    store.report_progress("j1", stage="construction", percent=5, note="开工", actor="d1")
    moved = store.get_project("j1")
    assert moved.overdue_flag is None and moved.stage_started == clock.day  # cleared on change
    assert [h.action for h in store.history("project", "j1")][-2:] == ["progress", "flag_cleared"]


@pytest.mark.parametrize(
    ("agreed", "anniversary"),
    [(date(2024, 5, 10), date(2025, 5, 10)), (date(2024, 2, 29), date(2025, 2, 28))],
)
def test_supplied_land_is_idle_the_day_after_the_anniversary_of_the_agreed_start(
    store: HealthStore, clock: Clock, agreed: date, anniversary: date
) -> None:
    clock.day = anniversary
    store.create_project(
        project("j1", started=anniversary, stage="supply", agreed_start_date=agreed), "planner1"
    )
    assert store.sweep()["raised"] == []
    assert (
        project_feature(store.get_project("j1"), store.stages, clock.day)["properties"]["idle"]
        is False
    )
    clock.day = anniversary + timedelta(days=1)
    assert [(c["id"], c["action"]) for c in store.sweep()["raised"]] == [("j1", "idle")]
    assert store.summary()["totals"]["projects_idle"] == 1


def test_a_problem_due_on_x_is_overdue_on_x_plus_one_and_never_once_closed(
    store: HealthStore, clock: Clock
) -> None:
    due = date(2026, 4, 1)
    store.create_problem(problem("p1", due_date=due), "planner1")
    clock.day = due
    assert store.sweep()["raised"] == []
    assert store.summary()["totals"]["problems_overdue"] == 0
    clock.day = due + timedelta(days=1)
    assert [c["id"] for c in store.sweep()["raised"]] == ["p1"]
    summary = store.summary()
    assert summary["totals"]["problems_overdue"] == 1
    assert summary["flagged"][0]["id"] == "p1" and summary["flagged"][0]["reason"] == "overdue"
    store.create_project(project("j1", stage="construction", problem_ids=("p1",)), "planner1")
    store.update_project("j1", {"stage": "completion"}, "planner1")
    store.recheck_problem("p1", True, "reviewer1", "")
    closed = store.get_problem("p1")
    assert closed.overdue_flag is None  # cleared by the change that closed it
    assert problem_feature(closed, clock.day)["properties"]["overdue"] is False
    assert store.sweep()["cleared"] == []


def test_two_workers_sweeping_at_once_announce_each_flag_once(
    settings: Settings, catalog: Catalog, objects: ObjectStore
) -> None:
    clock = Clock(date(2026, 1, 1))
    store = make_store(catalog, objects, clock)
    for i in range(12):
        store.create_problem(problem(f"p{i:02d}", due_date=date(2025, 12, 1)), "planner1")
    with catalog.transaction() as conn:  # as if the flags had never been raised
        conn.execute("UPDATE hc_problems SET overdue_flag = NULL")
    before = counts(catalog)
    other = open_catalog(settings)
    try:
        stores = [store, make_store(other, objects, clock)]
        results: list[int] = []

        def run(s: HealthStore) -> None:
            results.append(len(s.sweep()["raised"]))

        threads = [threading.Thread(target=run, args=(s,)) for s in stores]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        other.close()
    assert sum(results) == 12
    after = counts(catalog)
    assert after["hc_history"] - before["hc_history"] == 12
    assert after["overlay_events"] - before["overlay_events"] == 12


def test_photos_are_stored_served_back_and_bad_ones_refused(
    store: HealthStore, catalog: Catalog, objects: ObjectStore
) -> None:
    store.create_problem(problem("p1"), "planner1")
    name = store.add_photo("problems", "p1", "现场.png", PNG, "district1")
    assert name.endswith("-现场.png")
    assert store.get_problem("p1").photos == (name,)
    assert store.open_photo("problems", "p1", name) == (PNG, "image/png")
    assert store.history("problem", "p1")[-1].data["photos"] == [name]
    before = snapshot(catalog)
    stored = sorted(o.key for o in objects.list("healthcheck/"))
    for bad_name, data in (
        ("notes.png", b"just some text"),  # not an image
        ("../../etc.png", PNG),  # a path
        ("photo.png", JPEG),  # a JPEG called .png
        ("photo.gif", b"GIF89a" + b"\x00" * 20),
    ):
        with pytest.raises(InvalidInputError):
            store.add_photo("problems", "p1", bad_name, data, "district1")
    small = make_store(catalog, objects, Clock(D), max_photo_mb=1)
    with pytest.raises(InvalidInputError):
        small.add_photo("problems", "p1", "big.jpg", JPEG + b"\x00" * (1 << 20), "district1")
    with pytest.raises(NotFoundError):
        store.add_photo("problems", "nope", "a.png", PNG, "district1")
    assert snapshot(catalog) == before
    assert sorted(o.key for o in objects.list("healthcheck/")) == stored
    with pytest.raises(NotFoundError):
        store.open_photo("problems", "p1", "other.png")
    store.create_project(project("j1"), "planner1")
    jname = store.add_photo("projects", "j1", "site.jpg", JPEG, "district1")
    assert store.open_photo("projects", "j1", jname) == (JPEG, "image/jpeg")


def test_indicators_upsert_by_code_year_and_area(store: HealthStore, catalog: Catalog) -> None:
    assert store.upsert_indicators([_indicator(30.0), _indicator(40.0, area="武昌区")], "p") == 2
    assert store.upsert_indicators([_indicator(30.0)], "p") == 0  # unchanged: nothing written
    assert store.upsert_indicators([_indicator(36.0)], "p") == 1
    values = store.list_indicators(area="江岸区")
    assert [(v.area, v.value) for v in values] == [("江岸区", 36.0)]
    assert len(store.list_indicators(year=2025)) == 2 and store.list_indicators(year=2024) == []
    assert [e[1] for e in events(catalog)] == ["created", "created", "updated"]
    assert events(catalog)[-1] == ("indicators", "updated", "green_ratio/2025/江岸区")
    assert store.summary()["indicators"] == {"green": 2, "amber": 0, "red": 0, "none": 0}


def test_an_import_is_all_or_nothing(store: HealthStore, catalog: Catalog) -> None:
    store.create_problem(problem("p0"), "planner1")
    before = snapshot(catalog)
    with pytest.raises(InvalidInputError):
        store.import_batch(
            [_indicator(20.0)],
            [problem("p1"), problem("p2")],
            [project("j1", problem_ids=("p1", "missing"))],
            "cli:admin",
        )
    assert snapshot(catalog) == before
    with pytest.raises(ConflictError):  # an import cannot close a problem either
        store.import_batch([], [problem("p1"), problem("p0", status="closed")], [], "cli:admin")
    assert snapshot(catalog) == before
    done = store.import_batch(
        [_indicator(20.0)],
        [problem("p1"), replace(problem("p0"), title="改名")],
        [project("j1", stage="completion", problem_ids=("p0", "p1"))],
        "cli:admin",
    )
    assert done == {"indicators": 1, "problems": 2, "projects": 1}
    assert store.get_problem("p0").title == "改名"
    assert store.get_problem("p1").status == "rechecking"  # the project came in complete
    assert store.get_project("j1").problem_ids == ("p0", "p1")
    assert [h.actor for h in store.history("project", "j1")] == ["cli:admin"]
