"""Websocket clients of ``/api/overlays/ws`` for the tests (the ``websockets`` library)."""

from __future__ import annotations

import json
from typing import Any

from websockets.asyncio.client import ClientConnection, connect


def ws_url(base: str, **query: object) -> str:
    params = "&".join(f"{k}={v}" for k, v in query.items() if v is not None)
    return f"{base.replace('http://', 'ws://')}api/overlays/ws" + (f"?{params}" if params else "")


async def open_client(base: str, **query: object) -> tuple[ClientConnection, dict[str, Any]]:
    """A connected client and its hello frame."""
    ws = await connect(ws_url(base, **query), open_timeout=10, max_queue=None)
    hello = json.loads(await ws.recv())
    assert hello["type"] == "hello", hello
    return ws, hello


async def receive_events(ws: ClientConnection, n: int) -> list[dict[str, Any]]:
    """The next ``n`` event frames (heartbeats skipped)."""
    events: list[dict[str, Any]] = []
    while len(events) < n:
        frame = json.loads(await ws.recv())
        if frame["type"] == "event":
            events.append(frame)
    return events
