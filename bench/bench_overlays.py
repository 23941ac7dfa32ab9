"""Live overlays benchmark: one update → 1,000 websocket clients on 2 workers (PostGIS).

Starts ``twin serve --workers 2`` on a fresh PostGIS database (``--admin-url``; the
extension is created in it) with a local object store, opens ``--clients`` websocket
clients of ``/api/overlays/ws`` spread over ``--client-procs`` client processes (so that
no single client event loop is the bottleneck), checks they sit on both workers, then
commits ``--updates`` overlay events one at a time (``storage.overlays.outbox.append_event``
in a catalog transaction, as the problem and project stores do; NOTIFY at commit) every
``--interval-s``. Each event carries the wall-clock time just before its commit; each
client records when it arrived. Latency = arrival - commit start, over every (client,
update) pair: p50/p95/p99/max, and whether every client got every event.

The peer in the same run: raw ``pg_notify`` → ``LISTEN`` on two plain psycopg connections
(one per worker's listener), the same number of notifications, the same interval — what
PostgreSQL itself costs, without twin's hub, queues and websockets.

Target: p99 <= 100 ms. Writes bench/results/overlays.json.

    python -m bench.bench_overlays [--clients 1000] [--workers 2] [--updates 30]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing as mp
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import psycopg

OUT = Path(__file__).parent / "results" / "overlays.json"
ROOT = Path(__file__).resolve().parents[1]
ADMIN_URL = os.environ.get(
    "TWIN_BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


# -- a twin server on a fresh PostGIS database (shared with bench_soak) ---------------------


@dataclass(frozen=True)
class Served:
    base: str  # http://127.0.0.1:PORT/
    database_url: str
    data_dir: Path
    log: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def fresh_database(admin_url: str) -> Iterator[str]:
    name = f"twin_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{admin_url.rsplit('/', 1)[0]}/{name}"
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        yield url
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def twin_env(data_dir: Path, database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWIN_")}
    env.update(
        TWIN_DATA_DIR=str(data_dir),
        TWIN_DATABASE_URL=database_url,
        TWIN_STORAGE_URL=f"file://{data_dir / 'objects'}",
        TWIN_LOG_LEVEL="WARNING",
        **extra,
    )
    return env


@contextmanager
def postgis_twin(workdir: Path, database_url: str, *, workers: int, **env: str) -> Iterator[Served]:
    """``twin serve --workers N`` in its own process group until the block ends."""
    data_dir = workdir / "twin-data"
    data_dir.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    log = workdir / "serve.log"
    cmd = [sys.executable, "-m", "twin.cli.main", "serve", "--host", "127.0.0.1",
           "--port", str(port), "--workers", str(workers)]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=twin_env(data_dir, database_url, **env), stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        served = Served(f"http://127.0.0.1:{port}/", database_url, data_dir, log)
        try:
            deadline = time.monotonic() + 120
            while not _healthy(served.base):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"twin serve did not start:\n{log.read_text()[-3000:]}")
                time.sleep(0.3)
            yield served
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}healthz", timeout=2) as r:  # loopback only
            return bool(r.status == 200)
    except OSError:
        return False


def percentiles(values: list[float]) -> dict[str, float | int]:
    if not values:
        return {"n": 0}
    a = np.asarray(values)
    return {
        "n": len(values),
        "p50": round(float(np.percentile(a, 50)), 2),
        "p95": round(float(np.percentile(a, 95)), 2),
        "p99": round(float(np.percentile(a, 99)), 2),
        "max": round(float(a.max()), 2),
    }


def append_overlay_event(conn: Any, item_id: str, payload: dict[str, Any]) -> int:
    """One overlay event on a psycopg connection, committed (NOTIFY at commit)."""
    from storage.overlays.outbox import append_event

    with conn.transaction():
        return append_event(conn, qmark=False, channel="problems", kind="updated",
                            item_id=item_id, actor="bench", payload=payload)  # fmt: skip


# -- websocket clients (in child processes) ---------------------------------------------------


def _client_proc(
    base: str, n: int, n_workers: int, updates: int, ready: Any, go: Any, out: Any
) -> None:
    out.put(asyncio.run(_clients(base, n, n_workers, updates, ready, go)))


async def _clients(
    base: str, n: int, n_workers: int, updates: int, ready: Any, go: Any
) -> dict[str, Any]:
    """``n`` clients, balanced over the workers as a round-robin balancer would: uvicorn's
    workers share one listening socket, and whichever is awake accepts a whole burst, so a
    client whose worker already holds its share reconnects (counted in ``rebalanced``)."""
    from websockets.asyncio.client import connect

    url = base.replace("http://", "ws://") + "api/overlays/ws?channels=problems"
    gate = asyncio.Semaphore(20)
    quota = -(-n // n_workers)
    workers: dict[int, int] = {}
    latencies: list[float] = []
    complete = 0
    rebalanced = 0
    errors: list[str] = []

    async def one() -> Any:
        nonlocal rebalanced
        async with gate:
            for attempt in range(50):
                ws = await connect(url, open_timeout=60, max_queue=None, ping_interval=None)
                hello = json.loads(await ws.recv())
                worker = int(hello["worker"])
                if workers.get(worker, 0) < quota or attempt == 49:
                    workers[worker] = workers.get(worker, 0) + 1
                    return ws
                rebalanced += 1
                await ws.close()
                await asyncio.sleep(0.02)
            raise AssertionError("unreachable")

    async def read(ws: Any) -> None:
        nonlocal complete
        got = 0
        while got < updates:
            frame = json.loads(await ws.recv())
            if frame["type"] != "event":
                continue
            latencies.append((time.time() - frame["payload"]["t"]) * 1000.0)
            got += 1
        complete += 1

    sockets = await asyncio.gather(*(one() for _ in range(n)), return_exceptions=True)
    live = [ws for ws in sockets if not isinstance(ws, BaseException)]
    errors += [repr(e)[:200] for e in sockets if isinstance(e, BaseException)]
    ready.put({"connected": len(live), "workers": workers})
    await asyncio.to_thread(go.wait)
    readers = [asyncio.create_task(read(ws)) for ws in live]
    done, pending = await asyncio.wait(readers, timeout=60 + updates * 2)
    for task in pending:
        task.cancel()
    errors += [repr(t.exception())[:200] for t in done if t.exception() is not None]
    await asyncio.gather(*(ws.close() for ws in live), return_exceptions=True)
    return {"latencies_ms": latencies, "complete": complete, "connected": len(live),
            "workers": workers, "errors": errors[:5], "n_errors": len(errors),
            "rebalanced": rebalanced}  # fmt: skip


# -- the two measurements ---------------------------------------------------------------------


def measure_twin(served: Served, args: argparse.Namespace) -> dict[str, Any]:
    ctx = mp.get_context("fork")
    ready, out, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    per = [args.clients // args.client_procs + (i < args.clients % args.client_procs)
           for i in range(args.client_procs)]  # fmt: skip
    common = (args.workers, args.updates, ready, go, out)
    procs = [ctx.Process(target=_client_proc, args=(served.base, n, *common)) for n in per]
    started = time.monotonic()
    for p in procs:
        p.start()
    states = [ready.get(timeout=300) for _ in procs]
    connect_s = time.monotonic() - started
    workers: dict[str, int] = {}
    for s in states:
        for pid, k in s["workers"].items():
            workers[str(pid)] = workers.get(str(pid), 0) + k
    connected = sum(s["connected"] for s in states)
    go.set()
    time.sleep(1.0)  # every client is reading
    commit_ms: list[float] = []
    with psycopg.connect(served.database_url, autocommit=True) as conn:
        for i in range(args.updates):
            t = time.time()
            append_overlay_event(conn, f"p{i}", {"t": t, "i": i, "标题": "积水点"})
            commit_ms.append((time.time() - t) * 1000.0)
            time.sleep(args.interval_s)
    results = [out.get(timeout=120 + args.updates * 3) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    latencies = [v for r in results for v in r["latencies_ms"]]
    return {
        "clients": args.clients,
        "connected": connected,
        "connect_s": round(connect_s, 2),
        "clients_per_worker": workers,
        "updates": args.updates,
        "deliveries": len(latencies),
        "expected_deliveries": connected * args.updates,
        "clients_with_every_event": sum(r["complete"] for r in results),
        "rebalancing_reconnects": sum(r["rebalanced"] for r in results),
        "errors": sum(r["n_errors"] for r in results),
        "error_samples": [e for r in results for e in r["errors"]][:5],
        "latency_ms": percentiles(latencies),
        "commit_ms": percentiles(commit_ms),
    }


async def _raw_listen(url: str, listeners: int, updates: int, interval_s: float) -> list[float]:
    conns = [await psycopg.AsyncConnection.connect(url, autocommit=True) for _ in range(listeners)]
    for c in conns:
        await c.execute("LISTEN bench_raw")
    latencies: list[float] = []

    async def listen(c: Any) -> None:
        got = 0
        async for note in c.notifies():
            latencies.append((time.time() - float(note.payload)) * 1000.0)
            got += 1
            if got == updates:
                return

    tasks = [asyncio.create_task(listen(c)) for c in conns]
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as sender:
        for _ in range(updates):
            await sender.execute("SELECT pg_notify('bench_raw', %s)", (repr(time.time()),))
            await asyncio.sleep(interval_s)
    await asyncio.wait_for(asyncio.gather(*tasks), 30)
    for c in conns:
        await c.close()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--updates", type=int, default=30)
    parser.add_argument("--interval-s", type=float, default=0.5)
    parser.add_argument("--client-procs", type=int, default=2)
    parser.add_argument("--admin-url", default=ADMIN_URL)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    with (
        tempfile.TemporaryDirectory(prefix="twin-bench-overlays-") as tmp,
        fresh_database(args.admin_url) as url,
    ):
        migrate = [sys.executable, "-m", "twin.cli.main", "db", "migrate"]
        env = twin_env(Path(tmp) / "twin-data", url)
        subprocess.run(migrate, check=True, env=env, stdout=subprocess.DEVNULL)
        with postgis_twin(Path(tmp), url, workers=args.workers) as served:
            twin = measure_twin(served, args)
        raw = asyncio.run(_raw_listen(url, args.workers, args.updates, args.interval_s))
    result = {
        "benchmark": "overlays",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "workers": args.workers,
        "twin_websocket": twin,
        "raw_pg_notify_listen": {"listeners": args.workers, "latency_ms": percentiles(raw)},
        "target_p99_ms": 100,
        "target_met": bool(
            twin["latency_ms"].get("p99", 1e9) <= 100
            and twin["deliveries"] == twin["expected_deliveries"]
            and twin["connected"] == args.clients
            and len(twin["clients_per_worker"]) == args.workers
        ),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
