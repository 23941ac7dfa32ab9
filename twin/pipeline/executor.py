"""Where Dask tiling runs: a LocalCluster by default, or an existing cluster by address.

``TileCluster`` starts the cluster in a background thread, so worker processes boot
while the main process reads the input (a given scheduler) or places and partitions a
big layer. Dask itself is imported only then: a small layer, tiled by the local pool
(``twin.pipeline.local_tiles``), never loads it.
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import TYPE_CHECKING

from twin.errors import BackendUnavailableError
from twin.settings import TilingSettings

if TYPE_CHECKING:
    from distributed import Client, LocalCluster

log = logging.getLogger("twin.pipeline")


class TileCluster:
    """A Dask client for tiling; use as a context manager, which closes what was started.

    Nothing starts before ``start()`` (returns at once) or ``client()`` (waits).
    """

    def __init__(self, tiling: TilingSettings) -> None:
        self.tiling = tiling
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="twin-cluster")
        self._started: Future[tuple[Client, LocalCluster | None]] | None = None

    @property
    def started(self) -> bool:
        return self._started is not None

    def start(self) -> TileCluster:
        if self._started is None:
            self._started = self._pool.submit(self._connect)
        return self

    def client(self) -> Client:
        return self.start()._wait()[0]

    def _wait(self) -> tuple[Client, LocalCluster | None]:
        assert self._started is not None
        return self._started.result()

    def _connect(self) -> tuple[Client, LocalCluster | None]:
        import dask
        from distributed import Client

        tiling = self.tiling
        if tiling.scheduler:
            try:
                client = Client(tiling.scheduler, timeout="10s")
            except (OSError, TimeoutError) as exc:
                raise BackendUnavailableError(
                    f"cannot reach the Dask scheduler at {tiling.scheduler}"
                ) from exc
            log.info("dask scheduler", extra={"scheduler": tiling.scheduler})
            return client, None
        cpus = os.cpu_count() or 1
        processes = tiling.processes
        workers = tiling.local_workers(cpus)
        # Dask pins MALLOC_TRIM_THRESHOLD_ in worker processes; a fixed threshold also turns
        # off glibc's adaptive mmap threshold, so every large numpy array is mmap'ed and
        # page-faulted afresh (numpy work ran 3-4x slower in workers). Leave malloc alone.
        spawn_env = {
            k: v
            for k, v in dask.config.get("distributed.nanny.pre-spawn-environ", {}).items()
            if k != "MALLOC_TRIM_THRESHOLD_"
        }
        with dask.config.set({"distributed.nanny.pre-spawn-environ": spawn_env}):
            cluster = self._local_cluster(workers, cpus, processes)
        log.info("dask local cluster", extra={"workers": workers, "processes": processes})
        return Client(cluster), cluster

    @staticmethod
    def _local_cluster(workers: int, cpus: int, processes: bool) -> LocalCluster:
        from distributed import LocalCluster

        return LocalCluster(
            n_workers=workers,
            threads_per_worker=1 if processes else cpus,
            processes=processes,
            dashboard_address=None,
            silence_logs=logging.WARNING,
            memory_limit=0,
        )

    def close(self) -> None:
        if self._started is None:
            return
        try:
            client, cluster = self._wait()
        except Exception:  # a cluster that never started has nothing to close
            return
        finally:
            self._pool.shutdown(wait=False)
        client.close()
        if cluster is not None:
            cluster.close()

    def __enter__(self) -> TileCluster:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
