"""Frozen records passed between the search stages, and the JSON of a result."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypedDict

from twin.search.label_fields import LabelKind

Matched = Literal["id", "name", "address", "pinyin"]


@dataclass(frozen=True)
class FeatureSource:
    """What the index needs of one catalog feature."""

    feature_id: str
    cls: str
    attributes: Mapping[str, Any]
    lon: float  # footprint centroid
    lat: float
    zmax: float


@dataclass(frozen=True)
class SearchLabel:
    """One searchable text of a feature: a row of the search index."""

    feature_id: str
    field: LabelKind
    label: str  # the text as published
    norm: str  # normalise_text(label)
    pinyin: str  # full pinyin, "" without Chinese
    initials: str  # pinyin initials, "" without Chinese
    title: str  # what a result shows: the feature's first name, else its id
    lon: float
    lat: float
    zmax: float


@dataclass(frozen=True)
class SearchQuery:
    text: str  # normalised
    layer: str | None
    limit: int


@dataclass(frozen=True)
class Candidate:
    """A matching label as the store returns it, best first; ``tier`` from ``rank``."""

    layer: str
    feature_id: str
    field: LabelKind
    title: str
    tier: int
    lon: float
    lat: float
    zmax: float


class SearchResult(TypedDict):
    id: str
    layer: str
    label: str
    matched: Matched
    lon: float
    lat: float
    zmax: float


class SearchResponse(TypedDict):
    results: list[SearchResult]
