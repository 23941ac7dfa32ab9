"""The daily sweep of a running server: once at start, then whenever the local date
changes (looked at every ``sweep_interval_s``). The sweep runs in a thread; stopping
waits for a sweep under way to finish, so the catalog is never closed under it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import date

from twin.errors import TwinError

log = logging.getLogger("twin.healthcheck.sweep")


class DailySweep:
    def __init__(
        self, sweep: Callable[[], object], today: Callable[[], date], interval_s: float
    ) -> None:
        self._sweep = sweep
        self._today = today
        self._interval_s = interval_s
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.swept: list[date] = []  # the days swept, for the log and tests

    def start(self) -> None:
        self._stop.clear()
        self._task = asyncio.create_task(self._run(), name="healthcheck-sweep")

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def _run(self) -> None:
        last: date | None = None
        while not self._stop.is_set():
            day = self._today()
            if day != last:
                try:
                    await asyncio.to_thread(self._sweep)
                except (TwinError, OSError) as exc:  # retried at the next look
                    log.warning("health-check sweep failed: %s", exc)
                else:
                    last = day
                    self.swept.append(day)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self._interval_s)
