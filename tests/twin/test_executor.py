from __future__ import annotations

import os

import pytest

from twin.errors import BackendUnavailableError
from twin.pipeline.executor import TileCluster
from twin.settings import TilingSettings


def test_local_worker_processes_leave_glibc_malloc_adaptive() -> None:
    # Dask pins MALLOC_TRIM_THRESHOLD_ in workers, which made numpy work 3-4x slower there
    with TileCluster(TilingSettings(processes=True, n_workers=1)) as cluster:
        client = cluster.client()
        env = client.run(lambda: os.environ.get("MALLOC_TRIM_THRESHOLD_"))
        pids = client.run(os.getpid)
    assert list(env.values()) == [None]
    assert next(iter(pids.values())) != os.getpid()  # a real worker process


def test_a_threaded_cluster_runs_in_this_process() -> None:
    with TileCluster(TilingSettings(processes=False)) as cluster:
        pids = cluster.client().run(os.getpid)
    assert list(pids.values()) == [os.getpid()]


def test_an_unreachable_scheduler_raises_backend_unavailable() -> None:
    cluster = TileCluster(TilingSettings(scheduler="tcp://127.0.0.1:9"))
    with pytest.raises(BackendUnavailableError, match="Dask scheduler"), cluster:
        cluster.client()
