"""Wake a follower when the overlay event log grows.

``PollWaiter``: sleeps a fixed interval (followers poll the log by seq).
``LocalWaiter``: the in-process bus of the embedded SQLite default: ``notify()`` (from
any thread, e.g. the catalog's commit listener) wakes it at once; it also returns after
the poll interval, so that what other processes commit (a CLI import) is read too.
``NotifyWaiter``: a dedicated autocommit psycopg connection that ``LISTEN``s on the
outbox's channel and returns as soon as a notification arrives. When the connection
drops (PostgreSQL restarts, the backend is terminated) it waits like a poller while it
re-connects with exponential backoff; the follower reads by seq after every wake-up, so
what was committed meanwhile is read then and nothing is lost. A notification is only a
hint: the waiter also returns after ``safety_s`` without one.

Constructors do no I/O; ``close()`` closes the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Protocol, runtime_checkable

import psycopg

from storage.overlays.outbox import CHANNEL

log = logging.getLogger("storage.overlays")

APPLICATION_NAME = "twin-overlays-listen"


@runtime_checkable
class CommitNotifier(Protocol):
    """A catalog that calls listeners after its write transactions commit (SQLite)."""

    def on_commit(self, listener: Callable[[], None]) -> Callable[[], None]: ...


class Waiter(Protocol):
    async def wait(self) -> None:
        """Return when the log may have grown."""
        ...

    async def close(self) -> None: ...


class PollWaiter:
    def __init__(self, interval_s: float = 0.15) -> None:
        self.interval_s = interval_s

    async def wait(self) -> None:
        await asyncio.sleep(self.interval_s)

    async def close(self) -> None:
        return None


class LocalWaiter:
    """Woken by ``source``'s commits (it listens from construction; ``close()`` stops it)."""

    def __init__(self, source: CommitNotifier, interval_s: float = 0.15) -> None:
        self.interval_s = interval_s
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None
        self.notified = 0  # wake-ups asked for, for tests
        self._unlisten = source.on_commit(self.notify)

    def notify(self) -> None:
        """The log may have grown; thread-safe, never blocks, a no-op before the first wait."""
        self.notified += 1
        loop, event = self._loop, self._event
        if loop is None or event is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(event.set)

    async def wait(self) -> None:
        if self._event is None:
            self._loop = asyncio.get_running_loop()
            self._event = asyncio.Event()
        event = self._event
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.interval_s):
                await event.wait()
        event.clear()

    async def close(self) -> None:
        self._unlisten()
        self._loop = self._event = None


class NotifyWaiter:
    def __init__(
        self,
        url: str,
        *,
        safety_s: float = 2.0,
        poll_s: float = 0.15,
        backoff_s: tuple[float, float] = (0.25, 5.0),
        connect_timeout_s: int = 5,
    ) -> None:
        self._url = url
        self.safety_s = safety_s
        self.poll_s = poll_s
        self._backoff_min, self._backoff_max = backoff_s
        self._backoff = self._backoff_min
        self._connect_timeout_s = connect_timeout_s
        self._conn: psycopg.AsyncConnection[tuple[object, ...]] | None = None
        self._next_attempt = 0.0
        self.connects = 0  # successful (re-)connections, for logs and tests

    def __repr__(self) -> str:
        return "NotifyWaiter(<postgresql url>)"

    @property
    def listening(self) -> bool:
        return self._conn is not None and not self._conn.closed

    async def connect(self) -> bool:
        """(Re-)open the LISTEN connection unless backing off; True when listening."""
        if self.listening:
            return True
        now = time.monotonic()
        if now < self._next_attempt:
            return False
        try:
            conn = await psycopg.AsyncConnection.connect(
                self._url,
                autocommit=True,
                connect_timeout=self._connect_timeout_s,
                application_name=APPLICATION_NAME,
            )
            await conn.execute(f"LISTEN {CHANNEL}")
        except psycopg.Error as exc:
            self._next_attempt = now + self._backoff
            log.warning(
                "overlay notifications unavailable, retrying in %.2f s",
                self._backoff,
                extra={"error": type(exc).__name__},
            )
            self._backoff = min(self._backoff * 2, self._backoff_max)
            return False
        self._conn = conn
        self._backoff = self._backoff_min
        self.connects += 1
        if self.connects > 1:
            log.info("overlay notifications re-connected")
        return True

    async def wait(self) -> None:
        if not await self.connect():
            await asyncio.sleep(self.poll_s)
            return
        assert self._conn is not None
        try:
            woken = False
            async for _ in self._conn.notifies(timeout=self.safety_s, stop_after=1):
                woken = True
            if woken:  # one read answers every notification already here: swallow them
                async for _ in self._conn.notifies(timeout=0.0):
                    pass
        except psycopg.Error:
            log.warning("overlay notification connection lost; re-connecting")
            await self._drop()

    async def close(self) -> None:
        await self._drop()

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.closed:
            with contextlib.suppress(psycopg.Error):
                await conn.close()
