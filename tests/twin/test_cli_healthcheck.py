"""``twin healthcheck``: import, export, report and sweep from the command line, both backends."""

from __future__ import annotations

import getpass
import io
import json
from datetime import timedelta
from pathlib import Path

import geopandas as gpd
import pypdf
from openpyxl import Workbook
from shapely.geometry import Point

from storage.catalog.protocol import Catalog
from storage.factory import open_catalog, open_object_store
from storage.healthcheck.store import HealthStore
from tests.storage.hc_helpers import project
from tests.twin.test_cli import twin
from twin.healthcheck.clock import local_today
from twin.healthcheck.io_read import read_indicators, read_problems
from twin.healthcheck.stages import load_stages
from twin.settings import Settings

CLOCK = local_today("Asia/Shanghai")
TODAY = CLOCK()  # the data's dates are days to weeks from it: a day later changes nothing


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def _problems_xlsx(path: Path) -> Path:
    late = (TODAY - timedelta(days=3)).isoformat()
    return _xlsx(
        path,
        [["编号", "标题", "指标", "严重程度", "状态", "责任部门", "区", "期限", "经度", "纬度"],
         ["FT-1", "华富村消防通道被占用", "HC-11", 3, "待整改", "福田区城管局", "福田区", late,
          114.07, 22.55],
         ["LH-1", "东门老街暴雨积水", "HC-03", 2, "整改中", "罗湖区水务局", "罗湖区",
          (TODAY + timedelta(days=40)).isoformat(), 114.12, 22.55]],
    )  # fmt: skip


def _store(settings: Settings) -> tuple[HealthStore, Catalog]:
    catalog = open_catalog(settings)
    store = HealthStore(catalog, open_object_store(settings), load_stages(), lambda: TODAY)
    return store, catalog


def test_import_export_report_and_sweep(settings: Settings, tmp_path: Path) -> None:
    out = twin(settings, "healthcheck", "import", str(_problems_xlsx(tmp_path / "p.xlsx")),
               "--kind", "problems")  # fmt: skip
    assert "imported 2 problems from p.xlsx" in out.stdout
    projects = gpd.GeoDataFrame(
        {"编号": ["GX-1"], "名称": ["华富村城中村综合整治"], "阶段": ["供地"],
         "阶段开始": [(TODAY - timedelta(days=100)).isoformat()],
         "约定开工日期": [(TODAY - timedelta(days=400)).isoformat()],  # idle land
         "关联问题": ["FT-1"], "区": ["福田区"]},
        geometry=[Point(507_000, 2_494_000).buffer(40)], crs="EPSG:4547",
    )  # fmt: skip
    projects.to_file(tmp_path / "prj.gpkg", driver="GPKG")
    out = twin(settings, "healthcheck", "import", str(tmp_path / "prj.gpkg"), "--kind", "projects")
    assert "imported 1 projects" in out.stdout
    indicators = _xlsx(
        tmp_path / "ind.xlsx",
        [["code", "name", "unit", "target", "year", "area", "value"],
         ["HC-01", "人均公园绿地面积", "㎡/人", 12, TODAY.year, "福田区", 10.2]],
    )  # fmt: skip
    twin(settings, "healthcheck", "import", str(indicators), "--kind", "indicators")

    store, catalog = _store(settings)
    try:
        problems = {p.id: p for p in store.list_problems()}
        assert problems["FT-1"].status == "open" and problems["LH-1"].status == "in_progress"
        assert problems["FT-1"].project_ids == ("GX-1",)
        (project,) = store.list_projects()
        assert 114.0 < project.geometry["coordinates"][0][0][0] < 114.1  # reprojected
        history = store.history("problem", "FT-1")
        assert history[0].actor == f"cli:{getpass.getuser()}"
        totals = store.summary()["totals"]
        assert (totals["problems_overdue"], totals["projects_idle"]) == (1, 1)
    finally:
        catalog.close()

    twin(settings, "healthcheck", "export", "--what", "problems", "-o", str(tmp_path / "e.xlsx"))
    exported = read_problems(tmp_path / "e.xlsx")
    assert {(p.id, p.title, p.status, p.due_date) for p in exported} == {
        (p.id, p.title, p.status, p.due_date) for p in problems.values()
    }
    twin(settings, "healthcheck", "export", "--what", "indicators", "-o", str(tmp_path / "i.xlsx"))
    assert [(v.code, v.value) for v in read_indicators(tmp_path / "i.xlsx")] == [("HC-01", 10.2)]

    out = twin(settings, "healthcheck", "report", "-o", str(tmp_path / "r.pdf"))
    assert "2 open problems (1 overdue)" in out.stdout and "1 idle" in out.stdout
    reader = pypdf.PdfReader(io.BytesIO((tmp_path / "r.pdf").read_bytes()))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "城市体检报告" in text and "华富村消防通道被占用" in text and "闲置" in text

    swept = json.loads(twin(settings, "healthcheck", "sweep", "--json").stdout)
    # the sweep's local date (Shanghai midnight may have passed since the module loaded)
    assert swept["as_of"] in {TODAY.isoformat(), CLOCK().isoformat()}
    assert swept["raised"] == []  # the import's own writes raised the flags already


