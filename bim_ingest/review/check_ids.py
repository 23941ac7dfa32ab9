"""Information requirements (buildingSMART IDS 1.0) checked by ifctester, reported per
specification in the IDS file's order, exactly as ifctester decides them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import ifcopenshell

from twin.errors import InvalidInputError

MAX_IDS_BYTES = 50_000_000


@dataclass(frozen=True)
class IdsResult:
    name: str
    status: Literal["pass", "fail"]
    applicable: int
    failed: tuple[str, ...]  # GlobalIds ifctester failed, in file order
    description: str
    ifc_versions: tuple[str, ...]
    prohibited: bool  # maxOccurs 0: applicable elements are themselves the failure
    applicable_ids: tuple[str, ...]  # kept for BCF viewpoints of prohibited specifications
    reasons: tuple[str, ...]  # the first few requirement failures, as ifctester words them


def _gid(element: Any) -> str:
    return str(getattr(element, "GlobalId", None) or f"#{element.id()}")


def _failure(failure: Any) -> tuple[Any, str]:
    if isinstance(failure, dict):
        return failure.get("element"), str(failure.get("reason", ""))
    return failure.element, str(failure.reason)


def load_ids(path: Path) -> Any:
    import ifctester.ids

    if not path.is_file():
        raise InvalidInputError(f"IDS file not found: {path.name}")
    if path.stat().st_size > MAX_IDS_BYTES:
        raise InvalidInputError(f"{path.name}: an IDS file over 50 MB is not plausible")
    try:
        return ifctester.ids.open(str(path), validate=True)
    except Exception as exc:  # ifctester raises XML, schema and parse errors of many kinds
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
        raise InvalidInputError(f"{path.name}: not a valid IDS 1.0 file ({reason})") from None


def check_ids(model: ifcopenshell.file, path: Path) -> list[IdsResult]:
    ids = load_ids(path)
    ids.validate(model)
    out = []
    for spec in ids.specifications:
        failed = sorted(spec.failed_entities, key=lambda e: e.id())
        applicable = sorted(spec.applicable_entities, key=lambda e: e.id())
        reasons: list[str] = []
        for facet in spec.requirements:
            for failure in getattr(facet, "failures", [])[:3]:
                element, reason = _failure(failure)
                reasons.append(f"{_gid(element)}: {reason}")
        out.append(
            IdsResult(
                name=str(spec.name or ""),
                status="pass" if spec.status else "fail",
                applicable=len(spec.applicable_entities),
                failed=tuple(_gid(e) for e in failed),
                description=str(spec.description or ""),
                ifc_versions=tuple(str(v) for v in (spec.ifcVersion or ())),
                prohibited=spec.maxOccurs == 0,
                applicable_ids=tuple(_gid(e) for e in applicable),
                reasons=tuple(reasons[:5]),
            )
        )
    return out
