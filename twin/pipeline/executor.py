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

#: below this many features a one-process cluster beats starting worker processes
SMALL_JOB = 20_000


@contextmanager
def open_client(tiling: TilingSettings, feature_count: int = SMALL_JOB) -> Iterator[Client]:
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

    small = feature_count < SMALL_JOB
    workers = tiling.n_workers or (1 if small else max(1, min(os.cpu_count() or 1, 8)))
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=2 if small else 1,
        processes=not small,
        dashboard_address=None,
        silence_logs=logging.WARNING,
        memory_limit=0,
    )
    client = Client(cluster)
    log.info("dask local cluster", extra={"workers": workers, "processes": not small})
    try:
        yield client
    finally:
        client.close()
        cluster.close()
