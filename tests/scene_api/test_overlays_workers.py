"""Fan-out of the overlay event log across two uvicorn worker processes: every client on
every worker gets every event within a second, in order (PostgreSQL LISTEN/NOTIFY, or
SQLite polling of the shared file), and a dropped LISTEN connection loses nothing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import psycopg
import pytest
from websockets.asyncio.client import ClientConnection

from storage.catalog.protocol import Catalog
from storage.factory import open_catalog
from storage.overlays.listen import APPLICATION_NAME
from tests.scene_api.live_server import live_server
from tests.scene_api.overlay_clients import open_client, receive_events
from tests.storage.overlays.log_helpers import append, problems
from twin.settings import Settings

MIN_CLIENTS = 8
MAX_CLIENTS = 64
WITHIN_S = 1.0


@pytest.fixture
def catalog(settings: Settings) -> Iterator[Catalog]:
    cat = open_catalog(settings)
    cat.migrate()
    yield cat
    cat.close()


async def _clients_on_both_workers(base: str) -> list[ClientConnection]:
    """At least MIN_CLIENTS clients, more until both workers hold some."""
    clients: list[ClientConnection] = []
    workers: dict[int, int] = {}
    deadline = time.monotonic() + 30
    while len(clients) < MIN_CLIENTS or len(workers) < 2:
        assert len(clients) < MAX_CLIENTS and time.monotonic() < deadline, workers
        # connect a few at once, so that both workers' accept loops take some
        for ws, hello in await asyncio.gather(*(open_client(base) for _ in range(MIN_CLIENTS))):
            clients.append(ws)
            workers[hello["worker"]] = workers.get(hello["worker"], 0) + 1
        if len(workers) < 2:
            await asyncio.sleep(0.5)  # the other worker may still be starting
    return clients


async def _deliver(catalog: Catalog, clients: list[ClientConnection], n: int) -> list[int]:
    """Append n events one commit each; assert every client got all, in order, in time."""
    received: list[list[tuple[int, float]]] = [[] for _ in clients]

    async def read(i: int, ws: ClientConnection) -> None:
        for _ in range(n):
            [event] = await receive_events(ws, 1)
            received[i].append((event["seq"], time.monotonic()))

    readers = [asyncio.create_task(read(i, ws)) for i, ws in enumerate(clients)]
    seqs: list[int] = []
    committed: dict[int, float] = {}
    for i in range(n):
        [seq] = await asyncio.to_thread(append, catalog, *problems(f"p{i}"))
        committed[seq] = time.monotonic()
        seqs.append(seq)
        await asyncio.sleep(0.05)
    await asyncio.wait_for(asyncio.gather(*readers), 15)
    late = []
    for got in received:
        assert [seq for seq, _ in got] == seqs  # everything, in order, nothing twice
        late += [(seq, at - committed[seq]) for seq, at in got if at - committed[seq] > WITHIN_S]
    assert late == [], late
    return seqs


def test_every_client_on_two_workers_gets_every_event_within_a_second(
    settings: Settings, catalog: Catalog
) -> None:
    with live_server(settings, workers=2) as base:

        async def run() -> None:
            clients = await _clients_on_both_workers(base)
            await _deliver(catalog, clients, 20)
            for ws in clients:
                await ws.close()

        asyncio.run(run())


def _listeners(url: str) -> list[int]:
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity "
            "WHERE application_name = %s AND datname = current_database()",
            (APPLICATION_NAME,),
        ).fetchall()
    return [int(r[0]) for r in rows]


@pytest.mark.parametrize("backend", ["services"])
def test_the_workers_listen_again_after_postgresql_drops_them_and_lose_nothing(
    settings: Settings, catalog: Catalog
) -> None:
    url = settings.catalog_url
    with live_server(settings, workers=2) as base:

        async def run() -> None:
            clients = await _clients_on_both_workers(base)
            await _deliver(catalog, clients, 3)
            before = _listeners(url)
            assert len(before) == 2  # one LISTEN connection per worker
            with psycopg.connect(url, autocommit=True) as conn:
                for pid in before:
                    conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
            # committed while nobody listens: read by seq on the way back
            missed = await asyncio.to_thread(append, catalog, *problems("m1", "m2"))
            for ws in clients:
                events = await asyncio.wait_for(receive_events(ws, 2), 10)
                assert [e["seq"] for e in events] == missed
            deadline = time.monotonic() + 15
            while len(after := _listeners(url)) < 2:
                assert time.monotonic() < deadline, after
                await asyncio.sleep(0.2)
            assert set(after).isdisjoint(before)
            await _deliver(catalog, clients, 5)  # and live again, within a second
            for ws in clients:
                await ws.close()

        asyncio.run(run())
