"""The demo city's health-check data: inside the city, linked, with overdue and idle items."""

from __future__ import annotations

from datetime import date

import shapely
import shapely.geometry
from pyproj import Transformer

from twin.demo.healthcheck import demo_healthcheck
from twin.demo_city import generate_demo_city
from twin.healthcheck.rules import compute_overdue, indicator_status, is_idle, problem_overdue
from twin.healthcheck.stages import load_stages

TODAY = date(2026, 12, 3)
STAGES = load_stages()


def test_demo_items_stand_in_the_city_and_cover_every_case() -> None:
    city = generate_demo_city(1500, 7)
    demo = demo_healthcheck(city, STAGES, TODAY, 7)
    assert demo == demo_healthcheck(city, STAGES, TODAY, 7)  # deterministic

    to_wgs84 = Transformer.from_crs(4547, 4326, always_xy=True)
    w, s, e, n = city.total_bounds
    (lon0, lon1), (lat0, lat1) = to_wgs84.transform([w, e], [s, n])
    outline = shapely.box(lon0, lat0, lon1, lat1).buffer(0.001)
    for item in (*demo.problems, *demo.projects):
        assert outline.contains(shapely.geometry.shape(item.geometry)), item.id

    problems = {p.id: p for p in demo.problems}
    assert len(problems) == len(demo.problems) >= 20
    assert {p.district for p in demo.problems} == {"福田区", "罗湖区"}
    assert sum(problem_overdue(p, TODAY) for p in demo.problems) >= 3
    assert {p.status for p in demo.problems} == {"open", "in_progress", "rechecking", "closed"}
    assert {p.severity for p in demo.problems} == {1, 2, 3}
    for j in demo.projects:
        assert j.problem_ids and all(i in problems for i in j.problem_ids), j.id
    assert sum(is_idle(j, TODAY) for j in demo.projects) == 1
    assert sum(compute_overdue(j, STAGES, TODAY) for j in demo.projects) == 2
    assert {j.stage for j in demo.projects} == set(STAGES.codes)
    statuses = {indicator_status(v.value, v.target, v.comparison) for v in demo.indicators}
    assert statuses == {"green", "amber", "red"}
    assert len({v.key for v in demo.indicators}) == len(demo.indicators)
