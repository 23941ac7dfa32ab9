"""XLSX health-check tables (openpyxl): reading an import's rows, writing the exports.

Reading takes the first sheet; its first row naming a known column is the header (title rows of one
cell may stand above it) (Chinese or English
names, see ``io_columns``). A header that is unknown, repeated or missing a required column
refuses the file naming the cell; a sheet is a template, and a typo must not drop a column.
Writing puts Chinese headers and value labels, and every text as text (a title starting
with ``=`` stays a title, never a formula).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from twin.errors import InvalidInputError
from twin.healthcheck.io_columns import (
    AREA_KIND_ZH,
    COLUMNS,
    REQUIRED,
    STATUS_ZH,
    Column,
    Kind,
    accepted,
    field_of,
    label,
)
from twin.healthcheck.io_read import Row
from twin.healthcheck.records import IndicatorValue, Problem
from twin.healthcheck.rules import indicator_status, problem_overdue

MAX_ROWS = 100_000
TITLE_ROWS = 3  # rows of one cell (a title) that may stand above the header
MAX_UNPACKED = 512 * 2**20  # bytes of the workbook's parts once unzipped
STATUS_FILL = {"green": "C6EFCE", "amber": "FFEB9C", "red": "FFC7CE"}
STATUS_ZH_INDICATOR = {"green": "达标", "amber": "接近", "red": "未达标"}
SEVERITY_FILL = {1: "FFF2CC", 2: "FCE4D6", 3: "FFC7CE"}


# --- reading -----------------------------------------------------------------------------


def _check_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as z:
            unpacked = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, OSError):
        raise InvalidInputError(f"{path.name}: not an XLSX workbook") from None
    if unpacked > MAX_UNPACKED:
        raise InvalidInputError(f"{path.name}: unpacks to more than {MAX_UNPACKED >> 20} MB")


def _sheet_rows(path: Path) -> list[tuple[int, tuple[Any, ...]]]:
    _check_zip(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a damaged workbook
        raise InvalidInputError(f"{path.name}: not a readable XLSX workbook") from None
    try:
        ws = wb.worksheets[0] if wb.worksheets else None
        if ws is None:
            raise InvalidInputError(f"{path.name}: the workbook has no sheet")
        out: list[tuple[int, tuple[Any, ...]]] = []
        for n, values in enumerate(ws.iter_rows(values_only=True), start=1):
            if any(not _blank(v) for v in values):
                out.append((n, tuple(values)))
                if len(out) > MAX_ROWS + 1:
                    raise InvalidInputError(f"{path.name}: more than {MAX_ROWS} rows")
        return out
    except InvalidInputError:
        raise
    except Exception:
        raise InvalidInputError(f"{path.name}: not a readable XLSX workbook") from None
    finally:
        wb.close()


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _header(name: str, kind: Kind, n: int, cells: tuple[Any, ...]) -> dict[int, tuple[str, str]]:
    """Column index → (field, header as written); computed columns are left out."""
    out: dict[int, tuple[str, str]] = {}
    unknown: list[str] = []
    by_field: dict[str, str] = {}
    for i, cell in enumerate(cells):
        if _blank(cell):
            continue
        header = str(cell).strip()
        place = f"row {n}, column {get_column_letter(i + 1)}"
        field = field_of(kind, header)
        if field is None:
            unknown.append(f"{place} {header[:40]!r}")
        elif field:
            if field in by_field:
                raise InvalidInputError(
                    f"{name}: {place}: {header!r} names {label(kind, field)} again "
                    f"(already column {by_field[field]})"
                )
            by_field[field] = get_column_letter(i + 1)
            out[i] = (field, header)
    if unknown:
        raise InvalidInputError(
            f"{name}: unknown header {', '.join(unknown)}; the {kind} columns are {accepted(kind)}"
        )
    fields = {f for f, _ in out.values()}
    missing = [label(kind, f) for f in REQUIRED[kind] if f not in fields]
    if kind != "indicators" and "geometry" not in fields and not {"lon", "lat"} <= fields:
        missing.append("几何 (geometry), or 经度 (lon) and 纬度 (lat)")
    if missing:
        raise InvalidInputError(f"{name}: header row {n} has no column for {', '.join(missing)}")
    return out


def _header_at(rows: list[tuple[int, tuple[Any, ...]]], kind: Kind) -> int:
    """The header: the first row naming a known column; title rows of one cell above it
    (``2026年城市体检问题清单``) are passed over."""
    for i, (_, cells) in enumerate(rows[: TITLE_ROWS + 1]):
        filled = [c for c in cells if not _blank(c)]
        if any(field_of(kind, str(c).strip()) for c in filled):
            return i
        if len(filled) > 1:
            break
    return 0


def read_rows(path: Path, kind: Kind) -> list[Row]:
    """The data rows of the first sheet, by field name (blank rows skipped)."""
    rows = _sheet_rows(path)
    if not rows:
        raise InvalidInputError(f"{path.name}: the first sheet is empty")
    at = _header_at(rows, kind)
    n, header_cells = rows[at]
    columns = _header(path.name, kind, n, header_cells)
    headers = {field: header for field, header in columns.values()}
    out: list[Row] = []
    for r, values in rows[at + 1 :]:
        for i, v in enumerate(values):
            if i not in columns and not _blank(v) and (i >= len(header_cells) or
                                                       _blank(header_cells[i])):  # fmt: skip
                raise InvalidInputError(
                    f"{path.name}: row {r}, column {get_column_letter(i + 1)}: "
                    "a value in a column with no header"
                )
        fields = {f: values[i] if i < len(values) else None for i, (f, _) in columns.items()}
        out.append(Row(where=f"row {r}", fields=fields, headers=headers))
    if not out:
        raise InvalidInputError(f"{path.name}: no rows below the header")
    return out


# --- writing -----------------------------------------------------------------------------


def _text(value: str) -> str | None:
    cleaned = ILLEGAL_CHARACTERS_RE.sub("", value)
    return cleaned or None


def _put(ws: Worksheet, r: int, c: int, value: Any) -> None:
    if isinstance(value, str):
        cell = ws.cell(row=r, column=c, value=_text(value))
        if cell.value is not None:
            cell.data_type = "s"  # text, even when it starts with "="
    elif isinstance(value, date) and not isinstance(value, datetime):
        cell = ws.cell(row=r, column=c, value=value)
        cell.number_format = "yyyy-mm-dd"
    else:
        ws.cell(row=r, column=c, value=value)


def _sheet(title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> Workbook:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title
    for c, h in enumerate(headers, start=1):
        _put(ws, 1, c, h)
        ws.cell(row=1, column=c).font = Font(bold=True)
        ws.cell(row=1, column=c).alignment = Alignment(horizontal="center")
        ws.column_dimensions[get_column_letter(c)].width = max(10, 2.2 * len(h) + 2)
    for r, values in enumerate(rows, start=2):
        for c, v in enumerate(values, start=1):
            _put(ws, r, c, v)
    ws.freeze_panes = "A2"
    return wb


def _bytes(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _fill(ws: Worksheet, r: int, c: int, colour: str) -> None:
    ws.cell(row=r, column=c).fill = PatternFill("solid", start_color=colour, end_color=colour)


def _zh(columns: tuple[Column, ...], skip: frozenset[str] = frozenset()) -> list[str]:
    return [c.zh for c in columns if c.field not in skip]


def write_indicators_xlsx(values: Sequence[IndicatorValue]) -> bytes:
    """The indicator table (一张表) with its 评价 column coloured green/amber/red."""
    headers = [*_zh(COLUMNS["indicators"]), "评价"]
    statuses = [indicator_status(v.value, v.target, v.comparison) for v in values]
    rows = [
        (v.code, v.name, v.unit, v.target, v.comparison, v.year, v.area,
         AREA_KIND_ZH[v.area_kind], v.value, v.source,
         STATUS_ZH_INDICATOR[s] if s is not None else "")
        for v, s in zip(values, statuses, strict=True)
    ]  # fmt: skip
    wb = _sheet("体检指标", headers, rows)
    ws = wb.active
    assert ws is not None
    for r, s in enumerate(statuses, start=2):
        if s is not None:
            _fill(ws, r, len(headers), STATUS_FILL[s])
    return _bytes(wb)


_PROBLEM_SKIP = frozenset({"lon", "lat"})


def write_problems_xlsx(problems: Sequence[Problem], today: date) -> bytes:
    """The problem list (一清单): geometry as GeoJSON text, overdue as of ``today``."""
    headers = [*_zh(COLUMNS["problems"], _PROBLEM_SKIP), "逾期", "关联项目", "照片"]
    rows = [
        (p.id, p.title, p.indicator, p.severity, STATUS_ZH[p.status], p.department,
         p.district, p.due_date, p.description,
         json.dumps(p.geometry, ensure_ascii=False, separators=(",", ":")),
         "是" if problem_overdue(p, today) else "否", ",".join(p.project_ids), len(p.photos))
        for p in problems
    ]  # fmt: skip
    wb = _sheet("问题清单", headers, rows)
    ws = wb.active
    assert ws is not None
    overdue_col = headers.index("逾期") + 1
    severity_col = headers.index("严重程度") + 1
    for r, p in enumerate(problems, start=2):
        _fill(ws, r, severity_col, SEVERITY_FILL.get(p.severity, "FFFFFF"))
        if problem_overdue(p, today):
            _fill(ws, r, overdue_col, STATUS_FILL["red"])
    return _bytes(wb)
