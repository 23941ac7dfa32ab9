"""XLSX import and export of the indicator table and the problem list."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from twin.errors import InvalidInputError
from twin.healthcheck.build_items import build_indicator, build_problem
from twin.healthcheck.io_read import read_indicators, read_problems, read_projects
from twin.healthcheck.io_xlsx import write_indicators_xlsx, write_problems_xlsx
from twin.healthcheck.stages import load_stages

TODAY = date(2026, 12, 3)

INDICATORS = [
    build_indicator(
        {"code": "HC-01", "name": "人均公园绿地面积", "unit": "㎡/人", "target": 12.0,
         "comparison": ">=", "year": 2026, "area": "福田区", "area_kind": "district",
         "value": 11.2, "source": "园林局 2026 年报"}
    ),
    build_indicator(
        {"code": "HC-02", "name": "城市内涝积水点数量", "unit": "个", "target": 0,
         "comparison": "<=", "year": 2026, "area": "华富社区", "area_kind": "community",
         "value": 3, "source": ""}
    ),
    build_indicator(  # no target, no value, no unit: empty cells
        {"code": "HC-03", "name": "社区养老服务设施覆盖率", "year": 2025, "area": "罗湖区"}
    ),
]  # fmt: skip


def _problem(i: int, **extra: object) -> dict[str, object]:
    return {
        "id": f"P-{i:03d}", "title": f"华强北片区违章搭建 {i}", "indicator": "HC-01",
        "severity": 1 + i % 3, "department": "福田区城管局", "district": "福田区",
        "description": "屋顶加建铁皮房，占用消防通道\n需限期拆除",
        "geometry": {"type": "Point", "coordinates": [114.08 + i * 1e-4, 22.545]},
        **extra,
    }  # fmt: skip


PROBLEMS = [
    build_problem(_problem(1, status="open", due_date="2026-11-30")),
    build_problem(_problem(2, status="in_progress", due_date=date(2027, 1, 15))),
    build_problem(_problem(3, status="rechecking", description="", department="")),
    build_problem(
        _problem(
            4, title="=HYPERLINK(\"http://x\")", status="closed",
            geometry={"type": "Polygon", "coordinates": [[[114.05, 22.53], [114.051, 22.53],
                      [114.051, 22.531], [114.05, 22.53]]]},
        )
    ),
]  # fmt: skip


def _save(data: bytes, path: Path) -> Path:
    path.write_bytes(data)
    return path


def test_indicators_round_trip(tmp_path: Path) -> None:
    path = _save(write_indicators_xlsx(INDICATORS), tmp_path / "ind.xlsx")
    assert read_indicators(path) == INDICATORS
    sheet = load_workbook(path).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["指标编码", "指标名称", "单位"] and header[-1] == "评价"
    assert [sheet.cell(row=r, column=len(header)).value for r in (2, 3, 4)] == [
        "接近",  # 11.2 of 12: within 10 %
        "未达标",
        None,
    ]
    assert sheet.cell(row=2, column=len(header)).fill.start_color.rgb.endswith("FFEB9C")


def test_problems_round_trip_keeps_text_dates_and_empty_cells(tmp_path: Path) -> None:
    path = _save(write_problems_xlsx(PROBLEMS, TODAY), tmp_path / "prb.xlsx")
    assert read_problems(path) == PROBLEMS
    sheet = load_workbook(path).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    overdue = header.index("逾期") + 1
    flags = [sheet.cell(row=r, column=overdue).value for r in (2, 3, 4, 5)]
    assert flags == ["是", "否", "否", "否"]
    title = sheet.cell(row=5, column=header.index("标题") + 1)
    assert title.data_type == "s" and title.value.startswith("=HYPERLINK")  # text, no formula
    assert sheet.cell(row=2, column=header.index("状态") + 1).value == "待整改"


def test_store_managed_fields_are_not_imported(tmp_path: Path) -> None:
    linked = replace(PROBLEMS[0], photos=("a.jpg",), project_ids=("PRJ-1",), overdue_flag="x")
    path = _save(write_problems_xlsx([linked], TODAY), tmp_path / "prb.xlsx")
    assert read_problems(path) == [PROBLEMS[0]]


def _sheet(path: Path, rows: list[list[object]]) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_english_headers_and_chinese_labels(tmp_path: Path) -> None:
    english = _sheet(
        tmp_path / "en.xlsx",
        [["ID", "Title", "Severity", "Status", "Due_Date", "Lon", "Lat", "District"],
         ["Q1", "Blocked drain", 3, "open", datetime(2026, 5, 1), 114.07, 22.54, "Futian"]],
    )  # fmt: skip
    chinese = _sheet(
        tmp_path / "zh.xlsx",
        [["2026 年城市体检问题清单"],  # a title row above the header
         ["编号", "标题", "严重程度", "状态", "整改期限", "经度", "纬度", "区"],
         ["Q1", "Blocked drain", "严重", "待整改", "2026年5月1日", 114.07, 22.54, "Futian"]],
    )  # fmt: skip
    (en,) = read_problems(english)
    (zh,) = read_problems(chinese)
    assert en == zh
    assert (en.id, en.severity, en.status, en.due_date) == ("Q1", 3, "open", date(2026, 5, 1))
    assert en.geometry == {"type": "Point", "coordinates": (114.07, 22.54)}


def test_projects_take_a_stage_label_or_code(tmp_path: Path) -> None:
    path = _sheet(
        tmp_path / "prj.xlsx",
        [["编号", "名称", "阶段", "阶段开始", "进度(%)", "预算（万元）", "约定开工日期",
          "关联问题", "几何"],
         ["R1", "上沙村城市更新", "供地", "2025-02-01", 10, 52000, "2025/6/30", "P-001，P-002",
          "POINT (114.03 22.53)"],
         ["R2", "湖贝旧村改造", "construction", None, None, None, None, None,
          "POINT (114.12 22.55)"]],
    )  # fmt: skip
    r1, r2 = read_projects(path, load_stages(), TODAY)
    assert (r1.stage, r1.stage_started, r1.percent, r1.budget) == ("supply", date(2025, 2, 1),
                                                                   10, 52000.0)  # fmt: skip
    assert r1.agreed_start_date == date(2025, 6, 30)
    assert r1.problem_ids == ("P-001", "P-002")
    assert (r2.stage, r2.stage_started, r2.budget) == ("construction", TODAY, None)


def test_a_bad_row_names_its_row_and_column_and_refuses_the_file(tmp_path: Path) -> None:
    path = _sheet(
        tmp_path / "bad.xlsx",
        [["编号", "标题", "严重程度", "期限", "经度", "纬度"],
         ["A1", "好的一行", 1, "2026-01-01", 114.0, 22.5],
         ["A2", "严重程度不对", 7, "2026-01-01", 114.0, 22.5],
         ["A3", "日期不对", 2, "2026-02-30", 114.0, 22.5],
         ["A4", "经度缺失", 2, None, None, 22.5],
         ["A1", "编号重复", 2, None, 114.0, 22.5]],
    )  # fmt: skip
    with pytest.raises(InvalidInputError) as err:
        read_problems(path)
    errors = err.value.details["errors"]
    assert errors == [
        "row 3, column 严重程度 (severity): must be a whole number from 1 to 3",
        "row 4, column 期限 (due_date): '2026-02-30' is not a date (YYYY-MM-DD)",
        "row 5, column 经度 (lon): lon and lat are given together",
        "row 6, column 编号: 'A1' repeats row 2",
    ]
    assert err.value.message.startswith("bad.xlsx: 4 errors, nothing imported: row 3, column")


@pytest.mark.parametrize(
    ("rows", "words"),
    [
        ([["编号", "题目", "经度", "纬度"], ["A", "x", 1, 2]], "unknown header row 1, column B"),
        ([["编号", "经度", "纬度"], ["A", 1, 2]], "no column for 标题 (title)"),
        ([["标题", "title", "经度", "纬度"], ["A", "B", 1, 2]], "names 标题 (title) again"),
        ([["标题", "描述"], ["A", "B"]], "no column for 几何 (geometry), or 经度 (lon)"),
        ([["标题", "经度", "纬度"], ["A", 1, 2, "stray"]], "row 2, column D: a value in a column"),
        ([["标题", "经度", "纬度"]], "no rows below the header"),
    ],
)
def test_bad_headers_refuse_the_file(tmp_path: Path, rows: list[list[object]], words: str) -> None:
    with pytest.raises(InvalidInputError, match=re.escape(words)):
        read_problems(_sheet(tmp_path / "h.xlsx", rows))


def test_not_a_workbook_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "fake.xlsx"
    fake.write_text("编号,标题\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"fake\.xlsx: not an XLSX workbook"):
        read_indicators(fake)
    with pytest.raises(InvalidInputError, match="not a health-check file"):
        read_indicators(tmp_path / "x.csv")
