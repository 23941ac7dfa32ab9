"""The embedded catalog: one SQLite file (WAL mode) with an R*Tree of footprint bounds.

One connection serves every thread under a lock; each operation is one explicit
transaction (``BEGIN IMMEDIATE`` for writes), so readers see either the old or
the new current version of a layer, never a mix. The constructor does no I/O.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from storage.catalog.cql2_sqlite import register_functions
from storage.catalog.migrate import Migration, load_migrations, run_migrations, split_sqlite_script
from storage.catalog.query_plan import plan_query
from storage.catalog.rows import (
    REFUSED_ROWS,
    check_extent,
    check_metadata,
    check_schema,
    feature_record,
    footprints_2d_wkb,
    layer_record,
)
from storage.catalog.sqlite_query import query_page
from twin.domain import (
    AttributeType,
    BBox,
    FeaturePage,
    FeatureQuery,
    FeatureRecord,
    FeatureRows,
    LayerRecord,
)
from twin.errors import (
    BackendUnavailableError,
    CatalogError,
    ConfigError,
    ConflictError,
    FeatureNotFoundError,
    IngestError,
    InvalidInputError,
    LayerNotFoundError,
    TwinError,
)

_PREFIX = "sqlite:///"
_JSON_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_ALL_LAYERS = (
    "SELECT id, kind, title, crs, west, south, east, north, zmin, zmax, current_version, "
    "tileset_key, feature_count, attribute_schema, updated_at, visible, metadata "
    "FROM layers ORDER BY id"
)
_LAYER_BY_ID = (
    "SELECT id, kind, title, crs, west, south, east, north, zmin, zmax, current_version, "
    "tileset_key, feature_count, attribute_schema, updated_at, visible, metadata "
    "FROM layers WHERE id = ?"
)
_FEATURE_BY_ID = (
    "SELECT f.layer_id, f.version, f.id, f.class, f.parent_id, f.attributes, f.footprint, "
    "f.minx, f.miny, f.maxx, f.maxy, f.zmin, f.zmax, f.content_key FROM features f "
    "JOIN layers l ON l.id = f.layer_id AND l.current_version = f.version "
    "WHERE f.id = ? AND (CAST(? AS TEXT) IS NULL OR f.layer_id = ?) "
    "ORDER BY l.updated_at DESC, f.layer_id LIMIT 1"
)


class SQLiteCatalog:
    def __init__(self, url: str, *, busy_timeout_s: float = 30.0) -> None:
        if not url.startswith(_PREFIX) or len(url) == len(_PREFIX):
            raise ConfigError("a SQLite catalog URL looks like sqlite:////path/to/catalog.db")
        self.url = url
        self._path = url[len(_PREFIX) :]
        self._busy_timeout_s = busy_timeout_s
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._commit_listeners: list[Callable[[], None]] = []

    def __repr__(self) -> str:
        return f"SQLiteCatalog({self.url!r})"

    # connection -------------------------------------------------------------
    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(
                self._path,
                timeout=self._busy_timeout_s,
                isolation_level=None,
                check_same_thread=False,
            )
            try:
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = NORMAL")
                conn.execute("PRAGMA cache_size = -262144")  # up to 256 MiB: bulk loads, R*Tree
                conn.execute("PRAGMA foreign_keys = ON")
                conn.execute("PRAGMA case_sensitive_like = ON")
                register_functions(conn)  # twin_spatial, twin_instant of CQL2 filters
            except sqlite3.Error:
                conn.close()
                raise
            self._conn = conn
        return self._conn

    @contextmanager
    def _tx(self, *, write: bool = False) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                conn = self._connection()
                conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                try:
                    yield conn
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                raise _translate(exc) from exc
        if write:
            for listener in list(self._commit_listeners):
                listener()

    def on_commit(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call ``listener`` (in the committing thread) after every write transaction of
        this catalog object commits: the in-process bus that wakes the live-overlay
        follower at once (other processes' writes are still found by polling). Returns a
        function that removes it."""
        self._commit_listeners.append(listener)

        def remove() -> None:
            if listener in self._commit_listeners:
                self._commit_listeners.remove(listener)

        return remove

    paramstyle = "qmark"

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._tx(write=True) as conn:
            yield conn

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def ping(self) -> None:
        with self._tx() as conn:
            conn.execute("SELECT 1").fetchone()

    # migrations -------------------------------------------------------------
    def migrate(self) -> list[str]:
        if self._path != ":memory:" and not self._path.startswith("file:"):
            try:
                Path(self._path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise BackendUnavailableError("the catalog directory cannot be created") from exc
        return run_migrations(self, load_migrations("sqlite"))

    def applied_migrations(self) -> set[str]:
        with self._tx(write=True) as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            return {str(r[0]) for r in conn.execute("SELECT name FROM schema_migrations")}

    def apply_migration(self, migration: Migration) -> bool:
        with self._tx(write=True) as conn:
            seen = "SELECT 1 FROM schema_migrations WHERE name = ?"
            if conn.execute(seen, (migration.name,)).fetchone() is not None:
                return False
            for statement in split_sqlite_script(migration.sql):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)",
                (migration.name, _now()),
            )
            return True

    # layers -----------------------------------------------------------------
    def ensure_layer(self, layer_id: str, *, kind: str, title: str, crs: str) -> None:
        _check_id(layer_id)
        with self._tx(write=True) as conn:
            conn.execute(
                "INSERT INTO layers (id, kind, title, crs, updated_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, title = excluded.title, "
                "crs = excluded.crs, updated_at = excluded.updated_at",
                (layer_id, kind, title, crs, _now()),
            )

    def get_layer(self, layer_id: str) -> LayerRecord:
        with self._tx() as conn:
            return _layer(conn, layer_id)

    def list_layers(self) -> list[LayerRecord]:
        with self._tx() as conn:
            rows = conn.execute(_ALL_LAYERS)
            return [layer_record(r) for r in rows]

    def delete_layer(self, layer_id: str) -> None:
        """Remove the layer, its versions and its features; absent layers are ignored."""
        with self._tx(write=True) as conn:
            _purge(conn, layer_id, _versions_with_rows(conn, layer_id))
            conn.execute("DELETE FROM layer_versions WHERE layer_id = ?", (layer_id,))
            conn.execute("DELETE FROM layers WHERE id = ?", (layer_id,))

    # versions ---------------------------------------------------------------
    def begin_version(self, layer_id: str) -> int:
        with self._tx(write=True) as conn:
            _layer(conn, layer_id)
            next_sql = "SELECT COALESCE(MAX(version), 0) + 1 FROM layer_versions WHERE layer_id = ?"
            version = int(conn.execute(next_sql, (layer_id,)).fetchone()[0])
            conn.execute(
                "INSERT INTO layer_versions (layer_id, version, status, created_at) "
                "VALUES (?, ?, 'building', ?)",
                (layer_id, version, _now()),
            )
            return version

    def add_features(self, layer_id: str, version: int, rows: FeatureRows) -> None:
        geoms, wkbs = footprints_2d_wkb(rows)
        if len(geoms) == 0:
            with self._tx() as conn:
                _require_building(conn, layer_id, version)
            return
        boxes = np.asarray(rows.bboxes, dtype=np.float64)
        # the R*Tree is filled from the bbox columns: they must hold the footprints' bounds
        bounds = shapely.bounds(geoms)
        if not np.allclose(boxes, bounds, rtol=0.0, atol=1e-9):
            raise IngestError("feature rows: bboxes do not match the footprints' bounds")
        zmin = np.asarray(rows.zmin, dtype=np.float64).tolist()
        zmax = np.asarray(rows.zmax, dtype=np.float64).tolist()
        attributes = [_sqlite_json(text) for text in rows.attributes_json]
        with self._tx(write=True) as conn:
            _require_building(conn, layer_id, version)
            start = int(
                conn.execute("SELECT COALESCE(MAX(rid), 0) + 1 FROM features").fetchone()[0]
            )
            n = len(geoms)
            rids = range(start, start + n)
            feature_rows = zip(
                rids, repeat(layer_id, n), repeat(version, n), rows.ids, rows.classes,
                rows.parent_ids, attributes, wkbs,
                boxes[:, 0].tolist(), boxes[:, 1].tolist(), boxes[:, 2].tolist(),
                boxes[:, 3].tolist(), zmin, zmax, rows.content_keys,
                strict=True,
            )  # fmt: skip
            try:
                conn.executemany(
                    "INSERT INTO features (rid, layer_id, version, id, class, parent_id, "
                    "attributes, footprint, minx, miny, maxx, maxy, zmin, zmax, content_key) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    feature_rows,
                )
            except (sqlite3.IntegrityError, sqlite3.ProgrammingError) as exc:
                raise IngestError(REFUSED_ROWS) from exc
            except sqlite3.OperationalError as exc:
                if "json" not in str(exc).lower():
                    raise
                raise IngestError(REFUSED_ROWS) from exc
            # one statement, run inside SQLite (the GIL is released while it runs)
            conn.execute(
                "INSERT INTO features_rtree SELECT rid, minx, maxx, miny, maxy FROM features "
                "WHERE rid >= ? AND rid < ?",
                (start, start + n),
            )

    def publish_version(
        self,
        layer_id: str,
        version: int,
        *,
        tileset_key: str,
        bbox: BBox,
        zmin: float,
        zmax: float,
        attribute_schema: Mapping[str, AttributeType],
        metadata: Mapping[str, Any] | None = None,
    ) -> int | None:
        extent = check_extent(bbox, zmin, zmax)
        meta = check_metadata(metadata)
        schema = json.dumps(check_schema(attribute_schema), ensure_ascii=False)
        with self._tx(write=True) as conn:
            previous = _layer(conn, layer_id).version
            _require_building(conn, layer_id, version)
            count_sql = "SELECT count(*) FROM features WHERE layer_id = ? AND version = ?"
            count = int(conn.execute(count_sql, (layer_id, version)).fetchone()[0])
            now = _now()
            conn.execute(
                "UPDATE layers SET current_version = ?, tileset_key = ?, west = ?, south = ?, "
                "east = ?, north = ?, zmin = ?, zmax = ?, feature_count = ?, "
                "attribute_schema = ?, metadata = ?, updated_at = ? WHERE id = ?",
                (
                    version,
                    tileset_key,
                    *extent,
                    count,
                    schema,
                    _JSON_ENCODER.encode(meta),
                    now,
                    layer_id,
                ),
            )
            conn.execute(
                "UPDATE layer_versions SET status = 'published', published_at = ? "
                "WHERE layer_id = ? AND version = ?",
                (now, layer_id, version),
            )
            conn.execute(
                "UPDATE layer_versions SET status = 'failed' "
                "WHERE layer_id = ? AND status = 'building' AND version < ?",
                (layer_id, version),
            )
            building_sql = (
                "SELECT version FROM layer_versions WHERE layer_id = ? AND status = 'building'"
            )
            keep = {version} | {int(r[0]) for r in conn.execute(building_sql, (layer_id,))}
            _purge(
                conn, layer_id, [v for v in _versions_with_rows(conn, layer_id) if v not in keep]
            )
            return previous

    def abandon_version(self, layer_id: str, version: int) -> None:
        with self._tx(write=True) as conn:
            if _layer(conn, layer_id).version == version:
                raise ConflictError(f"version {version} is the current version of the layer")
            if _status(conn, layer_id, version) is None:
                raise ConflictError(f"the layer has no version {version}")
            conn.execute(
                "UPDATE layer_versions SET status = 'failed' "
                "WHERE layer_id = ? AND version = ? AND status = 'building'",
                (layer_id, version),
            )
            _purge(conn, layer_id, [version])

    def stale_versions(self, layer_id: str) -> list[int]:
        with self._tx() as conn:
            current = _layer(conn, layer_id).version
            rows = conn.execute(
                "SELECT version FROM layer_versions WHERE layer_id = ? "
                "AND status IN ('published', 'failed') AND version IS NOT ? ORDER BY version",
                (layer_id, current),
            )
            return [int(r[0]) for r in rows]

    # features ---------------------------------------------------------------
    def get_feature(self, feature_id: str, layer: str | None = None) -> FeatureRecord:
        with self._tx() as conn:
            row = conn.execute(_FEATURE_BY_ID, (feature_id, layer, layer)).fetchone()
        if row is None:
            raise FeatureNotFoundError(f"feature {feature_id[:200]!r} not found")
        return feature_record(row)

    def query_features(self, query: FeatureQuery) -> FeaturePage:
        with self._tx() as conn:
            layer = _layer(conn, query.layer)
            plan = plan_query(query, layer.attribute_schema)
            if layer.version is None:
                return FeaturePage(features=(), total=0, limit=plan.limit, offset=plan.offset)
            return query_page(conn, plan, layer.version)


