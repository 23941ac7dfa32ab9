"""Tiling on a Dask cluster: the ``TileSource`` shipped to every worker once, a bounded
number of tile tasks in flight."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from itertools import islice
from typing import Any

from distributed import Client, as_completed
from tqdm import tqdm

from storage.objects.protocol import ObjectStore
from tiles.build_tile import TileResult
from tiles.tile_source import TileJob, TileSource, build_source_tile

log = logging.getLogger("twin.pipeline")


def run_dask_tiles(
    client: Client,
    source: TileSource,
    store: ObjectStore,
    jobs: Sequence[TileJob],
    *,
    gzip_level: int,
    label: str,
    progress: bool,
) -> list[TileResult]:
    """Build every job on the cluster, keeping a bounded number of tasks in flight."""
    threads = sum(client.nthreads().values()) or 1
    window = max(4, 4 * threads)
    # shipped once to every worker (by reference on a threaded cluster)
    source_future = client.scatter(source, broadcast=True)
    store_future = client.scatter(store, broadcast=True)
    pending = iter(jobs)

    def submit(job: TileJob) -> Any:
        return client.submit(
            build_source_tile, source_future, job.key, job.features, store_future, gzip_level,
            pure=False,
        )  # fmt: skip

    results: list[TileResult] = []
    bar = tqdm(total=len(jobs), desc=f"tiles {label}", unit="tile", disable=not progress)
    in_flight = [submit(j) for j in islice(pending, window)]
    running = as_completed(in_flight)
    try:
        for future in running:
            in_flight.remove(future)
            results.append(future.result())
            bar.update(1)
            nxt = next(pending, None)
            if nxt is not None:
                in_flight.append(submit(nxt))
                running.add(in_flight[-1])
    except BaseException:
        # tasks already running cannot be stopped; let the few in flight (the window is
        # bounded) end before the caller deletes the version, or they would write after it
        _settle(in_flight)
        raise
    finally:
        bar.close()
    return results


def _settle(futures: list[Any], timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    for future in futures:
        try:
            future.result(timeout=max(0.1, deadline - time.monotonic()))
        except Exception:  # their errors add nothing to the first one
            log.debug("in-flight tile ended with an error during cleanup")
