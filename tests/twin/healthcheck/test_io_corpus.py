"""The bad health-check files of tests/corpus (and bad XLSX made here) are refused whole,
each error naming its feature or row and its column."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook

from twin.errors import InvalidInputError
from twin.healthcheck.io_read import read_items
from twin.healthcheck.stages import load_stages

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def _xlsx(rows: list[list[object]]) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        wb = Workbook()
        ws = wb.active
        assert ws is not None
        for row in rows:
            ws.append(row)
        wb.save(folder / "bad.xlsx")
        return folder / "bad.xlsx"

    return make


CASES = [
    ("severity-7", "problems", lambda d: CORPUS / "hc_problems_severity_7.geojson",
     "feature 2, column 严重程度 (severity): must be a whole number from 1 to 3"),
    ("nan-lon", "problems", lambda d: CORPUS / "hc_problems_nan_lon.geojson",
     "feature 1, column lon: must be a finite number"),
    ("bad-date", "projects", lambda d: CORPUS / "hc_projects_bad_date.geojson",
     "feature 1, column 约定开工日期 (agreed_start_date): '2025-02-30' is not a date"),
    ("xlsx-header", "indicators",
     _xlsx([["指标编码", "指标名", "年份", "区域"], ["HC-01", "绿地", 2026, "福田区"]]),
     "unknown header row 1, column B '指标名'"),
    ("xlsx-date", "problems",
     _xlsx([["标题", "期限", "经度", "纬度"], ["积水", "下个月", 114.0, 22.5]]),
     "row 2, column 期限 (due_date): '下个月' is not a date"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "make", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_a_bad_file_is_refused_naming_the_place(
    tmp_path: Path, kind: str, make: Callable[[Path], Path], words: str
) -> None:
    with pytest.raises(InvalidInputError) as err:
        read_items(kind, make(tmp_path), load_stages(), date(2026, 12, 3))  # type: ignore[arg-type]
    assert words in err.value.message
    assert "nothing imported" in err.value.message or "header" in err.value.message