# helpers ----------------------------------------------------------------------
def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _check_id(layer_id: object) -> None:
    if not isinstance(layer_id, str) or not layer_id:
        raise InvalidInputError("a layer id must be a non-empty string")


def _layer(conn: sqlite3.Connection, layer_id: str) -> LayerRecord:
    row = conn.execute(_LAYER_BY_ID, (layer_id,))
    found = row.fetchone()
    if found is None:
        raise LayerNotFoundError(f"layer {layer_id[:100]!r} not found")
    return layer_record(found)


def _status(conn: sqlite3.Connection, layer_id: str, version: int) -> str | None:
    sql = "SELECT status FROM layer_versions WHERE layer_id = ? AND version = ?"
    row = conn.execute(sql, (layer_id, version)).fetchone()
    return None if row is None else str(row[0])


def _require_building(conn: sqlite3.Connection, layer_id: str, version: int) -> None:
    _layer(conn, layer_id)
    if _status(conn, layer_id, version) != "building":
        raise ConflictError(f"version {version} of the layer is not being built")


def _purge(conn: sqlite3.Connection, layer_id: str, versions: list[int]) -> None:
    """Delete the features of ``versions`` of the layer and their R*Tree entries."""
    keys = [(layer_id, v) for v in versions]
    conn.executemany(
        "DELETE FROM features_rtree WHERE id IN "
        "(SELECT rid FROM features WHERE layer_id = ? AND version = ?)",
        keys,
    )
    conn.executemany("DELETE FROM features WHERE layer_id = ? AND version = ?", keys)


