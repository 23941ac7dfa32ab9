"""The land lifecycle stages of a renewal project (收储 → 供地 → 开工 → 竣工 → 验收), read
from a YAML definition: ``stages.yaml`` in this package, or a file given by the caller."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from twin.errors import ConfigError, InvalidInputError


@dataclass(frozen=True)
class StageDef:
    code: str
    zh: str
    en: str
    limit_days: int | None  # None: the stage has no time limit
    completes: bool = False  # reaching it completes the project
    optional: bool = False


@dataclass(frozen=True)
class Stages:
    """The stages in lifecycle order."""

    stages: tuple[StageDef, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(s.code for s in self.stages)

    @property
    def first(self) -> StageDef:
        return self.stages[0]

    def get(self, code: str) -> StageDef:
        for stage in self.stages:
            if stage.code == code:
                return stage
        known = ", ".join(self.codes)
        raise InvalidInputError(f"stage: unknown stage {code!r} (stages: {known})")

    def index(self, code: str) -> int:
        return self.codes.index(self.get(code).code)

    def is_complete(self, code: str) -> bool:
        """The project has reached (or passed) the completing stage."""
        done = [i for i, s in enumerate(self.stages) if s.completes]
        return bool(done) and self.index(code) >= done[0]


def _stage(entry: Any, where: str) -> StageDef:
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: a stage is a mapping with code, zh, en, limit_days")
    try:
        limit = entry.get("limit_days")
        if limit is not None and (not isinstance(limit, int) or limit < 1):
            raise ConfigError(f"{where}: limit_days must be a positive whole number or null")
        return StageDef(
            code=str(entry["code"]),
            zh=str(entry["zh"]),
            en=str(entry["en"]),
            limit_days=limit,
            completes=bool(entry.get("completes", False)),
            optional=bool(entry.get("optional", False)),
        )
    except KeyError as exc:
        raise ConfigError(f"{where}: missing {exc.args[0]!r}") from None


def parse_stages(text: str, source: str = "stages") -> Stages:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        raise ConfigError(f"{source}: not valid YAML") from None
    entries = data.get("stages") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{source}: expected a non-empty list under 'stages'")
    stages = tuple(_stage(e, f"{source}: stage {i + 1}") for i, e in enumerate(entries))
    if len({s.code for s in stages}) != len(stages):
        raise ConfigError(f"{source}: stage codes must be unique")
    if sum(s.completes for s in stages) != 1:
        raise ConfigError(f"{source}: exactly one stage must have 'completes: true'")
    if any(s.optional for s in stages[:-1]):
        raise ConfigError(f"{source}: only the last stage may be optional")
    return Stages(stages)


@lru_cache(maxsize=8)
def _load(path: str | None) -> Stages:
    if path is None:
        text = resources.files("twin.healthcheck").joinpath("stages.yaml").read_text("utf-8")
        return parse_stages(text, "stages.yaml")
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError:
        raise ConfigError(f"stage definition {Path(path).name!r} cannot be read") from None
    return parse_stages(text, Path(path).name)


def load_stages(path: Path | None = None) -> Stages:
    """The stage definition of ``path``, or the one shipped with twin."""
    return _load(str(path) if path is not None else None)
