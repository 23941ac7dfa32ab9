"""Importing health-check files: XLSX, GeoJSON or GeoPackage rows into checked records.

Each row is checked by ``build_items`` (the checks the API applies to a request body);
any error refuses the whole file, and the refusal lists up to ``MAX_ERRORS`` of them, each
naming its row (XLSX) or feature (GeoJSON, GeoPackage) and its column as the file writes it:
``problems.xlsx: 2 errors, nothing imported: row 3, column 严重程度 (severity): …``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from twin.errors import InvalidInputError
from twin.healthcheck.build_items import build_indicator, build_problem, build_project
from twin.healthcheck.io_columns import Kind, from_labels
from twin.healthcheck.records import IndicatorValue, Problem, Project
from twin.healthcheck.stages import Stages, load_stages

MAX_ERRORS = 20
XLSX_SUFFIXES = (".xlsx", ".xlsm")
GEOJSON_SUFFIXES = (".geojson", ".json")
GPKG_SUFFIXES = (".gpkg",)
SUFFIXES = (*XLSX_SUFFIXES, *GEOJSON_SUFFIXES, *GPKG_SUFFIXES)

T = TypeVar("T")


@dataclass(frozen=True)
class Row:
    """One row of a file: where it is (``row 3``, ``feature 2``), its fields by API name,
    and how the file names each field's column."""

    where: str
    fields: dict[str, Any]
    headers: dict[str, str]
    error: str | None = None  # found while reading (a geometry that is not one): refused


@dataclass(frozen=True)
class ImportItems:
    indicators: tuple[IndicatorValue, ...] = ()
    problems: tuple[Problem, ...] = ()
    projects: tuple[Project, ...] = ()


def read_rows(path: Path, kind: Kind, *, max_bytes: int | None = None) -> list[Row]:
    """The rows of ``path`` by its suffix; a file too big or of no known kind is refused."""
    from twin.healthcheck import io_geo, io_xlsx

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InvalidInputError(
            f"{path.name}: not a health-check file (expected {', '.join(SUFFIXES)})"
        )
    try:
        size = path.stat().st_size
    except OSError:
        raise InvalidInputError(f"{path.name}: cannot be read") from None
    if max_bytes is not None and size > max_bytes:
        raise InvalidInputError(f"{path.name}: larger than {max_bytes // 2**20} MB")
    if suffix in XLSX_SUFFIXES:
        return io_xlsx.read_rows(path, kind)
    if suffix in GEOJSON_SUFFIXES:
        return io_geo.read_geojson_rows(path, kind)
    return io_geo.read_gpkg_rows(path, kind)


def _message(exc: InvalidInputError, row: Row) -> str:
    """The error with the column named as the file names it."""
    column = exc.details.get("column")
    prefix = f"{row.where}, column {column}: "
    if isinstance(column, str) and exc.message.startswith(prefix):
        header = row.headers.get(column, column)
        named = header if header == column else f"{header} ({column})"
        return f"{row.where}, column {named}: {exc.message[len(prefix) :]}"
    if exc.message.startswith(row.where):
        return exc.message
    return f"{row.where}: {exc.message}"


def _build(
    name: str,
    rows: Sequence[Row],
    build: Callable[[Row], T],
    key: Callable[[T], str],
    key_column: str,
) -> list[T]:
    out: list[T] = []
    errors: list[str] = []
    seen: dict[str, str] = {}
    for row in rows:
        if row.error is not None:
            errors.append(row.error)
            continue
        try:
            item = build(row)
        except InvalidInputError as exc:
            errors.append(_message(exc, row))
            continue
        k = key(item)
        if k in seen:
            header = row.headers.get(key_column, key_column)
            errors.append(f"{row.where}, column {header}: {k!r} repeats {seen[k]}")
            continue
        seen[k] = row.where
        out.append(item)
    if errors:
        shown = "; ".join(errors[:MAX_ERRORS])
        more = f" (and {len(errors) - MAX_ERRORS} more)" if len(errors) > MAX_ERRORS else ""
        noun = "error" if len(errors) == 1 else "errors"
        raise InvalidInputError(
            f"{name}: {len(errors)} {noun}, nothing imported: {shown}{more}",
            errors=errors[:MAX_ERRORS],
        )
    return out


def read_indicators(path: Path, *, max_bytes: int | None = None) -> list[IndicatorValue]:
    path = Path(path)
    rows = read_rows(path, "indicators", max_bytes=max_bytes)
    return _build(
        path.name,
        rows,
        lambda r: build_indicator(from_labels("indicators", r.fields, None), r.where),
        lambda v: v.key,
        "code",
    )


def read_problems(path: Path, *, max_bytes: int | None = None) -> list[Problem]:
    path = Path(path)
    rows = read_rows(path, "problems", max_bytes=max_bytes)
    return _build(
        path.name,
        rows,
        lambda r: build_problem(from_labels("problems", r.fields, None), r.where),
        lambda p: p.id,
        "id",
    )


def read_projects(
    path: Path,
    stages: Stages | None = None,
    today: date | None = None,
    *,
    max_bytes: int | None = None,
) -> list[Project]:
    """Projects of ``path``; a project with no stage start date starts its stage ``today``
    (pass the bureau's today; the default is the machine's)."""
    path = Path(path)
    st = stages if stages is not None else load_stages()
    day = today if today is not None else date.today()
    rows = read_rows(path, "projects", max_bytes=max_bytes)
    return _build(
        path.name,
        rows,
        lambda r: build_project(from_labels("projects", r.fields, st), st, day, r.where),
        lambda p: p.id,
        "id",
    )


def read_items(
    kind: Kind, path: Path, stages: Stages, today: date, *, max_bytes: int | None = None
) -> ImportItems:
    """One file of one kind, as ``HealthStore.import_batch`` takes it."""
    if kind == "indicators":
        return ImportItems(indicators=tuple(read_indicators(path, max_bytes=max_bytes)))
    if kind == "problems":
        return ImportItems(problems=tuple(read_problems(path, max_bytes=max_bytes)))
    if kind == "projects":
        return ImportItems(projects=tuple(read_projects(path, stages, today, max_bytes=max_bytes)))
    raise InvalidInputError(f"kind: {kind!r} is not indicators, problems or projects")
