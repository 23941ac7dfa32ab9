"""Column names of health-check files (Chinese or English) and the Chinese labels of values.

An imported file names its columns (XLSX header cells, GeoJSON/GeoPackage property names)
in Chinese or English; ``field_of`` maps either onto the API's field names, which is what
``build_items`` checks. Exports write the Chinese header (``Column.zh``) and the Chinese
value labels, which import reads back: ``read(write(x)) == x``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final, Literal

from twin.healthcheck.stages import Stages

Kind = Literal["indicators", "problems", "projects"]
KINDS: Final[tuple[Kind, ...]] = ("indicators", "problems", "projects")


@dataclass(frozen=True)
class Column:
    field: str  # the API's field name
    zh: str  # the header an export writes
    aliases: tuple[str, ...] = ()  # further accepted names (the field name always is)

    def names(self) -> tuple[str, ...]:
        return (self.zh, self.field, *self.aliases)


INDICATOR_COLUMNS: Final = (
    Column("code", "指标编码", ("编码", "指标代码")),
    Column("name", "指标名称", ("指标",)),
    Column("unit", "单位"),
    Column("target", "目标值", ("目标",)),
    Column("comparison", "比较", ("比较方式",)),
    Column("year", "年份", ("年度",)),
    Column("area", "区域", ("地区",)),
    Column("area_kind", "区域类型"),
    Column("value", "数值", ("现状值", "值")),
    Column("source", "来源", ("数据来源",)),
)
PROBLEM_COLUMNS: Final = (
    Column("id", "编号", ("问题编号",)),
    Column("title", "标题", ("问题", "问题名称")),
    Column("indicator", "指标", ("指标编码",)),
    Column("severity", "严重程度", ("等级",)),
    Column("status", "状态"),
    Column("department", "责任部门", ("部门",)),
    Column("district", "区", ("行政区", "所在区")),
    Column("due_date", "期限", ("整改期限", "due")),
    Column("description", "描述", ("问题描述",)),
    Column("lon", "经度", ("lng", "longitude")),
    Column("lat", "纬度", ("latitude",)),
    Column("geometry", "几何", ("wkt", "geom")),
)
PROJECT_COLUMNS: Final = (
    Column("id", "编号", ("项目编号",)),
    Column("name", "名称", ("项目名称",)),
    Column("stage", "阶段"),
    Column("stage_started", "阶段开始", ("阶段开始日期",)),
    Column("percent", "进度", ("进度%", "完成比例")),
    Column("district", "区", ("行政区", "所在区")),
    Column("department", "部门", ("责任部门",)),
    Column("budget", "预算", ("投资", "总投资")),
    Column("start_date", "开工日期"),
    Column("agreed_start_date", "约定开工日期"),
    Column("problem_ids", "关联问题"),
    Column("lon", "经度", ("lng", "longitude")),
    Column("lat", "纬度", ("latitude",)),
    Column("geometry", "几何", ("wkt", "geom")),
)
COLUMNS: Final[dict[Kind, tuple[Column, ...]]] = {
    "indicators": INDICATOR_COLUMNS,
    "problems": PROBLEM_COLUMNS,
    "projects": PROJECT_COLUMNS,
}
#: columns an export adds that are computed, not imported (read back, they are ignored)
COMPUTED: Final[dict[Kind, tuple[str, ...]]] = {
    "indicators": ("评价", "status", "备注", "note"),
    "problems": ("逾期", "overdue", "关联项目", "project_ids", "照片", "photos", "备注", "note"),
    "projects": ("阶段期限", "stage_due", "逾期", "overdue", "闲置", "idle", "照片", "photos",
                 "备注", "note"),
}  # fmt: skip
#: the fields a file must have a column for (either of a geometry or lon and lat)
REQUIRED: Final[dict[Kind, tuple[str, ...]]] = {
    "indicators": ("code", "name", "year", "area"),
    "problems": ("title",),
    "projects": ("name",),
}
DATE_FIELDS: Final = frozenset({"due_date", "stage_started", "start_date", "agreed_start_date"})

_BRACKETS = re.compile(r"[(（\[【].*?[)）\]】]")


def normal(header: str) -> str:
    """A header as compared: no units in brackets, no spaces, lower case."""
    return re.sub(r"\s+", "", _BRACKETS.sub("", header)).lower()


def _lookup(columns: tuple[Column, ...]) -> dict[str, Column]:
    return {normal(n): c for c in columns for n in c.names()}


def field_of(kind: Kind, header: str) -> str | None:
    """The field a header names, ``""`` for a computed column to ignore, None if unknown."""
    key = normal(header)
    column = _lookup(COLUMNS[kind]).get(key)
    if column is not None:
        return column.field
    if key in {normal(n) for n in COMPUTED[kind]}:
        return ""
    return None


def label(kind: Kind, field: str) -> str:
    """How an error names a field: ``严重程度 (severity)``."""
    for column in COLUMNS[kind]:
        if column.field == field:
            return f"{column.zh} ({field})"
    return field


def accepted(kind: Kind) -> str:
    return ", ".join(f"{c.zh}/{c.field}" for c in COLUMNS[kind])


# --- value labels ------------------------------------------------------------------------

STATUS_ZH: Final = {"open": "待整改", "in_progress": "整改中", "rechecking": "待复核",
                    "closed": "已销号"}  # fmt: skip
_STATUS_ALIASES: Final = {"待处理": "open", "处理中": "in_progress", "复核中": "rechecking",
                          "已关闭": "closed", "已整改": "closed"}  # fmt: skip
SEVERITY_ZH: Final = {1: "一般", 2: "较重", 3: "严重"}
_SEVERITY_ALIASES: Final = {"低": 1, "中": 2, "高": 3}
AREA_KIND_ZH: Final = {"district": "区", "community": "社区"}
_AREA_KIND_ALIASES: Final = {"行政区": "district", "街道社区": "community"}
_COMPARISON_ALIASES: Final = {"≥": ">=", "≤": "<=", "不低于": ">=", "不高于": "<=",
                              "不小于": ">=", "不大于": "<="}  # fmt: skip
_DATE_TEXT = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")


def _date_text(value: str) -> Any:
    """``2026/3/1``, ``2026.3.1`` and ``2026年3月1日`` as a date; anything else unchanged."""
    m = _DATE_TEXT.match(value)
    if m is None:
        return value
    y, mo, d = (int(g) for g in m.groups())
    try:
        return date(y, mo, d)
    except ValueError:
        return value  # the field check names it


def from_labels(kind: Kind, fields: Mapping[str, Any], stages: Stages | None) -> dict[str, Any]:
    """The fields with Chinese value labels turned into the API's codes."""
    out = dict(fields)
    for name, value in fields.items():
        if not isinstance(value, str):
            continue
        text = value.strip()
        if name in DATE_FIELDS:
            out[name] = _date_text(text)
        elif kind == "problems" and name == "status":
            codes = {v: k for k, v in STATUS_ZH.items()} | _STATUS_ALIASES
            out[name] = codes.get(text, text)
        elif kind == "problems" and name == "severity":
            codes_s = {v: k for k, v in SEVERITY_ZH.items()} | _SEVERITY_ALIASES
            out[name] = codes_s.get(text, text)
        elif kind == "indicators" and name == "area_kind":
            kinds = {v: k for k, v in AREA_KIND_ZH.items()} | _AREA_KIND_ALIASES
            out[name] = kinds.get(text, text)
        elif kind == "indicators" and name == "comparison":
            out[name] = _COMPARISON_ALIASES.get(text, text)
        elif kind == "projects" and name == "stage" and stages is not None:
            out[name] = _stage_code(text, stages)
    return out


def _stage_code(text: str, stages: Stages) -> str:
    for s in stages.stages:
        if text in (s.code, s.zh) or text.lower() == s.en.lower():
            return s.code
    return text
