"""Health-check data of the demo city (城市体检): indicators, problems and renewal projects.

Made from the demo city's own buildings, so everything stands inside it: a renewal project
covers one parcel that the city marks 已立项 / 实施中 / 已完成, and its problems sit on that
parcel's buildings; the other problems sit on buildings whose use fits them (a fire lane
blocked in a village-in-city, a school's rush-hour jam). Dates count back from ``today``, so
the demo always has overdue problems, an overdue stage and one idle plot (闲置土地: supplied,
not started one year after the agreed start). Every record is built through
``build_items``, with the checks an import gets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
import shapely.geometry
from pyproj import Transformer

from twin.demo import names
from twin.demo.plan import CRS_EPSG
from twin.healthcheck.build_items import build_indicator, build_problem, build_project
from twin.healthcheck.records import IndicatorValue, Problem, Project
from twin.healthcheck.stages import Stages

DISTRICT_CODE = {names.FUTIAN: "FT", names.LUOHU: "LH"}

# (code, name, unit, target, comparison, low, high, digits)
INDICATORS: tuple[tuple[str, str, str, float, str, float, float, int], ...] = (
    ("HC-01", "人均公园绿地面积", "㎡/人", 12.0, ">=", 9.5, 14.0, 1),
    ("HC-02", "公园绿化活动场地服务半径覆盖率", "%", 90.0, ">=", 78.0, 97.0, 1),
    ("HC-03", "城市内涝积水点数量", "个", 0.0, "<=", 0.0, 6.0, 0),
    ("HC-04", "完整居住社区覆盖率", "%", 60.0, ">=", 42.0, 72.0, 1),
    ("HC-05", "社区养老服务设施覆盖率", "%", 90.0, ">=", 72.0, 100.0, 1),
    ("HC-06", "普惠性幼儿园覆盖率", "%", 85.0, ">=", 76.0, 95.0, 1),
    ("HC-07", "建成区高峰期平均机动车速度", "km/h", 30.0, ">=", 22.0, 34.0, 1),
    ("HC-08", "城市道路网密度", "km/km²", 8.0, ">=", 6.5, 10.0, 2),
    ("HC-09", "城市生活污水集中收集率", "%", 75.0, ">=", 62.0, 90.0, 1),
    ("HC-10", "存在使用安全隐患的城镇房屋数量", "栋", 0.0, "<=", 0.0, 40.0, 0),
    ("HC-11", "消防救援5分钟可达覆盖率", "%", 90.0, ">=", 76.0, 98.0, 1),
    ("HC-12", "新建建筑中绿色建筑占比", "%", 100.0, ">=", 88.0, 100.0, 1),
)
COMMUNITY_CODES = ("HC-02", "HC-04", "HC-05", "HC-06")

# (title, indicator, uses it fits (empty: any), department, severity)
PROBLEM_KINDS: tuple[tuple[str, str, tuple[str, ...], str, int], ...] = (
    ("消防通道被占用、杂物堆放", "HC-11", (names.VILLAGE,), "城市管理和综合执法局", 3),
    ("握手楼间距不足，存在消防安全隐患", "HC-11", (names.VILLAGE,), "应急管理局", 3),
    ("屋顶违法加建铁皮房", "HC-10", (names.VILLAGE, names.RESIDENTIAL), "城市管理和综合执法局", 2),
    ("老旧住宅外墙空鼓脱落", "HC-10", (names.RESIDENTIAL,), "住房和建设局", 3),
    ("老旧小区未加装电梯，老人出行不便", "HC-04", (names.RESIDENTIAL,), "住房和建设局", 1),
    ("小区周边无社区养老服务站", "HC-05", (names.RESIDENTIAL,), "民政局", 2),
    ("雨污混流，雨天污水溢流", "HC-09", (names.VILLAGE, names.RESIDENTIAL), "水务局", 2),
    ("低洼路段暴雨积水", "HC-03", (), "水务局", 3),
    ("学校周边上下学时段交通拥堵", "HC-07", (names.EDUCATION,), "交通运输局", 1),
    ("步行15分钟内无公园绿地", "HC-02", (names.RESIDENTIAL,), "城市管理和综合执法局", 1),
    ("幼儿园学位不足", "HC-06", (names.RESIDENTIAL, names.VILLAGE), "教育局", 2),
    ("医院周边占道停车", "HC-07", (names.MEDICAL,), "交通运输局", 1),
    ("旧厂房闲置，环境脏乱", "", (names.INDUSTRIAL,), "城市更新和土地整备局", 1),
)

#: (renewal status of the parcel, stage, days in the stage, days from today to the agreed
#: start date (None: no agreement yet)); the first construction is overdue (over 1095 days),
#: the first acquisition overdue (over 365), the first supply idle land
PROJECT_PLAN: tuple[tuple[str, str, int, int | None], ...] = (
    (names.IN_PROGRESS, "construction", 1130, None),
    (names.IN_PROGRESS, "construction", 420, None),
    (names.IN_PROGRESS, "construction", 90, None),
    (names.APPROVED, "acquisition", 400, None),
    (names.APPROVED, "acquisition", 120, None),
    (names.APPROVED, "supply", 300, -420),
    (names.APPROVED, "supply", 60, 150),
    (names.COMPLETED, "completion", 45, None),
    (names.COMPLETED, "acceptance", 200, None),
)
SUFFIX = {names.VILLAGE: "城中村综合整治", names.RESIDENTIAL: "老旧小区综合改造",
          names.INDUSTRIAL: "旧工业区升级改造"}  # fmt: skip


@dataclass(frozen=True)
class DemoHealthcheck:
    indicators: tuple[IndicatorValue, ...]
    problems: tuple[Problem, ...]
    projects: tuple[Project, ...]


def _lonlat(geom: shapely.Geometry) -> dict[str, Any]:
    to_wgs84 = Transformer.from_crs(CRS_EPSG, 4326, always_xy=True)

    def project(xy: np.ndarray) -> np.ndarray:
        lon, lat = to_wgs84.transform(xy[:, 0], xy[:, 1])
        return np.round(np.column_stack([lon, lat]), 7)

    return dict(shapely.geometry.mapping(shapely.transform(geom, project)))  # type: ignore[arg-type]


def demo_indicators(communities: list[str], seed: int, year: int) -> list[IndicatorValue]:
    rng = np.random.default_rng([seed, 7])
    out: list[IndicatorValue] = []
    areas = [(d, "district") for d in (names.FUTIAN, names.LUOHU)]
    areas += [(c, "community") for c in communities]
    for area, kind in areas:
        for code, name, unit, target, cmp, low, high, digits in INDICATORS:
            if kind == "community" and code not in COMMUNITY_CODES:
                continue
            for y in (year - 1, year) if kind == "district" else (year,):
                value = round(float(rng.uniform(low, high)), digits)
                out.append(
                    build_indicator(
                        {"code": code, "name": name, "unit": unit, "target": target,
                         "comparison": cmp, "year": y, "area": area, "area_kind": kind,
                         "value": value, "source": f"{y}年城市体检自评估（{area}）"}
                    )
                )  # fmt: skip
    return out


def _project_name(community: str, use: str, taken: set[str]) -> str:
    base = community.removesuffix("社区") + SUFFIX.get(use, "片区城市更新单元")
    name, n = base, 2
    while name in taken:
        name = f"{base}（{'二三四五六七八九'[n - 2]}期）"
        n += 1
    taken.add(name)
    return name


def _problem_fields(
    kind: tuple[str, str, tuple[str, ...], str, int], building: Any, n: int, today: date
) -> dict[str, Any]:
    title, indicator, _, department, severity = kind
    code = DISTRICT_CODE.get(building.district, "XX")
    place = building.name or f"{building.community}{building.id}"
    point = building.geometry.representative_point()
    return {
        "id": f"{code}-TJ-{n:03d}", "title": f"{building.community}{title}",
        "indicator": indicator, "severity": severity, "department": building.district + department,
        "district": building.district, "due_date": today + timedelta(days=60),
        "description": f"{place}（{building.use}，{building.year_built}年建成）：{title}。",
        "geometry": _lonlat(point),
    }  # fmt: skip


def demo_healthcheck(
    city: gpd.GeoDataFrame, stages: Stages, today: date, seed: int = 20261121
) -> DemoHealthcheck:
    """Indicators, problems and projects of the demo ``city`` (EPSG:4547), as of ``today``."""
    rng = np.random.default_rng([seed, 12])
    frame = city.sort_values("id").reset_index(drop=True)
    n_problem = 0
    problems: list[dict[str, Any]] = []
    projects: list[Project] = []
    used: set[str] = set()
    taken: set[str] = set()
    for i, (renewal, stage, days, agreed) in enumerate(PROJECT_PLAN):
        parcels = sorted(set(frame.loc[frame.renewal_status == renewal, "parcel_id"]) - used)
        if not parcels:
            continue
        parcel = parcels[int(rng.integers(len(parcels)))]
        used.add(parcel)
        lot = frame[frame.parcel_id == parcel]
        first = lot.iloc[0]
        code = DISTRICT_CODE.get(first.district, "XX")
        linked: list[str] = []
        for b in lot.head(2 if stage == "construction" else 1).itertuples():
            kinds = [k for k in PROBLEM_KINDS if not k[2] or b.use in k[2]] or [PROBLEM_KINDS[7]]
            n_problem += 1
            fields = _problem_fields(kinds[int(rng.integers(len(kinds)))], b, n_problem, today)
            fields["status"] = {"construction": "in_progress", "completion": "rechecking",
                                "acceptance": "closed"}.get(stage, "open")  # fmt: skip
            if i == 1:  # a problem its project has not fixed in time
                fields["due_date"] = today - timedelta(days=20)
            problems.append(fields)
            linked.append(fields["id"])
        hull = shapely.convex_hull(shapely.union_all(lot.geometry.to_numpy())).buffer(8.0)
        agreed_day = today + timedelta(days=agreed) if agreed is not None else None
        started = today - timedelta(days=days)
        fields_p = {
            "id": f"{code}-GX-{i + 1:03d}",
            "name": _project_name(str(first.community), str(first.use), taken),
            "stage": stage, "stage_started": started,
            "percent": {"acquisition": 10, "supply": 25, "completion": 100,
                        "acceptance": 100}.get(stage, int(rng.integers(30, 90))),
            "district": first.district, "department": first.district + "城市更新和土地整备局",
            "budget": round(float(rng.uniform(8_000, 150_000)), -2),  # 万元
            "start_date": started if stage == "construction" else None,
            "agreed_start_date": agreed_day, "geometry": _lonlat(hull),
            "problem_ids": linked,
        }  # fmt: skip
        projects.append(build_project(fields_p, stages, today))
    for kind in PROBLEM_KINDS:
        fits = frame if not kind[2] else frame[frame.use.isin(kind[2])]
        for k in range(2 if kind[4] >= 2 else 1):
            if fits.empty:
                break
            b = next(fits.iloc[[int(rng.integers(len(fits)))]].itertuples())
            n_problem += 1
            fields = _problem_fields(kind, b, n_problem, today)
            late = (n_problem + k) % 3 == 0  # a third of them past their due date
            fields["due_date"] = today + timedelta(days=-int(rng.integers(5, 90)) if late
                                                   else int(rng.integers(15, 180)))  # fmt: skip
            fields["status"] = "open" if k == 0 else "in_progress"
            problems.append(fields)
    communities = sorted(set(frame.community))[:6]
    return DemoHealthcheck(
        indicators=tuple(demo_indicators(communities, seed, today.year)),
        problems=tuple(build_problem(f) for f in problems),
        projects=tuple(projects),
    )
