"""One websocket client's session of the live overlays, independent of the web framework.

``stream_events`` sends, through ``send`` (a coroutine taking one text frame):

1. ``{"type":"hello","seq":S,"worker":pid}`` — S is the hub's cursor when the client
   subscribed: every event after S reaches it live;
2. with ``since``: the logged events ``since < seq <= S`` (the catch-up), by seq;
3. the live events after S, by seq, never one twice (events at or before the last sent
   one are skipped, e.g. when ``since`` is ahead of S);
4. ``{"type":"ping","seq":N}`` after ``heartbeat_s`` without an event.

It returns the ``Close`` the session should end with: ``RECONNECT_CODE`` when the client
fell behind (its queue overflowed), ``RESTART_CODE`` when the hub stops; the reason names
the ``since`` to reconnect with. When the client goes away, the caller cancels it.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from twin.overlays.hub import OverlayHub
from twin.overlays.subscription import RECONNECT_CODE, RESTART_CODE, HubClosed, Overflowed
from twin.overlays.wire import HelloFrame, PingFrame, encode, event_frame

Send = Callable[[str], Awaitable[None]]


@dataclass(frozen=True)
class Close:
    code: int
    reason: str
    last_seq: int


async def stream_events(
    hub: OverlayHub,
    send: Send,
    *,
    since: int | None,
    channels: frozenset[str] | None,
    heartbeat_s: float = 15.0,
) -> Close:
    sub = await hub.subscribe(channels)
    last = sub.start if since is None else since
    try:
        hello: HelloFrame = {"type": "hello", "seq": sub.start, "worker": os.getpid()}
        await send(encode(hello))
        if since is not None:
            async for batch in hub.catch_up(since, sub.start, channels):
                for event in batch:
                    await send(encode(event_frame(event)))
                    last = event.seq
        while True:
            item = await sub.next(heartbeat_s)
            if item is None:
                ping: PingFrame = {"type": "ping", "seq": max(last, hub.cursor)}
                await send(encode(ping))
                continue
            seq, text = item
            if seq <= last:
                continue
            await send(text)
            last = seq
    except Overflowed:
        return Close(RECONNECT_CODE, f"too far behind: reconnect with since={last}", last)
    except HubClosed:
        return Close(RESTART_CODE, f"server restarting: reconnect with since={last}", last)
    finally:
        hub.unsubscribe(sub)