def test_a_bad_file_exits_2_naming_row_and_column_and_imports_nothing(
    settings: Settings, tmp_path: Path
) -> None:
    twin(settings, "healthcheck", "import", str(_problems_xlsx(tmp_path / "p.xlsx")),
         "--kind", "problems")  # fmt: skip
    store, catalog = _store(settings)
    try:
        before = store.list_problems()
        history = store.history("problem", "FT-1")
    finally:
        catalog.close()
    bad = _xlsx(
        tmp_path / "bad.xlsx",
        [["编号", "标题", "严重程度", "经度", "纬度"],
         ["A-1", "好的一行", 2, 114.07, 22.55],
         ["A-2", "严重程度不对", 7, 114.07, 22.55]],
    )  # fmt: skip
    out = twin(settings, "healthcheck", "import", str(bad), "--kind", "problems", check=False)
    assert out.returncode == 2
    assert "row 3, column 严重程度 (severity): must be a whole number from 1 to 3" in out.stderr
    header = _xlsx(tmp_path / "h.xlsx", [["编号", "题目", "经度", "纬度"], ["A-3", "x", 1, 2]])
    out = twin(settings, "healthcheck", "import", str(header), "--kind", "problems", check=False)
    assert out.returncode == 2 and "unknown header row 1, column B '题目'" in out.stderr
    out = twin(settings, "healthcheck", "export", "--what", "problems", "-o",
               str(tmp_path / "none" / "x.xlsx"), check=False)  # fmt: skip
    assert out.returncode == 2 and "no folder" in out.stderr
    store, catalog = _store(settings)
    try:
        assert store.list_problems() == before and len(before) == 2
        assert store.history("problem", "FT-1") == history
    finally:
        catalog.close()


def test_delete_removes_a_problem_or_a_project_and_a_missing_one_exits_with_a_message(
    settings: Settings, tmp_path: Path
) -> None:
    twin(settings, "healthcheck", "import", str(_problems_xlsx(tmp_path / "p.xlsx")),
         "--kind", "problems")  # fmt: skip
    store, catalog = _store(settings)
    try:
        store.create_project(project("GX-9", problem_ids=("FT-1",)), "planner")
    finally:
        catalog.close()

    out = twin(settings, "healthcheck", "delete", "problem", "LH-1", "--note", "重复登记")
    assert out.stdout.strip() == "deleted problem LH-1"
    out = twin(settings, "healthcheck", "delete", "project", "GX-9")
    assert out.stdout.strip() == "deleted project GX-9, unlinked from FT-1"
    out = twin(settings, "healthcheck", "delete", "project", "GX-9", check=False)
    assert out.returncode != 0 and "GX-9" in out.stderr and "Traceback" not in out.stderr

    store, catalog = _store(settings)
    try:
        assert [p.id for p in store.list_problems()] == ["FT-1"]
        assert store.get_problem("FT-1").project_ids == ()
        assert store.list_projects() == []
        with catalog.transaction() as conn:  # the item is gone; its history rows stay
            last = conn.execute(
                "SELECT action, note, actor FROM hc_history WHERE item_kind = 'problem' "
                "AND item_id = 'LH-1' ORDER BY seq DESC"
            ).fetchone()
        assert tuple(last) == ("deleted", "重复登记", f"cli:{getpass.getuser()}")
    finally:
        catalog.close()
