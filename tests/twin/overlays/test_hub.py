from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest

from storage.catalog.protocol import Catalog
from storage.catalog.sqlite import SQLiteCatalog
from storage.overlays.listen import LocalWaiter
from tests.storage.overlays.log_helpers import append, problems
from twin.errors import BackendUnavailableError
from twin.overlays.hub import OverlayHub
from twin.overlays.subscription import Subscription


async def _take(sub: Subscription, n: int, timeout_s: float = 5.0) -> list[int]:
    seqs: list[int] = []
    async with asyncio.timeout(timeout_s):
        while len(seqs) < n:
            item = await sub.next(timeout_s)
            assert item is not None
            seqs.append(item[0])
    return seqs


def _hub(catalog: Catalog, *, queue_limit: int = 256, batch: int = 500) -> OverlayHub:
    return OverlayHub.for_catalog(catalog, poll_s=0.05, queue_limit=queue_limit, batch=batch)


def test_a_subscriber_gets_every_event_committed_after_it_subscribed(catalog: Catalog) -> None:
    before = append(catalog, *problems("old"))

    async def run() -> None:
        hub = _hub(catalog)
        hub.start()
        sub = await hub.subscribe(None)
        assert sub.start == before[-1] == hub.cursor
        seqs = await asyncio.to_thread(append, catalog, *problems("a", "b"))
        seqs += await asyncio.to_thread(append, catalog, *problems("c"))
        assert await _take(sub, 3) == seqs
        assert hub.clients == 1
        await hub.stop()

    asyncio.run(run())


def test_catch_up_reads_the_log_between_since_and_the_start_in_batches(catalog: Catalog) -> None:
    seqs = append(catalog, *problems(*(f"p{i}" for i in range(7))))

    async def run() -> list[list[int]]:
        hub = _hub(catalog, batch=3)
        hub.start()
        sub = await hub.subscribe(None)
        batches = [[e.seq for e in b] async for b in hub.catch_up(seqs[0], sub.start, None)]
        await hub.stop()
        return batches

    assert asyncio.run(run()) == [seqs[1:4], seqs[4:7]]


def test_subscribers_get_only_their_channels(catalog: Catalog) -> None:
    async def run() -> None:
        hub = _hub(catalog)
        hub.start()
        projects = await hub.subscribe(frozenset({"projects"}))
        everything = await hub.subscribe(None)
        seqs = await asyncio.to_thread(
            append, catalog, ("problems", "a"), ("projects", "b"), ("indicators", "c")
        )
        assert await _take(projects, 1) == [seqs[1]]
        assert await _take(everything, 3) == seqs
        assert await projects.next(0.2) is None  # nothing else came for it
        await hub.stop()

    asyncio.run(run())


def test_a_subscriber_that_falls_behind_is_dropped_not_waited_for(catalog: Catalog) -> None:
    async def run() -> None:
        hub = _hub(catalog, queue_limit=5)
        hub.start()
        slow = await hub.subscribe(None)
        fast = await hub.subscribe(None)
        first = await asyncio.to_thread(append, catalog, *problems("a"))
        assert await _take(fast, 1) == first
        for burst in range(2):  # slow holds 1 + 4 (its limit), then 4 more: too many
            seqs = await asyncio.to_thread(
                append, catalog, *problems(*(f"p{burst}{i}" for i in range(4)))
            )
            assert await _take(fast, 4) == seqs
        assert slow.overflowed and hub.clients == 1
        await hub.stop()

    asyncio.run(run())


def test_stop_closes_every_subscriber_and_leaves_no_task(catalog: Catalog) -> None:
    async def run() -> None:
        hub = _hub(catalog)
        hub.start()
        sub = await hub.subscribe(None)
        await hub.stop()
        assert sub.closed and hub.clients == 0
        assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []
        with pytest.raises(BackendUnavailableError):
            await hub.subscribe(None)

    asyncio.run(run())


def test_a_hub_that_was_never_started_refuses_subscribers_and_does_no_io(
    catalog: Catalog,
) -> None:
    async def run() -> None:
        hub = _hub(catalog)
        with pytest.raises(BackendUnavailableError, match="not running"):
            await hub.subscribe(None)

    asyncio.run(run())


def test_a_stopped_hub_starts_again_from_the_latest_seq(catalog: Catalog) -> None:
    async def run() -> None:
        hub = _hub(catalog)
        hub.start()
        await hub.subscribe(None)
        await hub.stop()
        seqs = await asyncio.to_thread(append, catalog, *problems("while-stopped"))
        hub.start()
        sub = await hub.subscribe(None)
        assert sub.start == seqs[-1]
        await hub.stop()

    asyncio.run(run())


def test_a_commit_wakes_the_follower_at_once_not_at_the_next_poll(catalog: Catalog) -> None:
    """SQLite: the catalog's commit listener (the in-process bus); PostGIS: NOTIFY. The
    poll interval is 30 s and the notification safety net 2 s, so only a wake-up by the
    commit itself delivers within the deadline."""

    async def run() -> float:
        hub = OverlayHub.for_catalog(catalog, poll_s=30.0)
        hub.start()
        sub = await hub.subscribe(None)
        await asyncio.sleep(0.2)  # the follower is waiting
        started = time.monotonic()
        seqs = await asyncio.to_thread(append, catalog, *problems("now"))
        assert await _take(sub, 1, timeout_s=1.5) == seqs
        took = time.monotonic() - started
        await hub.stop()
        return took

    assert asyncio.run(run()) < 1.5


def test_on_sqlite_another_process_s_commits_are_still_found_by_polling(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'catalog.db'}"
    catalog = SQLiteCatalog(url)
    catalog.migrate()
    other = SQLiteCatalog(url)  # its commits call no listener of this hub's catalog

    async def run() -> None:
        hub = _hub(catalog)
        hub.start()
        sub = await hub.subscribe(None)
        seqs = await asyncio.to_thread(append, other, *problems("elsewhere"))
        assert await _take(sub, 1, timeout_s=2.0) == seqs
        assert isinstance(hub.waiter, LocalWaiter) and hub.waiter.notified == 0
        await hub.stop()

    try:
        asyncio.run(run())
    finally:
        other.close()
        catalog.close()


def test_a_local_waiter_wakes_on_a_notify_from_another_thread_and_else_after_its_interval() -> None:
    async def run() -> tuple[float, float]:
        waiter = LocalWaiter(SQLiteCatalog("sqlite:///:memory:"), interval_s=0.3)
        started = time.monotonic()
        await waiter.wait()  # nothing: the interval
        idle = time.monotonic() - started
        threading.Timer(0.05, waiter.notify).start()
        started = time.monotonic()
        await waiter.wait()
        woken = time.monotonic() - started
        await waiter.close()
        waiter.notify()  # after close: a no-op, no error
        return idle, woken

    idle, woken = asyncio.run(run())
    assert 0.25 <= idle < 1.0
    assert woken < 0.25
