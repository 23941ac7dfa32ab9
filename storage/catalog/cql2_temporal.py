"""CQL2 temporal predicates on properties holding ISO 8601 strings.

A stored value is an instant: a timestamp (an offset is honoured, none means
UTC) or a date (its midnight, UTC); text that does not read as one is NULL.
The literal of a predicate is an instant (``TIMESTAMP``), a day (``DATE``:
from its midnight to the next, excluded) or an ``INTERVAL`` whose ends are
timestamps, days (a day as the end includes that whole day) or open (``'..'``).
Each predicate becomes a range of instants:

* ``T_BEFORE(p, v)``: p before the start of v;
* ``T_AFTER(p, v)``: p after the end of v;
* ``T_DURING(p, v)``: p from the start to the end of v, both included;
* ``T_EQUALS(p, v)``: p is the instant v (or falls on the day v).

Both backends compare normalised instants (``instant_key`` on SQLite, the
``twin_instant`` SQL function of migration 0007 on PostGIS).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from storage.catalog.cql2_parse import InvalidFilterError, ast, values
from storage.catalog.fields import FieldRef, shown

#: the ISO 8601 forms read as instants (the same pattern as ``twin_instant`` on PostGIS)
ISO_INSTANT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?)?"
)
TEMPORAL_NODES: Mapping[type, str] = {
    ast.TimeBefore: "T_BEFORE",
    ast.TimeAfter: "T_AFTER",
    ast.TimeDuring: "T_DURING",
    ast.TimeEquals: "T_EQUALS",
}


@dataclass(frozen=True)
class Temporal:
    """``lower <(=) instant(field) <(=) upper``; a missing bound is open."""

    field: FieldRef
    lower: datetime | None
    lower_inclusive: bool
    upper: datetime | None
    upper_inclusive: bool


@dataclass(frozen=True)
class _Span:
    start: datetime | None
    end: datetime | None
    end_inclusive: bool


def plan_temporal(node: Any, field: FieldRef) -> Temporal:
    name = TEMPORAL_NODES[type(node)]
    if field.type != "string":
        raise InvalidFilterError(
            f"{name} needs a string property holding ISO 8601 dates; "
            f"{shown(field.name)} is a {field.type}"
        )
    span = _span(node.rhs, name)
    if name == "T_BEFORE":
        return Temporal(field, None, False, span.start, False) if span.start else _never(field)
    if name == "T_AFTER":
        if span.end is None:
            return _never(field)
        return Temporal(field, span.end, not span.end_inclusive, None, False)
    if name == "T_EQUALS" and isinstance(node.rhs, values.Interval):
        raise InvalidFilterError("T_EQUALS compares with a DATE or TIMESTAMP, not an INTERVAL")
    return Temporal(field, span.start, True, span.end, span.end_inclusive)


def _never(field: FieldRef) -> Temporal:
    """A range no instant is in (before an open start, after an open end)."""
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    return Temporal(field, epoch, False, epoch, False)


def _span(value: Any, name: str) -> _Span:
    if isinstance(value, values.Interval):
        start = None if value.start is None else _span(_end(value.start, name), name).start
        if value.end is None:
            return _Span(start, None, True)
        end = _span(_end(value.end, name), name)
        if start is not None and end.end is not None and start > end.end:
            raise InvalidFilterError(f"the INTERVAL of {name} ends before it starts")
        return _Span(start, end.end, end.end_inclusive)
    if isinstance(value, datetime):
        instant = utc(value)
        return _Span(instant, instant, True)
    if isinstance(value, date):
        day = datetime.combine(value, time(), tzinfo=UTC)
        return _Span(day, day + timedelta(days=1), False)
    raise InvalidFilterError(f"{name} needs a DATE, TIMESTAMP or INTERVAL literal")


def _end(value: Any, name: str) -> date:
    if isinstance(value, date):
        return value
    raise InvalidFilterError(f"the ends of an INTERVAL in {name} must be dates or timestamps")


def utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def instant_key(text: object) -> str | None:
    """A stored value as a sortable UTC instant text, or None when it is not ISO 8601."""
    instant = parse_instant(text)
    return None if instant is None else format_key(instant)


def parse_instant(text: object) -> datetime | None:
    if not isinstance(text, str) or len(text) > 40 or not ISO_INSTANT.fullmatch(text):
        return None
    try:
        return utc(datetime.fromisoformat(text))
    except ValueError:
        return None


def format_key(instant: datetime) -> str:
    return utc(instant).replace(tzinfo=None).isoformat(timespec="microseconds")
