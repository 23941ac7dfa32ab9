"""Append overlay events the way a live data store does: inside ``catalog.transaction()``."""

from __future__ import annotations

from typing import Any

from storage.catalog.protocol import Catalog
from storage.overlays.outbox import append_event


def append(
    catalog: Catalog,
    *items: tuple[str, str],
    kind: str = "updated",
    actor: str = "tester",
    payload: dict[str, Any] | None = None,
) -> list[int]:
    """Append one event per (channel, item id), all in one transaction; return their seqs."""
    with catalog.transaction() as conn:
        return [
            append_event(
                conn,
                qmark=catalog.paramstyle == "qmark",
                channel=channel,
                kind=kind,
                item_id=item_id,
                actor=actor,
                payload=payload if payload is not None else {"id": item_id, "标题": "积水点"},
            )
            for channel, item_id in items
        ]


def problems(*ids: str) -> list[tuple[str, str]]:
    return [("problems", i) for i in ids]
