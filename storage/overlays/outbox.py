"""Append to the overlay event log inside the caller's transaction (the outbox pattern).

A store that changes live data (a problem, a project, an indicator value) calls
``append_event`` on the connection of the transaction that makes the change, so the
change and its event commit together or not at all. On PostgreSQL the append takes a
transaction-level advisory lock (events commit in ``seq`` order) and ``pg_notify`` wakes
listeners at commit; on SQLite, whose writers are serialised anyway, followers poll by seq.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

CHANNEL = "twin_overlays"  # the PostgreSQL NOTIFY channel
_APPEND_LOCK = 0x7477_696E_6F76  # "twinov": serialises appends across connections


def append_event(
    conn: Any,
    *,
    qmark: bool,
    channel: str,
    kind: str,
    item_id: str,
    actor: str,
    payload: dict[str, Any],
) -> int:
    """Append one event on ``conn`` (inside an open transaction); return its seq.

    ``qmark``: the connection takes ``?`` parameters (SQLite), else ``%s`` (psycopg).
    """
    at = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    body = json.dumps(payload, ensure_ascii=False, allow_nan=False)
    sql = (
        "INSERT INTO overlay_events (at, channel, kind, item_id, actor, payload) "
        "VALUES (?, ?, ?, ?, ?, ?) RETURNING seq"
    )
    if qmark:
        row = conn.execute(sql, (at, channel, kind, item_id, actor, body)).fetchone()
        return int(row[0])
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (_APPEND_LOCK,))
    row = conn.execute(sql.replace("?", "%s"), (at, channel, kind, item_id, actor, body)).fetchone()
    seq = int(row[0])
    conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, str(seq)))
    return seq
