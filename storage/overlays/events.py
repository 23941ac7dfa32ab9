"""Read the overlay event log by sequence number, on either backend.

Followers and reconnecting clients ask for "every event after seq N" in bounded batches;
``read_events`` answers on a connection the caller opened (``qmark``: SQLite's ``?``
parameters, else psycopg's ``%s``). Rows come back as ``OverlayEvent`` records whatever
the backend stored them as (PostgreSQL: ``timestamptz`` and ``jsonb``; SQLite: text).
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from twin.errors import CatalogError

#: the largest batch one read returns
MAX_BATCH = 1000

_COLUMNS = "seq, at, channel, kind, item_id, actor, payload"


@dataclass(frozen=True)
class OverlayEvent:
    """One change of live data, as the outbox stored it."""

    seq: int
    at: str  # ISO 8601 UTC, "...Z"
    channel: str
    kind: str
    item_id: str
    actor: str
    payload: dict[str, Any]


def read_events(
    conn: Any,
    *,
    qmark: bool,
    since: int,
    limit: int,
    until: int | None = None,
    channels: Collection[str] | None = None,
) -> list[OverlayEvent]:
    """Events with ``since < seq (<= until)`` on ``channels`` (all when None), by seq."""
    mark = "?" if qmark else "%s"
    where = [f"seq > {mark}"]
    params: list[Any] = [since]
    if until is not None:
        where.append(f"seq <= {mark}")
        params.append(until)
    if channels is not None:
        if not channels:
            return []
        names = sorted(channels)
        where.append(f"channel IN ({', '.join([mark] * len(names))})")
        params.extend(names)
    params.append(max(1, min(limit, MAX_BATCH)))
    sql = (
        f"SELECT {_COLUMNS} FROM overlay_events WHERE {' AND '.join(where)} "  # noqa: S608 - marks only
        f"ORDER BY seq LIMIT {mark}"
    )
    return [_event(row) for row in conn.execute(sql, params).fetchall()]


def latest_seq(conn: Any) -> int:
    """The highest committed seq (0 for an empty log)."""
    row = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM overlay_events").fetchone()
    return int(row[0])


def _event(row: tuple[Any, ...]) -> OverlayEvent:
    seq, at, channel, kind, item_id, actor, payload = row
    return OverlayEvent(
        seq=int(seq),
        at=_iso_utc(at),
        channel=str(channel),
        kind=str(kind),
        item_id=str(item_id),
        actor=str(actor),
        payload=_payload(payload),
    )


def _iso_utc(at: Any) -> str:
    if isinstance(at, datetime):
        aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return str(at)


def _payload(value: Any) -> dict[str, Any]:
    if isinstance(value, str | bytes):
        value = json.loads(value)
    if not isinstance(value, dict):
        raise CatalogError("an overlay event holds a payload that is not a JSON object")
    return value
