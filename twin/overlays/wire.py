"""Frames of the overlay websocket and the event page of ``/api/overlays/events``."""

from __future__ import annotations

import json
from typing import Any, Literal, TypedDict

from storage.overlays.events import OverlayEvent


class HelloFrame(TypedDict):
    type: Literal["hello"]
    seq: int  # the latest seq this server has delivered: events after it follow live
    worker: int  # the pid of the server process the client is connected to


class EventFrame(TypedDict):
    type: Literal["event"]
    seq: int
    at: str
    channel: str
    kind: str
    id: str
    actor: str
    payload: dict[str, Any]


class PingFrame(TypedDict):
    """A heartbeat while idle; ``seq`` is a safe ``since`` to reconnect with."""

    type: Literal["ping"]
    seq: int


class EventsPage(TypedDict):
    events: list[EventFrame]
    latest: int


def event_frame(event: OverlayEvent) -> EventFrame:
    return {
        "type": "event",
        "seq": event.seq,
        "at": event.at,
        "channel": event.channel,
        "kind": event.kind,
        "id": event.item_id,
        "actor": event.actor,
        "payload": event.payload,
    }


def encode(frame: HelloFrame | EventFrame | PingFrame) -> str:
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))
