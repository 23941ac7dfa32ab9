"""The printable health-check report (PDF, reportlab): 城市体检报告.

Title and as-of date, the totals, the indicator table coloured red/amber/green against the
targets, open/overdue counts per district, and the lists of overdue problems and of overdue
or idle projects. Chinese is set in the CID font STSong-Light (Adobe-GB1, built into every
PDF reader: nothing is embedded, and the text stays extractable and searchable).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from twin.healthcheck.records import IndicatorValue, Problem, Project
from twin.healthcheck.rules import (
    compute_overdue,
    indicator_status,
    is_idle,
    problem_overdue,
    stage_due,
)
from twin.healthcheck.stages import Stages
from twin.healthcheck.summary import SummaryOut, latest_values

FONT = "STSong-Light"
MAX_LIST = 500  # rows of a list printed; the rest are counted
MAX_CELL = 200  # characters of a cell (a table row must fit on a page)
STATUS_COLOUR = {"green": "#C6EFCE", "amber": "#FFEB9C", "red": "#FFC7CE"}
STATUS_ZH = {"green": "达标", "amber": "接近", "red": "未达标"}
HEADER_BG = colors.HexColor("#DDE4EE")


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _styles() -> dict[str, ParagraphStyle]:
    font = _font()
    base = ParagraphStyle("base", fontName=font, fontSize=9, leading=12, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=20, leading=26, spaceAfter=4),
        "sub": ParagraphStyle("sub", parent=base, fontSize=10, textColor=colors.grey),
        "h2": ParagraphStyle(
            "h2", parent=base, fontSize=13, leading=18, spaceBefore=10, spaceAfter=4
        ),
        "cell": base,
        "note": ParagraphStyle("note", parent=base, textColor=colors.grey),
    }


def _p(text: Any, style: ParagraphStyle, limit: int | None = None) -> Paragraph:
    """A paragraph of plain text (escaped); ``limit`` cuts a long one short."""
    out = "" if text is None else str(text)
    if limit is not None and len(out) > limit:
        out = out[: limit - 1] + "…"
    return Paragraph(escape(out), style)


def _num(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:g}" if abs(value) < 1e15 else f"{value:.3e}"


def _table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    widths: Sequence[float],
    styles: dict[str, ParagraphStyle],
    fills: Sequence[tuple[int, int, str]] = (),
) -> Table:
    """A table of paragraphs (long Chinese text wraps); ``fills``: (column, row, colour)."""
    cell = styles["cell"]
    data = [[_p(h, cell) for h in headers]]
    data += [[_p(v, cell, MAX_CELL) for v in row] for row in rows]
    table = Table(data, colWidths=[w * mm for w in widths], repeatRows=1)
    commands: list[Any] = [
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_BG),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9AA5B1")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    for col, row, colour in fills:
        commands.append(("BACKGROUND", (col, row + 1), (col, row + 1), colors.HexColor(colour)))
    table.setStyle(TableStyle(commands))
    return table


def _more(n: int, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    if n <= MAX_LIST:
        return []
    return [_p(f"……另有 {n - MAX_LIST} 条未列出 ({n - MAX_LIST} more not listed)", styles["note"])]


def _none(text: str, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    return [_p(text, styles["note"])]


def _totals(summary: SummaryOut, styles: dict[str, ParagraphStyle]) -> Table:
    t, c = summary["totals"], summary["indicators"]
    headers = ["未销号问题", "逾期问题", "在建项目", "逾期项目", "闲置土地",
               "指标 达标/接近/未达标/无目标"]  # fmt: skip
    row = [t["problems_open"], t["problems_overdue"], t["projects_active"],
           t["projects_overdue"], t["projects_idle"],
           f"{c['green']} / {c['amber']} / {c['red']} / {c['none']}"]  # fmt: skip
    return _table(headers, [row], [24, 24, 24, 24, 24, 60], styles)


def _indicators(
    values: Sequence[IndicatorValue], styles: dict[str, ParagraphStyle]
) -> list[Flowable]:
    latest = sorted(latest_values(values), key=lambda v: (v.code, v.area_kind, v.area))
    if not latest:
        return _none("暂无指标数据 (no indicators)", styles)
    rows, fills = [], []
    for i, v in enumerate(latest[:MAX_LIST]):
        status = indicator_status(v.value, v.target, v.comparison)
        target = "—" if v.target is None else f"{v.comparison} {_num(v.target)}"
        rows.append([v.code, v.name, v.area, v.year, target, _num(v.value), v.unit,
                     STATUS_ZH[status] if status else "—"])  # fmt: skip
        if status is not None:
            fills.append((7, i, STATUS_COLOUR[status]))
    headers = ["编码", "指标", "区域", "年份", "目标", "数值", "单位", "评价"]
    table = _table(headers, rows, [18, 50, 24, 13, 20, 18, 18, 19], styles, fills)
    return [table, *_more(len(latest), styles)]


def _districts(summary: SummaryOut, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    if not summary["districts"]:
        return _none("暂无问题或项目 (no problems or projects)", styles)
    rows = [[d["district"] or "（未填）", d["problems_open"], d["problems_overdue"],
             d["projects_active"], d["projects_overdue"], d["projects_idle"]]
            for d in summary["districts"]]  # fmt: skip
    headers = ["区", "未销号问题", "逾期问题", "在建项目", "逾期项目", "闲置土地"]
    return [_table(headers, rows, [40, 28, 28, 28, 28, 28], styles)]


def _problems(
    problems: Sequence[Problem], today: date, styles: dict[str, ParagraphStyle]
) -> list[Flowable]:
    late = [p for p in problems if problem_overdue(p, today) and p.due_date is not None]
    late.sort(key=lambda p: (p.due_date or today, -p.severity, p.id))
    if not late:
        return _none("无逾期问题 (no overdue problems)", styles)
    rows = [[p.id, p.title, p.district, p.department, p.due_date,
             (today - p.due_date).days if p.due_date else "", p.severity]
            for p in late[:MAX_LIST]]  # fmt: skip
    headers = ["编号", "问题", "区", "责任部门", "期限", "逾期天数", "严重程度"]
    fills = [(6, i, "#FFC7CE") for i, p in enumerate(late[:MAX_LIST]) if p.severity >= 3]
    table = _table(headers, rows, [24, 48, 16, 34, 20, 19, 19], styles, fills)
    return [table, *_more(len(late), styles)]


def _projects(
    projects: Sequence[Project], stages: Stages, today: date, styles: dict[str, ParagraphStyle]
) -> list[Flowable]:
    flagged = [j for j in projects if compute_overdue(j, stages, today) or is_idle(j, today)]
    flagged.sort(key=lambda j: (stage_due(j, stages) or today, j.id))
    if not flagged:
        return _none("无逾期或闲置项目 (no overdue or idle projects)", styles)
    rows = []
    for j in flagged[:MAX_LIST]:
        why = [w for w, on in (("逾期", compute_overdue(j, stages, today)),
                               ("闲置", is_idle(j, today))) if on]  # fmt: skip
        rows.append([j.id, j.name, j.district, stages.get(j.stage).zh, j.stage_started,
                     stage_due(j, stages) or "—", f"{j.percent}%", "、".join(why)])  # fmt: skip
    headers = ["编号", "项目", "区", "阶段", "阶段开始", "阶段期限", "进度", "情况"]
    table = _table(headers, rows, [22, 46, 18, 14, 20, 20, 14, 26], styles)
    return [table, *_more(len(flagged), styles)]


def render_report_pdf(
    summary: SummaryOut,
    indicators: Sequence[IndicatorValue],
    problems: Sequence[Problem],
    projects: Sequence[Project],
    stages: Stages,
    *,
    title: str = "城市体检报告",
    district: str | None = None,
) -> bytes:
    """The report as of ``summary["as_of"]``; ``district`` narrows the lists like the summary."""
    today = date.fromisoformat(summary["as_of"])
    if district is not None:
        indicators = [v for v in indicators if v.area == district]
        problems = [p for p in problems if p.district == district]
        projects = [j for j in projects if j.district == district]
    styles = _styles()
    heading = f"{title}（{district}）" if district else title
    story: list[Flowable] = [
        _p(heading, styles["title"]),
        _p(f"截至 {today.isoformat()}　City health-check report as of {today}", styles["sub"]),
        Spacer(1, 4 * mm),
        _p("一、总体情况 Overview", styles["h2"]),
        _totals(summary, styles),
        _p("二、体检指标 Indicators (latest year)", styles["h2"]),
        *_indicators(indicators, styles),
        _p("三、各区统计 By district", styles["h2"]),
        *_districts(summary, styles),
        _p("四、逾期问题清单 Overdue problems", styles["h2"]),
        *_problems(problems, today, styles),
        _p("五、逾期及闲置项目 Overdue and idle projects", styles["h2"]),
        *_projects(projects, stages, today, styles),
    ]
    out = io.BytesIO()

    def footer(canvas: Canvas, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.drawCentredString(A4[0] / 2, 10 * mm, f"{heading} · 第 {doc.page} 页")
        canvas.restoreState()

    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=14 * mm,
        rightMargin=14 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=heading,
        author="twin",
        subject=f"as of {today.isoformat()}",
        invariant=True,
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
