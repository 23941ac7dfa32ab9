from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import ifcopenshell
import pytest

from bim_ingest.review.review_model import ReviewInput, ReviewReport, review_model
from bim_ingest.review.ruleset import parse_ruleset
from tests.bim_ingest.review.review_models import Block, write_block

Review = Callable[..., ReviewReport]


@pytest.fixture
def review(tmp_path: Path) -> Review:
    def run(block: Block, rules: dict[str, object] | None = None, **given: object) -> ReviewReport:
        path = write_block(block, tmp_path / f"block-{len(list(tmp_path.iterdir()))}.ifc")
        model = ifcopenshell.open(str(path))
        ruleset = parse_ruleset(rules or {})
        return review_model(model, ReviewInput(rules=ruleset, **given), name=path.name)  # type: ignore[arg-type]

    return run
