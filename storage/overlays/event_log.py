"""``EventLog``: blocking reads of the overlay event log of a catalog.

On PostGIS the reads go through the catalog's own pool (``catalog.transaction()``). On a
SQLite file they use a connection of their own, opened on first use: a follower that polls
several times a second then neither takes the catalog's write lock nor waits behind the
catalog's lock while another request works; in WAL mode its reads never block writers.
The constructor does no I/O; ``close()`` closes that connection.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from typing import Any

from storage.catalog.protocol import Catalog
from storage.overlays.events import OverlayEvent, latest_seq, read_events
from twin.errors import BackendUnavailableError, CatalogError

_SQLITE_PREFIX = "sqlite:///"


class EventLog:
    def __init__(self, catalog: Catalog, *, busy_timeout_s: float = 5.0) -> None:
        self.catalog = catalog
        self.qmark = catalog.paramstyle == "qmark"
        self._sqlite_path = _sqlite_file(catalog.url) if self.qmark else None
        self._busy_timeout_s = busy_timeout_s
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    @property
    def listen_url(self) -> str | None:
        """The PostgreSQL URL to LISTEN on, None when followers must poll."""
        return None if self.qmark else self.catalog.url

    def read(
        self,
        since: int,
        *,
        limit: int,
        until: int | None = None,
        channels: Collection[str] | None = None,
    ) -> list[OverlayEvent]:
        with self._reading() as conn:
            return read_events(
                conn, qmark=self.qmark, since=since, limit=limit, until=until, channels=channels
            )

    def latest(self) -> int:
        with self._reading() as conn:
            return latest_seq(conn)

    def page(self, since: int, *, limit: int) -> tuple[list[OverlayEvent], int]:
        """Events after ``since`` and the latest seq, read in one transaction."""
        with self._reading() as conn:
            events = read_events(conn, qmark=self.qmark, since=since, limit=limit)
            return events, max(latest_seq(conn), events[-1].seq if events else 0)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    @contextmanager
    def _reading(self) -> Iterator[Any]:
        if self._sqlite_path is None:
            with self.catalog.transaction() as conn:
                yield conn
            return
        with self._lock:
            try:
                conn = self._sqlite()
                conn.execute("BEGIN")
                try:
                    yield conn
                finally:
                    conn.execute("ROLLBACK")
            except sqlite3.OperationalError as exc:
                if "no such table" in str(exc):
                    raise CatalogError(
                        "the catalog has no overlay event log yet: apply its migrations first"
                    ) from exc
                raise BackendUnavailableError("the catalog database cannot be read") from exc
            except sqlite3.Error as exc:
                raise CatalogError() from exc

    def _sqlite(self) -> sqlite3.Connection:
        if self._conn is None:
            assert self._sqlite_path is not None
            self._conn = sqlite3.connect(
                self._sqlite_path,
                timeout=self._busy_timeout_s,
                isolation_level=None,
                check_same_thread=False,
                uri=self._sqlite_path.startswith("file:"),
            )
        return self._conn


def _sqlite_file(url: str) -> str | None:
    """The file of a SQLite catalog URL; None for an in-memory one (only the catalog sees it)."""
    path = url[len(_SQLITE_PREFIX) :] if url.startswith(_SQLITE_PREFIX) else ""
    if not path or path == ":memory:" or "mode=memory" in path:
        return None
    return path
