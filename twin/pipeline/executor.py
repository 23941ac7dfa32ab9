"""Where tiling runs: a Dask LocalCluster by default, or an existing cluster by address."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

from distributed import Client, LocalCluster

from twin.errors import BackendUnavailableError
from twin.settings import TilingSettings

log = logging.getLogger("twin.pipeline")


@contextmanager
def open_client(tiling: TilingSettings) -> Iterator[Client]:
    if tiling.scheduler:
        try:
            client = Client(tiling.scheduler, timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise BackendUnavailableError(
                f"cannot reach the Dask scheduler at {tiling.scheduler}"
            ) from exc
        log.info("dask scheduler", extra={"scheduler": tiling.scheduler})
        try:
            yield client
        finally:
            client.close()
        return

    # Threads by default: the heavy steps (GEOS, meshopt, zlib, SQLite) release the GIL, and
    # threads share the layer's arrays instead of pickling them to worker processes.
    cpus = os.cpu_count() or 1
    processes = tiling.processes
    workers = tiling.n_workers or (min(cpus, 8) if processes else 1)
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1 if processes else cpus,
        processes=processes,
        dashboard_address=None,
        silence_logs=logging.WARNING,
        memory_limit=0,
    )
    client = Client(cluster)
    log.info("dask local cluster", extra={"workers": workers, "processes": processes})
    try:
        yield client
    finally:
        client.close()
        cluster.close()
