"""One client's bounded queue of encoded event frames.

The hub pushes without waiting; a client that falls ``limit`` frames behind is marked
overflowed (its queue is dropped) instead of slowing the hub or growing without bound:
its session then closes with ``RECONNECT_CODE`` and the client catches up from the log.
"""

from __future__ import annotations

import asyncio
from collections import deque

#: websocket close code: "reconnect with since=<the last seq you received>"
RECONNECT_CODE = 4001
#: websocket close code when the server shuts down (a client reconnects the same way)
RESTART_CODE = 1012


class Overflowed(Exception):
    """The client fell too far behind."""


class HubClosed(Exception):
    """The hub stopped (server shutdown)."""


class Subscription:
    def __init__(self, channels: frozenset[str] | None, *, start: int, limit: int) -> None:
        self.channels = channels
        self.start = start  # every event after this seq reaches this queue
        self.limit = limit
        self._items: deque[tuple[int, str]] = deque()
        self._wake = asyncio.Event()
        self.overflowed = False
        self.closed = False

    def wants(self, channel: str) -> bool:
        return self.channels is None or channel in self.channels

    def push(self, seq: int, text: str) -> bool:
        """Queue a frame; False when the client overflowed (the hub then drops it)."""
        if self.overflowed or self.closed:
            return False
        if len(self._items) >= self.limit:
            self.overflowed = True
            self._items.clear()
            self._wake.set()
            return False
        self._items.append((seq, text))
        self._wake.set()
        return True

    def close(self) -> None:
        self.closed = True
        self._wake.set()

    async def next(self, timeout_s: float) -> tuple[int, str] | None:
        """The next (seq, frame); None after ``timeout_s`` idle (time for a heartbeat)."""
        while not self._items:
            if self.overflowed:
                raise Overflowed
            if self.closed:
                raise HubClosed
            self._wake.clear()
            try:
                async with asyncio.timeout(timeout_s):
                    await self._wake.wait()
            except TimeoutError:
                return None
        if self.overflowed:
            raise Overflowed
        return self._items.popleft()
