"""A parcel's planning conditions (规划条件), read from a YAML ruleset file.

```yaml
name: DU01-03 地块规划条件
site_area_m2: 12000        # else --site-area, else the red line's area
max_height_m: 100
height_includes_parapet: false
max_far: 3.5
min_far: 1.0
max_coverage: 0.35         # a fraction (0.35) or a percentage ("35%")
min_green_ratio: 0.30
setback_m: 10              # from the red line (--red-line, or red_line: below)
red_line: redline.geojson  # relative to this file
max_storeys: 30
```

Unknown keys are an error naming the key; so are values of the wrong kind.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml

from twin.errors import InvalidInputError

LIMIT_KEYS = (
    "max_height_m",
    "max_far",
    "min_far",
    "max_coverage",
    "min_green_ratio",
    "setback_m",
    "max_storeys",
)
FRACTION_KEYS = ("max_coverage", "min_green_ratio")


@dataclass(frozen=True)
class Ruleset:
    name: str | None = None
    site_area_m2: float | None = None
    red_line: Path | None = None
    height_includes_parapet: bool = False
    max_height_m: float | None = None
    max_far: float | None = None
    min_far: float | None = None
    max_coverage: float | None = None
    min_green_ratio: float | None = None
    setback_m: float | None = None
    max_storeys: int | None = None


KNOWN = tuple(f.name for f in fields(Ruleset))


def load_ruleset(path: Path) -> Ruleset:
    if not path.is_file():
        raise InvalidInputError(f"ruleset file not found: {path.name}")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInputError(
            f"{path.name}: not a readable YAML ruleset ({_first_line(exc)})"
        ) from None
    return parse_ruleset(read_yaml(text, path.name), base=path.parent, label=path.name)


def read_yaml(text: str, label: str) -> Any:
    """The YAML document of a ruleset (an empty one is an empty mapping)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidInputError(
            f"{label}: not a readable YAML ruleset ({_first_line(exc)})"
        ) from None
    return data if data is not None else {}


def parse_ruleset(data: Any, *, base: Path | None = None, label: str = "ruleset") -> Ruleset:
    if not isinstance(data, dict):
        raise InvalidInputError(f"{label}: a ruleset is a mapping of keys to limits")
    unknown = [str(k) for k in data if k not in KNOWN]
    if unknown:
        raise InvalidInputError(
            f"{label}: unknown key {unknown[0]!r} (known keys: {', '.join(KNOWN)})"
        )
    values: dict[str, Any] = {}
    for key, raw in data.items():
        if raw is None:
            continue
        if key == "name":
            values[key] = str(raw)
        elif key == "red_line":
            if not isinstance(raw, str) or not raw.strip():
                raise InvalidInputError(f"{label}: red_line must be a file path")
            values[key] = (base or Path()) / raw
        elif key == "height_includes_parapet":
            if not isinstance(raw, bool):
                raise InvalidInputError(f"{label}: height_includes_parapet must be true or false")
            values[key] = raw
        elif key == "max_storeys":
            if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
                raise InvalidInputError(f"{label}: max_storeys must be a whole number >= 0")
            values[key] = raw
        else:
            values[key] = _number(key, raw, label)
    rules = Ruleset(**values)
    if rules.min_far is not None and rules.max_far is not None and rules.min_far > rules.max_far:
        raise InvalidInputError(
            f"{label}: min_far {rules.min_far} is above max_far {rules.max_far}"
        )
    return rules


def _number(key: str, raw: Any, label: str) -> float:
    percent = isinstance(raw, str) and raw.strip().endswith("%")
    try:
        value = float(raw.strip().rstrip("%")) if isinstance(raw, str) else float(raw)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{label}: {key} must be a number (got {raw!r})") from None
    if isinstance(raw, bool) or not math.isfinite(value) or value < 0:
        raise InvalidInputError(f"{label}: {key} must be a number >= 0 (got {raw!r})")
    if percent:
        if key not in FRACTION_KEYS:
            raise InvalidInputError(f"{label}: {key} cannot be a percentage")
        value /= 100.0
    if key in FRACTION_KEYS and value > 1:
        raise InvalidInputError(f"{label}: {key} is a fraction of the site (0-1 or '35%')")
    return value


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
