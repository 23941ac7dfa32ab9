from __future__ import annotations

import asyncio

import pytest

from twin.overlays.subscription import HubClosed, Overflowed, Subscription


def test_frames_come_out_in_the_order_they_were_pushed() -> None:
    async def run() -> list[tuple[int, str] | None]:
        sub = Subscription(None, start=0, limit=4)
        assert sub.push(1, "a") and sub.push(2, "b")
        return [await sub.next(1.0), await sub.next(1.0), await sub.next(0.01)]

    assert asyncio.run(run()) == [(1, "a"), (2, "b"), None]


def test_a_subscription_wants_only_its_channels() -> None:
    async def run() -> None:
        sub = Subscription(frozenset({"projects"}), start=0, limit=4)
        assert sub.wants("projects") and not sub.wants("problems")
        assert Subscription(None, start=0, limit=4).wants("indicators")

    asyncio.run(run())


def test_a_client_past_its_limit_overflows_and_its_queue_is_dropped() -> None:
    async def run() -> None:
        sub = Subscription(None, start=0, limit=2)
        assert sub.push(1, "a") and sub.push(2, "b")
        assert not sub.push(3, "c")
        assert sub.overflowed and not sub.push(4, "d")
        with pytest.raises(Overflowed):
            await sub.next(1.0)

    asyncio.run(run())


def test_a_waiting_client_wakes_on_a_push_and_on_close() -> None:
    async def run() -> None:
        sub = Subscription(None, start=0, limit=2)
        waiting = asyncio.create_task(sub.next(5.0))
        await asyncio.sleep(0.01)
        sub.push(7, "x")
        assert await asyncio.wait_for(waiting, 1.0) == (7, "x")
        waiting = asyncio.create_task(sub.next(5.0))
        await asyncio.sleep(0.01)
        sub.close()
        with pytest.raises(HubClosed):
            await asyncio.wait_for(waiting, 1.0)

    asyncio.run(run())
