"""Tiling without Dask: a local pool for layers too small to repay a LocalCluster's start.

Worker processes are forked (on Linux and the like) once the ``TileSource``
is built, so they inherit it instead of receiving a pickled copy, and they need no
imports of their own; each gets a private copy of the object store (fresh
connections). Tasks carry only a tile key and feature indices, as on Dask, and the
bytes written are the same: ``build_source_tile`` does the work on both paths.
Without fork, or with ``processes=False``, a thread pool does the same work.
"""

from __future__ import annotations

import copy
import ctypes
import gc
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor, wait
from dataclasses import dataclass
from types import TracebackType

import numpy as np
import numpy.typing as npt
from tqdm import tqdm

from storage.objects.protocol import ObjectStore
from tiles.build_tile import TileResult
from tiles.tile_source import TileJob, TileSource, build_source_tile


@dataclass(frozen=True)
class _Work:
    source: TileSource
    store: ObjectStore
    gzip_level: int

    def build(self, key: str, features: npt.NDArray[np.int64]) -> TileResult:
        return build_source_tile(self.source, key, features, self.store, self.gzip_level)


_PR_SET_PDEATHSIG = 1
_WORK: _Work | None = None  # what a worker process builds from, set once when it starts


def _die_with_parent(parent: int) -> None:
    """A worker ends when the ingest that forked it ends, even by kill -9 (whose pipes the
    worker would otherwise wait on forever): Linux delivers SIGKILL on the parent's death;
    elsewhere a daemon thread watches for it."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass
        else:
            if os.getppid() != parent:  # it died before prctl took effect
                os._exit(1)
            return

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="twin-parent-watch", daemon=True).start()


def _install(work: _Work, parent: int) -> None:
    global _WORK
    _die_with_parent(parent)
    # a private store: no connection is shared with the parent process
    _WORK = _Work(work.source, copy.deepcopy(work.store), work.gzip_level)


def _build_in_worker(key: str, features: npt.NDArray[np.int64]) -> TileResult:
    assert _WORK is not None, "worker not initialised"
    return _WORK.build(key, features)


def _can_fork() -> bool:
    # macOS can fork, but its system frameworks are not safe in a forked child
    return "fork" in multiprocessing.get_all_start_methods() and sys.platform != "darwin"


class LocalTilePool:
    """Build tiles with ``workers`` forked processes (or threads); a context manager.

    The processes are forked in the constructor: make it before starting any other
    thread, so that no lock can be held across the fork.
    """

    def __init__(
        self,
        source: TileSource,
        store: ObjectStore,
        *,
        gzip_level: int,
        workers: int,
        processes: bool = True,
    ) -> None:
        self._work = _Work(source, store, gzip_level)
        self._executor: Executor
        self._build: Callable[[str, npt.NDArray[np.int64]], TileResult]
        if processes and _can_fork():
            self._executor = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context("fork"),
                initializer=_install,
                initargs=(self._work, os.getpid()),
            )
            self._build = _build_in_worker
            # children must not collect (and finalise) objects of this process's heap
            gc.freeze()
            try:
                self._executor.submit(int)  # the first task forks every worker, now
            finally:
                gc.unfreeze()
        else:
            self._executor = ThreadPoolExecutor(workers, thread_name_prefix="twin-tiles")
            self._build = self._work.build

    def run(
        self,
        jobs: Sequence[TileJob],
        *,
        meanwhile: Callable[[], None] = lambda: None,
        label: str,
        progress: bool,
    ) -> list[TileResult]:
        """Build every job; the calling thread runs ``meanwhile`` (the catalog load), then
        builds the jobs no worker has started yet. The first error is raised once no tile
        is being written any more."""
        bar = tqdm(total=len(jobs), desc=f"tiles {label}", unit="tile", disable=not progress)
        futures = [self._executor.submit(self._build, j.key, j.features) for j in jobs]
        for future in futures:
            future.add_done_callback(lambda f: f.cancelled() or bar.update(1))
        results: list[TileResult] = []
        try:
            meanwhile()
            for job, future in zip(reversed(jobs), reversed(futures), strict=True):
                if future.cancel():  # not started: this thread is free, build it here
                    results.append(self._work.build(job.key, job.features))
                    bar.update(1)
            results.extend(f.result() for f in futures if not f.cancelled())
        except BaseException:
            for future in futures:
                future.cancel()
            wait(futures)  # tiles already being written end before the caller cleans up
            raise
        finally:
            bar.close()
        return results

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> LocalTilePool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