def _versions_with_rows(conn: sqlite3.Connection, layer_id: str) -> list[int]:
    sql = "SELECT DISTINCT version FROM features WHERE layer_id = ?"
    return [int(r[0]) for r in conn.execute(sql, (layer_id,))]


def _sqlite_json(text: object) -> str:
    """Attributes JSON with non-ASCII keys unescaped, as SQLite's JSON paths match raw text."""
    if not isinstance(text, str):
        raise IngestError("feature rows: attributes must be JSON text")
    if "\\u" not in text:
        return text
    try:
        return _JSON_ENCODER.encode(json.loads(text))
    except ValueError:
        raise IngestError("feature rows: attributes are not valid JSON") from None


def _translate(exc: sqlite3.Error) -> TwinError:
    text = str(exc).lower()
    if "no such table" in text:
        return CatalogError("the catalog has no schema yet: apply its migrations first")
    if "locked" in text or "busy" in text:
        return BackendUnavailableError("the catalog database is busy")
    if "disk is full" in text:  # SQLITE_FULL: the write was rolled back
        return CatalogError("the catalog's disk is full (no space left on device)")
    if "unable to open" in text or "disk i/o" in text or "readonly" in text:
        return BackendUnavailableError("the catalog database cannot be opened")
    return CatalogError()
