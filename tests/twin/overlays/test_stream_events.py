from __future__ import annotations

import asyncio
import json
import os
from typing import Any

from storage.catalog.protocol import Catalog
from tests.storage.overlays.log_helpers import append, problems
from twin.overlays.hub import OverlayHub
from twin.overlays.stream_events import Close, stream_events
from twin.overlays.subscription import RECONNECT_CODE, RESTART_CODE


class Client:
    """Collects the frames of one session; ``until(n)`` waits for n of them."""

    def __init__(self) -> None:
        self.frames: list[dict[str, Any]] = []
        self._grew = asyncio.Event()

    async def send(self, text: str) -> None:
        self.frames.append(json.loads(text))
        self._grew.set()

    async def until(self, n: int, timeout_s: float = 5.0) -> list[dict[str, Any]]:
        async with asyncio.timeout(timeout_s):
            while len(self.frames) < n:
                self._grew.clear()
                await self._grew.wait()
        return self.frames

    def event_seqs(self) -> list[int]:
        return [f["seq"] for f in self.frames if f["type"] == "event"]


def _hub(catalog: Catalog, queue_limit: int = 256) -> OverlayHub:
    hub = OverlayHub.for_catalog(catalog, poll_s=0.05, queue_limit=queue_limit)
    hub.start()
    return hub


def test_a_session_says_hello_then_catches_up_then_goes_live(catalog: Catalog) -> None:
    old = append(catalog, *problems("a", "b", "c"))

    async def run() -> None:
        hub, client = _hub(catalog), Client()
        session = asyncio.create_task(stream_events(hub, client.send, since=old[0], channels=None))
        frames = await client.until(3)
        assert frames[0] == {"type": "hello", "seq": old[-1], "worker": os.getpid()}
        live = await asyncio.to_thread(append, catalog, *problems("d", "e"))
        frames = await client.until(5)
        assert client.event_seqs() == old[1:] + live
        event = frames[-1]
        assert (event["channel"], event["kind"], event["id"], event["actor"]) == (
            "problems",
            "updated",
            "e",
            "tester",
        )
        assert event["payload"] == {"id": "e", "标题": "积水点"} and event["at"].endswith("Z")
        await hub.stop()
        close = await asyncio.wait_for(session, 5)
        assert close == Close(
            RESTART_CODE, f"server restarting: reconnect with since={live[-1]}", live[-1]
        )

    asyncio.run(run())


def test_without_since_a_session_gets_only_new_events(catalog: Catalog) -> None:
    append(catalog, *problems("old"))

    async def run() -> None:
        hub, client = _hub(catalog), Client()
        session = asyncio.create_task(stream_events(hub, client.send, since=None, channels=None))
        await client.until(1)
        new = await asyncio.to_thread(append, catalog, *problems("new"))
        await client.until(2)
        assert client.event_seqs() == new
        session.cancel()
        await asyncio.gather(session, return_exceptions=True)
        assert hub.clients == 0
        await hub.stop()

    asyncio.run(run())


def test_a_since_ahead_of_the_server_skips_what_the_client_already_has(
    catalog: Catalog,
) -> None:
    async def run() -> None:
        hub, client = _hub(catalog), Client()
        start = await asyncio.to_thread(hub.events.latest)
        session = asyncio.create_task(
            stream_events(hub, client.send, since=start + 2, channels=None)
        )
        await client.until(1)
        seqs = await asyncio.to_thread(append, catalog, *problems("a", "b", "c", "d"))
        await client.until(3)
        assert client.event_seqs() == seqs[2:]
        await hub.stop()
        await session

    asyncio.run(run())


def test_a_client_that_falls_behind_is_told_to_reconnect_from_its_last_seq(
    catalog: Catalog,
) -> None:
    async def run() -> None:
        hub = _hub(catalog, queue_limit=3)
        blocked = asyncio.Event()
        sent: list[int] = []

        async def slow_send(text: str) -> None:
            frame = json.loads(text)
            if frame["type"] == "event":
                sent.append(frame["seq"])
                await blocked.wait()  # the network is stuck after the first event

        session = asyncio.create_task(stream_events(hub, slow_send, since=None, channels=None))
        await asyncio.sleep(0.1)
        first = await asyncio.to_thread(append, catalog, *problems("a"))
        await asyncio.sleep(0.2)
        await asyncio.to_thread(append, catalog, *problems("b", "c", "d", "e"))
        await asyncio.sleep(0.3)
        blocked.set()
        close = await asyncio.wait_for(session, 5)
        assert close.code == RECONNECT_CODE and close.last_seq == first[0] == sent[-1]
        assert close.reason == f"too far behind: reconnect with since={first[0]}"
        await hub.stop()

    asyncio.run(run())


def test_an_idle_session_sends_heartbeats_with_a_safe_since(catalog: Catalog) -> None:
    async def run() -> None:
        hub, client = _hub(catalog), Client()
        seqs = await asyncio.to_thread(append, catalog, ("projects", "x"))
        session = asyncio.create_task(
            stream_events(
                hub, client.send, since=None, channels=frozenset({"problems"}), heartbeat_s=0.1
            )
        )
        frames = await client.until(2)
        assert frames[1] == {"type": "ping", "seq": seqs[0]}
        await hub.stop()
        await session

    asyncio.run(run())
