"""A small layer for the CQL2 tests and an oracle: the rows' attributes read in plain Python.

The oracle follows SQL's three-valued logic the way the tests write it: a
condition on a NULL (or missing, or wrongly typed) value is not true, and
neither is its negation.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import shapely

from tests.storage.catalog_helpers import Feat, square
from twin.domain import AttributeType, FeatureRecord

LAYER = "city"
SCHEMA: dict[str, AttributeType] = {
    "用途": "string",
    "名称": "string",
    "高度": "number",
    "层数": "integer",
    "built": "string",
    "public": "boolean",
    "code": "string",
}
USES = ("住宅", "商业", "办公", None)
NAMES = ("阳光花园", "花园小区", "中心大厦", "Garden Court", "garden 50%", "a_b", None, "花")
BUILT = (
    "2019-12-31",
    "2020-01-01",
    "2020-01-01T08:00:00+08:00",
    "2020-06-15T12:30:00Z",
    "2020-12-31T23:59:59.5Z",
    "2021-03-01 09:00:00",
    "unknown",
    None,
)


def features() -> list[Feat]:
    out: list[Feat] = []
    for i in range(40):
        attributes: dict[str, Any] = {
            "用途": USES[i % 4],
            "名称": NAMES[i % 8],
            "高度": None if i % 9 == 4 else 3.0 * i + 1.5,
            "层数": i % 7,
            "built": BUILT[(i * 3) % 8],
            "public": i % 3 == 0,
            "code": f"C{i:02d}",
        }
        if i % 10 == 9:
            del attributes["用途"]  # a missing key reads as NULL
        if i == 13:
            attributes["高度"] = "tall"  # the wrong JSON type reads as NULL
        out.append(
            Feat(
                id=f"{LAYER}:F{i}",
                geom=square(116.30 + (i % 8) * 0.01, 39.90 + (i // 8) * 0.01, 0.008),
                attributes=attributes,
                cls="room" if i >= 32 else "building",
                parent_id=None if i < 32 else f"{LAYER}:F{i - 32}",
                zmin=0.0,
                zmax=float(i),
            )
        )
    return out


SCHEMA_JSON_TYPES: dict[AttributeType, tuple[type, ...]] = {
    "string": (str,),
    "number": (int, float),
    "integer": (int, float),
    "boolean": (bool,),
}


def value(row: FeatureRecord, name: str) -> Any:
    """The attribute as the catalog reads it: None unless its JSON type fits the schema."""
    builtins: dict[str, Any] = {
        "id": row.id,
        "class": row.cls,
        "parent_id": row.parent_id,
        "zmin": row.zmin,
        "zmax": row.zmax,
    }
    if name in builtins:
        return builtins[name]
    got = row.attributes.get(name)
    kind = SCHEMA[name]
    if got is None or not isinstance(got, SCHEMA_JSON_TYPES[kind]):
        return None
    if kind != "boolean" and isinstance(got, bool):
        return None
    return got


def footprint(row: FeatureRecord) -> shapely.Geometry:
    return shapely.from_wkb(row.footprint_wkb)


def instant(row: FeatureRecord, name: str) -> datetime | None:
    text = value(row, name)
    if text is None:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def day(text: str) -> tuple[datetime, datetime]:
    start = datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)
    return start, start + timedelta(days=1)


def at(text: str) -> datetime:
    parsed = datetime.fromisoformat(text)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def like(text: Any, pattern: str) -> bool:
    """CQL2 LIKE by hand: '%' any run, '_' one character, '\\' escapes; case-sensitive."""
    if text is None:
        return False

    def match(t: int, p: int) -> bool:
        while p < len(pattern):
            c = pattern[p]
            if c == "%":
                return any(match(k, p + 1) for k in range(t, len(text) + 1))
            if t >= len(text):
                return False
            if c == "\\":
                p += 1
                if text[t] != pattern[p]:
                    return False
            elif c != "_" and text[t] != c:
                return False
            t, p = t + 1, p + 1
        return t == len(text)

    return match(0, 0)
