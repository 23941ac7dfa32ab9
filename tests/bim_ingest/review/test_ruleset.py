from __future__ import annotations

from pathlib import Path

import pytest

from bim_ingest.review.ruleset import load_ruleset, parse_ruleset
from twin.errors import InvalidInputError


def test_a_ruleset_file_reads_every_planning_condition(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(
        "name: 地块 A\nmax_height_m: 100\nmax_far: 3.5\nmin_far: 1\nmax_coverage: 35%\n"
        "min_green_ratio: 0.3\nsetback_m: 10\nmax_storeys: 30\nred_line: red.geojson\n",
        encoding="utf-8",
    )
    rules = load_ruleset(path)
    assert (rules.max_height_m, rules.max_far, rules.min_far) == (100.0, 3.5, 1.0)
    assert rules.max_coverage == pytest.approx(0.35) and rules.min_green_ratio == 0.3
    assert (rules.setback_m, rules.max_storeys, rules.name) == (10.0, 30, "地块 A")
    assert rules.red_line == tmp_path / "red.geojson"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"max_hieght_m": 10}, "unknown key 'max_hieght_m'"),
        ({"max_far": "high"}, "max_far must be a number"),
        ({"max_far": -1}, "max_far must be a number >= 0"),
        ({"max_storeys": 2.5}, "max_storeys must be a whole number"),
        ({"max_coverage": 1.5}, "max_coverage is a fraction"),
        ({"min_far": 3, "max_far": 2}, "min_far 3.0 is above max_far 2.0"),
        ([1, 2], "a mapping"),
    ],
)
def test_a_bad_ruleset_is_refused_naming_the_problem(data: object, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        parse_ruleset(data)


def test_an_unreadable_ruleset_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("max_far: [unclosed\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="not a readable YAML ruleset"):
        load_ruleset(path)
    with pytest.raises(InvalidInputError, match="not found"):
        load_ruleset(tmp_path / "missing.yaml")
