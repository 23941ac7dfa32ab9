"""Imports, XLSX exports and the PDF report through the API, on both backends: a bad file
or a forbidden department changes nothing; an export reads back as what was imported."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.scene_api.test_healthcheck_api import D, auth, build, clock  # noqa: F401
from tests.storage.hc_helpers import snapshot
from twin.healthcheck.io_xlsx import write_indicators_xlsx
from twin.healthcheck.records import IndicatorValue

IMPORT = "/api/healthcheck/import"


def _geojson(*features: dict[str, Any]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def _problem(pid: str, department: str = "水务局", **props: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [114.3, 30.6]},
        "properties": {"编号": pid, "标题": "积水点", "严重程度": 2, "责任部门": department,
                       "区": "江岸区", "期限": "2026-06-30"} | props,
    }  # fmt: skip


def _post(client: TestClient, name: str, data: bytes, kind: str, who: str) -> Any:
    return client.post(IMPORT, files={"file": (name, data, "application/octet-stream")},
                       data={"kind": kind}, headers=auth(who))  # fmt: skip


def test_problems_import_all_or_nothing_and_by_department(
    build: Callable[..., TestClient],  # noqa: F811
) -> None:
    client = build()
    catalog = client.app.state.ctx.catalog  # type: ignore[attr-defined]
    good = _geojson(_problem("W-1"), _problem("W-2"))
    assert _post(client, "问题.geojson", good, "problems", "viewer").status_code == 403
    assert client.post(IMPORT, files={"file": ("a.geojson", good)},
                       data={"kind": "problems"}).status_code == 401  # fmt: skip
    before = snapshot(catalog)
    bad = _geojson(_problem("W-1"), _problem("W-2", 严重程度=7))
    refused = _post(client, "问题.geojson", bad, "problems", "planner")
    assert refused.status_code == 400 and "严重程度" in refused.json()["description"]
    other = _post(client, "问题.geojson", good, "problems", "parks")  # 园林局 importing 水务局's
    assert other.status_code == 403
    assert _post(client, "notes.txt", b"hello", "problems", "planner").status_code == 400
    assert snapshot(catalog) == before
    done = _post(client, "问题.geojson", good, "problems", "water")
    assert done.status_code == 200, done.text
    assert done.json() == {"indicators": 0, "problems": 2, "projects": 0}
    ids = [f["id"] for f in client.get("/api/problems").json()["features"]]
    assert ids == ["W-1", "W-2"]
    history = client.get("/api/problems/W-1/history").json()["history"]
    assert [(h["actor"], h["action"]) for h in history] == [("water", "created")]
    export = client.get("/api/healthcheck/export", params={"what": "problems", "format": "xlsx"})
    assert export.status_code == 200
    assert "attachment" in export.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert sheet is not None
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert {"W-1", "W-2"} <= {v for row in cells for v in row}


def test_indicators_round_trip_through_import_and_export(
    build: Callable[..., TestClient],  # noqa: F811
) -> None:
    client = build()
    values = [
        IndicatorValue("green_ratio", "绿地率", "%", 35.0, ">=", 2025, area, "district", v, "年鉴")
        for area, v in (("江岸区", 36.0), ("武昌区", 20.0))
    ]
    done = _post(client, "一张表.xlsx", write_indicators_xlsx(values), "indicators", "planner")
    assert done.status_code == 200, done.text
    assert done.json()["indicators"] == 2
    listed = client.get("/api/healthcheck/indicators").json()["indicators"]
    got = sorted((i["area"], i["value"], i["status"]) for i in listed)
    assert got == sorted([("武昌区", 20.0, "red"), ("江岸区", 36.0, "green")])
    export = client.get("/api/healthcheck/export", params={"what": "indicators"})
    assert export.status_code == 200
    again = _post(client, "back.xlsx", export.content, "indicators", "planner")
    assert again.status_code == 200 and again.json()["indicators"] == 0  # nothing changed
    assert client.get("/api/healthcheck/export", params={"what": "weather"}).status_code == 422


def test_the_report_is_a_pdf(build: Callable[..., TestClient]) -> None:  # noqa: F811
    client = build()
    _post(client, "问题.geojson", _geojson(_problem("W-1")), "problems", "planner")
    for params in ({}, {"district": "江岸区"}):
        r = client.get("/api/healthcheck/report.pdf", params=params)
        assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
        assert r.content.startswith(b"%PDF")
