"""The live overlays over real HTTP and websockets, on both backends."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from storage.catalog.protocol import Catalog
from storage.factory import open_catalog
from tests.scene_api.live_server import live_server
from tests.scene_api.overlay_clients import open_client, receive_events, ws_url
from tests.storage.overlays.log_helpers import append, problems
from twin.settings import Settings

TIMEOUT_S = 5.0


@pytest.fixture
def catalog(settings: Settings) -> Iterator[Catalog]:
    cat = open_catalog(settings)
    cat.migrate()
    yield cat
    cat.close()


@pytest.fixture
def base(settings: Settings, catalog: Catalog) -> Iterator[str]:
    with live_server(settings) as url:
        yield url


def _seqs(events: list[dict[str, object]]) -> list[object]:
    return [e["seq"] for e in events]


def test_a_client_gets_the_catch_up_then_live_events_in_order(base: str, catalog: Catalog) -> None:
    old = append(catalog, *problems("a", "b", "c"))

    async def run() -> None:
        ws, hello = await open_client(base, since=old[0])
        assert hello["seq"] == old[-1] and hello["worker"] == os.getpid()
        caught_up = await asyncio.wait_for(receive_events(ws, 2), TIMEOUT_S)
        assert _seqs(caught_up) == old[1:]
        live: list[int] = []
        for i in range(5):
            live += await asyncio.to_thread(append, catalog, *problems(f"live{i}"))
        events = await asyncio.wait_for(receive_events(ws, 5), TIMEOUT_S)
        assert _seqs(events) == live
        assert events[0]["id"] == "live0" and events[0]["payload"] == {
            "id": "live0",
            "标题": "积水点",
        }
        await ws.close()

    asyncio.run(run())


def test_a_client_reconnecting_with_since_gets_exactly_what_it_missed(
    base: str, catalog: Catalog
) -> None:
    async def run() -> None:
        ws, _ = await open_client(base)
        first = await asyncio.to_thread(append, catalog, *problems("a", "b"))
        got = await asyncio.wait_for(receive_events(ws, 2), TIMEOUT_S)
        assert _seqs(got) == first
        await ws.close()
        missed = await asyncio.to_thread(append, catalog, *problems("c", "d", "e"))
        ws, hello = await open_client(base, since=got[-1]["seq"])
        assert hello["seq"] >= got[-1]["seq"]  # the server may not have read "missed" yet
        after = await asyncio.to_thread(append, catalog, *problems("f"))
        events = await asyncio.wait_for(receive_events(ws, 4), TIMEOUT_S)
        assert _seqs(events) == missed + after
        with pytest.raises(TimeoutError):  # and nothing more: no duplicate
            await asyncio.wait_for(receive_events(ws, 1), 0.5)
        await ws.close()

    asyncio.run(run())


def test_a_client_gets_only_the_channels_it_asked_for(base: str, catalog: Catalog) -> None:
    async def run() -> None:
        ws, _ = await open_client(base, since=0, channels="projects,indicators")
        seqs = await asyncio.to_thread(
            append, catalog, ("problems", "p"), ("projects", "q"), ("indicators", "r")
        )
        seqs += await asyncio.to_thread(append, catalog, ("problems", "s"), ("projects", "t"))
        events = await asyncio.wait_for(receive_events(ws, 3), TIMEOUT_S)
        assert [(e["channel"], e["id"]) for e in events] == [
            ("projects", "q"),
            ("indicators", "r"),
            ("projects", "t"),
        ]
        assert _seqs(events) == [seqs[1], seqs[2], seqs[4]]
        await ws.close()

    asyncio.run(run())


def test_an_unknown_channel_closes_the_websocket_with_the_reason(base: str) -> None:
    async def run() -> None:
        from websockets.asyncio.client import connect

        async with connect(ws_url(base, channels="weather")) as ws:
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), TIMEOUT_S)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 1008
        assert "unknown overlay channel 'weather'" in closed.value.rcvd.reason

    asyncio.run(run())


def test_a_client_too_slow_for_a_burst_is_told_to_reconnect_and_then_catches_up(
    base: str, catalog: Catalog
) -> None:
    async def run() -> None:
        ws, _ = await open_client(base)
        first = await asyncio.to_thread(append, catalog, *problems("first"))
        got = await asyncio.wait_for(receive_events(ws, 1), TIMEOUT_S)
        assert _seqs(got) == first
        # a big import: more events in one commit than a client's queue holds (256)
        burst = await asyncio.to_thread(append, catalog, *problems(*(f"b{i}" for i in range(300))))
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(receive_events(ws, len(burst)), TIMEOUT_S)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4001
        assert closed.value.rcvd.reason == f"too far behind: reconnect with since={first[0]}"
        ws, _ = await open_client(base, since=first[0])
        events = await asyncio.wait_for(receive_events(ws, len(burst)), TIMEOUT_S)
        assert _seqs(events) == burst
        await ws.close()

    asyncio.run(run())


def test_events_over_http_page_by_seq_with_the_latest(base: str, catalog: Catalog) -> None:
    seqs = append(catalog, ("problems", "a"), ("projects", "b"), ("indicators", "c"))
    page = httpx.get(f"{base}api/overlays/events", params={"since": seqs[0], "limit": 1}).json()
    assert page["latest"] == seqs[-1]
    assert [e["seq"] for e in page["events"]] == [seqs[1]]
    event = page["events"][0]
    assert set(event) == {"type", "seq", "at", "channel", "kind", "id", "actor", "payload"}
    assert (event["type"], event["channel"], event["id"]) == ("event", "projects", "b")
    everything = httpx.get(f"{base}api/overlays/events").json()
    assert [e["seq"] for e in everything["events"]] == seqs


def test_events_over_http_refuse_a_negative_since_or_a_huge_limit(base: str) -> None:
    for params in ({"since": -1}, {"limit": 5000}, {"since": "x"}):
        response = httpx.get(f"{base}api/overlays/events", params=params)
        assert response.status_code == 422, params
        assert set(response.json()) >= {"code", "description"}
