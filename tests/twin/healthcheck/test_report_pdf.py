"""The printable report: a PDF that opens, with its Chinese text extractable."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pypdf

from twin.healthcheck.build_items import build_indicator, build_problem, build_project
from twin.healthcheck.report_pdf import render_report_pdf
from twin.healthcheck.stages import load_stages
from twin.healthcheck.summary import build_summary

TODAY = date(2026, 12, 3)
STAGES = load_stages()
POINT = {"type": "Point", "coordinates": [114.06, 22.54]}

INDICATORS = [
    build_indicator({"code": "HC-01", "name": "人均公园绿地面积", "unit": "㎡/人", "target": 12,
                     "year": 2026, "area": "福田区", "value": 13.1}),
    build_indicator({"code": "HC-02", "name": "城市内涝积水点数量", "unit": "个", "target": 0,
                     "comparison": "<=", "year": 2026, "area": "罗湖区", "value": 4}),
]  # fmt: skip
PROBLEMS = [
    build_problem({"id": "P-1", "title": "笋岗片区<违章>搭建", "severity": 3, "district": "罗湖区",
                   "department": "罗湖区城管局", "due_date": TODAY - timedelta(days=12),
                   "geometry": POINT}),
    build_problem({"id": "P-2", "title": "梅林路面破损", "severity": 1, "district": "福田区",
                   "due_date": TODAY + timedelta(days=30), "geometry": POINT}),
]  # fmt: skip
PROJECTS = [
    build_project({"id": "R-1", "name": "湖贝旧村更新", "stage": "supply", "district": "罗湖区",
                   "stage_started": date(2025, 1, 2), "agreed_start_date": date(2025, 3, 1),
                   "geometry": POINT}, STAGES, TODAY),
    build_project({"id": "R-2", "name": "景田北片区改造", "stage": "construction",
                   "district": "福田区", "stage_started": date(2026, 6, 1), "geometry": POINT},
                  STAGES, TODAY),
]  # fmt: skip


def _text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_report_opens_and_its_chinese_text_can_be_extracted() -> None:
    summary = build_summary(PROBLEMS, PROJECTS, INDICATORS, STAGES, TODAY)
    pdf = render_report_pdf(summary, INDICATORS, PROBLEMS, PROJECTS, STAGES)
    assert pdf.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert reader.metadata is not None and reader.metadata.title == "城市体检报告"
    text = _text(pdf)
    for words in ("城市体检报告", "截至 2026-12-03", "人均公园绿地面积", "达标", "未达标",
                  "各区统计", "罗湖区", "笋岗片区<违章>搭建", "逾期问题清单", "湖贝旧村更新",
                  "闲置"):  # fmt: skip
        assert words in text, words
    assert "梅林路面破损" not in text  # due in 30 days: not overdue
    assert "景田北片区改造" not in text  # in construction since June: in time
    assert render_report_pdf(summary, INDICATORS, PROBLEMS, PROJECTS, STAGES) == pdf


def test_a_district_report_lists_that_district_only() -> None:
    summary = build_summary(PROBLEMS, PROJECTS, INDICATORS, STAGES, TODAY, "福田区")
    pdf = render_report_pdf(summary, INDICATORS, PROBLEMS, PROJECTS, STAGES, district="福田区")
    text = _text(pdf)
    assert "城市体检报告（福田区）" in text
    assert "人均公园绿地面积" in text and "城市内涝积水点数量" not in text
    assert "湖贝旧村更新" not in text and "无逾期问题" in text


def test_an_empty_report_still_renders() -> None:
    summary = build_summary([], [], [], STAGES, TODAY)
    text = _text(render_report_pdf(summary, [], [], [], STAGES))
    assert "暂无指标数据" in text and "无逾期或闲置项目" in text


def test_a_very_long_title_is_cut_short_and_the_report_still_fits() -> None:
    long = build_problem({"id": "P-9", "title": "占道经营" * 2000, "severity": 2,
                          "due_date": TODAY - timedelta(days=1), "geometry": POINT})  # fmt: skip
    summary = build_summary([long], [], [], STAGES, TODAY)
    text = _text(render_report_pdf(summary, [], [long], [], STAGES))
    assert "占道经营占道经营" in text and "…" in text
    assert text.count("占道经营") < 100
