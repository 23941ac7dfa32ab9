"""``OverlayHub``: one follower of the overlay event log per server process, fanned out
to the bounded queues of its websocket clients.

The follower reads the log by seq after every wake-up of its waiter (PostgreSQL
LISTEN/NOTIFY; for SQLite, the catalog's commits in this process, and polling) and
pushes each event, encoded once, to every subscription that wants its channel.
Broadcasting and subscribing both run on the event loop without awaiting in between,
so a new subscription gets every event after the hub's ``cursor`` at that moment, and
the client reads what came before from the log (``catch_up``): no gap, no duplicate.

The constructor does no I/O: ``start()`` (in the app's lifespan) enables the hub, the
follower starts with the first subscriber, ``stop()`` ends it and closes every client.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Collection

from storage.catalog.protocol import Catalog
from storage.overlays.event_log import EventLog
from storage.overlays.events import OverlayEvent
from storage.overlays.listen import CommitNotifier, LocalWaiter, NotifyWaiter, PollWaiter, Waiter
from twin.errors import BackendUnavailableError, TwinError
from twin.overlays.subscription import Subscription
from twin.overlays.wire import encode, event_frame

log = logging.getLogger("twin.overlays")


class OverlayHub:
    def __init__(
        self,
        events: EventLog,
        waiter: Waiter,
        *,
        queue_limit: int = 256,
        batch: int = 500,
        backoff_s: tuple[float, float] = (0.2, 5.0),
    ) -> None:
        self.events = events
        self.waiter = waiter
        self.queue_limit = queue_limit
        self.batch = batch
        self._backoff_min, self._backoff_max = backoff_s
        self.cursor = 0  # the last seq broadcast
        self._subs: set[Subscription] = set()
        self._running = False
        self._task: asyncio.Task[None] | None = None
        self._starting: asyncio.Lock | None = None

    @classmethod
    def for_catalog(
        cls, catalog: Catalog, *, poll_s: float = 0.15, queue_limit: int = 256, batch: int = 500
    ) -> OverlayHub:
        """LISTEN/NOTIFY on a PostGIS catalog; on SQLite, woken by the catalog's commits in
        this process (and polling by seq for the other processes' writes)."""
        events = EventLog(catalog)
        url = events.listen_url
        waiter: Waiter
        if url is not None:
            waiter = NotifyWaiter(url, poll_s=poll_s)
        elif isinstance(catalog, CommitNotifier):
            waiter = LocalWaiter(catalog, poll_s)
        else:
            waiter = PollWaiter(poll_s)
        return cls(events, waiter, queue_limit=queue_limit, batch=batch)

    @property
    def clients(self) -> int:
        return len(self._subs)

    def start(self) -> None:
        self._running = True
        self._starting = asyncio.Lock()

    async def stop(self) -> None:
        self._running = False
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        for sub in list(self._subs):
            sub.close()
        self._subs.clear()
        await self.waiter.close()
        await asyncio.to_thread(self.events.close)

    async def subscribe(self, channels: frozenset[str] | None) -> Subscription:
        """A queue of every event after ``cursor`` (its ``start``) on ``channels``."""
        await self._ensure_following()
        sub = Subscription(channels, start=self.cursor, limit=self.queue_limit)
        self._subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subs.discard(sub)

    async def catch_up(
        self, since: int, until: int, channels: Collection[str] | None
    ) -> AsyncIterator[list[OverlayEvent]]:
        """The logged events ``since < seq <= until`` on ``channels``, in batches."""
        while since < until:
            batch = await asyncio.to_thread(
                self.events.read, since, limit=self.batch, until=until, channels=channels
            )
            if not batch:
                return
            yield batch
            since = batch[-1].seq

    async def _ensure_following(self) -> None:
        if not self._running or self._starting is None:
            raise BackendUnavailableError("the live overlays are not running")
        if self._task is not None:
            return
        async with self._starting:
            if self._task is not None:
                return
            if isinstance(self.waiter, NotifyWaiter):
                await self.waiter.connect()  # listen first: nothing committed after is missed
            self.cursor = await asyncio.to_thread(self.events.latest)
            self._task = asyncio.create_task(self._follow(), name="overlay-follower")

    async def _follow(self) -> None:
        backoff = self._backoff_min
        while True:
            try:
                await self._drain()
                backoff = self._backoff_min
                await self.waiter.wait()
            except TwinError as exc:
                log.warning(
                    "the overlay event log cannot be read, retrying in %.1f s",
                    backoff,
                    extra={"error": exc.code},
                )
            except Exception:
                log.exception("the overlay follower failed, retrying in %.1f s", backoff)
            else:
                continue
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, self._backoff_max)

    async def _drain(self) -> None:
        while True:
            batch = await asyncio.to_thread(self.events.read, self.cursor, limit=self.batch)
            if batch:
                self._broadcast(batch)
            if len(batch) < self.batch:
                return

    def _broadcast(self, batch: list[OverlayEvent]) -> None:
        for event in batch:
            if event.seq <= self.cursor:
                continue
            text = encode(event_frame(event))
            for sub in list(self._subs):
                if sub.wants(event.channel) and not sub.push(event.seq, text):
                    self._subs.discard(sub)
            self.cursor = event.seq
