"""The PostGIS catalog: footprints as geometry(Geometry, 4326) with a GiST index.

Connections come from a psycopg 3 ``ConnectionPool`` opened on first use (the
constructor does no I/O) and closed by ``close()``. When the database goes away (a
restart), a request that got no pooled connection within ``probe_s`` probes the server
with a direct connection (one probe per ``probe_s`` for all threads): an unreachable
server fails it at once with ``BackendUnavailableError`` instead of after the whole pool
timeout; a reachable one is merely busy, and the request waits its turn. The pool gives
up a reconnection after ``reconnect_timeout_s`` and starts again on the next request, so
its back-off never outlasts a short outage by much. Rows load with ``COPY``
(footprints as hex EWKB). Each operation is one transaction; queries run in a
REPEATABLE READ snapshot so that their count and page agree.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from itertools import repeat
from typing import Any

import numpy as np
import psycopg
import shapely
from psycopg import sql
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool, PoolTimeout

from storage.catalog.cql2_postgis import compile_expression
from storage.catalog.migrate import Migration, load_migrations, run_migrations
from storage.catalog.postgis_sql import FEATURE_COLUMNS, Clause, order_clause, where_clause
from storage.catalog.query_plan import QueryPlan, plan_query
from storage.catalog.rows import (
    REFUSED_ROWS,
    check_extent,
    check_metadata,
    check_schema,
    feature_record,
    layer_record,
)
from storage.catalog.rows import footprints_2d as checked_footprints
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
)

Conn = psycopg.Connection[tuple[Any, ...]]

_UNREACHABLE = "the catalog database is unreachable"
_MIGRATION_LOCK = 0x7477696E  # "twin": serialises concurrent migrate() calls
_ALL_LAYERS = (
    "SELECT id, kind, title, crs, west, south, east, north, zmin, zmax, current_version, "
    "tileset_key, feature_count, attribute_schema, updated_at, visible, metadata "
    "FROM layers ORDER BY id"
)
_LAYER_BY_ID = (
    "SELECT id, kind, title, crs, west, south, east, north, zmin, zmax, current_version, "
    "tileset_key, feature_count, attribute_schema, updated_at, visible, metadata "
    "FROM layers WHERE id = %s"
)
_LAYER_BY_ID_LOCKED = (
    "SELECT id, kind, title, crs, west, south, east, north, zmin, zmax, current_version, "
    "tileset_key, feature_count, attribute_schema, updated_at, visible, metadata "
    "FROM layers WHERE id = %s "
    "FOR UPDATE"
)
_COPY_FEATURES = (
    "COPY features (layer_id, version, id, class, parent_id, attributes, footprint, "
    "minx, miny, maxx, maxy, zmin, zmax, content_key) FROM STDIN"
)


class PostGISCatalog:
    def __init__(
        self,
        url: str,
        *,
        min_size: int = 1,
        max_size: int = 4,
        connect_timeout_s: float = 10.0,
        pool_timeout_s: float = 30.0,
        probe_s: float = 1.0,
        reconnect_timeout_s: float = 10.0,
    ) -> None:
        if not url.startswith(("postgresql://", "postgres://")):
            raise ConfigError("a PostGIS catalog URL looks like postgresql://user@host/db")
        self.url = url
        self._min_size = min_size
        self._max_size = max_size
        self._connect_timeout = max(1, math.ceil(connect_timeout_s))
        self._pool_timeout_s = pool_timeout_s
        self._probe_s = probe_s
        self._reconnect_timeout_s = reconnect_timeout_s
        self._probe_lock = threading.Lock()
        self._probed: tuple[float, bool] = (-math.inf, True)  # (when, reachable)
        self._lock = threading.Lock()
        self._pool: ConnectionPool[Conn] | None = None

    def __repr__(self) -> str:
        return "PostGISCatalog(<postgresql url>)"

    # connection -------------------------------------------------------------
    def _get_pool(self) -> ConnectionPool[Conn]:
        with self._lock:
            if self._pool is not None:
                return self._pool
            try:  # a direct probe fails fast where the pool would keep retrying
                psycopg.connect(self.url, connect_timeout=self._connect_timeout).close()
            except psycopg.ProgrammingError:  # its text may quote the URL, password included
                raise ConfigError("the catalog database URL is not valid") from None
            except psycopg.Error as exc:
                raise BackendUnavailableError(_UNREACHABLE) from exc
            pool: ConnectionPool[Conn] = ConnectionPool(
                self.url,
                min_size=self._min_size,
                max_size=self._max_size,
                open=False,
                timeout=self._pool_timeout_s,
                kwargs={"connect_timeout": self._connect_timeout},
                check=ConnectionPool.check_connection,
                reconnect_timeout=self._reconnect_timeout_s,
                name="twin-catalog",
            )
            try:
                pool.open(wait=True, timeout=self._pool_timeout_s)
            except PoolTimeout as exc:
                pool.close()
                raise BackendUnavailableError(_UNREACHABLE) from exc
            self._pool = pool
            return pool

    def _reachable(self) -> bool:
        """Whether a direct connection succeeds (asked at most once per ``probe_s``)."""
        with self._probe_lock:
            when, reachable = self._probed
            if time.monotonic() - when < self._probe_s:
                return reachable
            try:
                psycopg.connect(self.url, connect_timeout=self._connect_timeout).close()
                reachable = True
            except psycopg.Error:
                reachable = False
            self._probed = (time.monotonic(), reachable)
            return reachable

    def _getconn(self, pool: ConnectionPool[Conn]) -> Conn:
        """A pooled connection: fail fast while the server is down, else wait for one.

        Waiting again queues the request once more at the back; that happens at most once,
        so a busy pool stays close to first come, first served."""
        started = time.monotonic()
        try:
            return pool.getconn(timeout=min(self._probe_s, self._pool_timeout_s))
        except PoolTimeout:
            if not self._reachable():
                raise BackendUnavailableError(_UNREACHABLE) from None
        left = self._pool_timeout_s - (time.monotonic() - started)
        if left <= 0:
            raise BackendUnavailableError(_UNREACHABLE)
        return pool.getconn(timeout=left)  # busy, not down: PoolTimeout -> 503 in _tx

    @contextmanager
    def _tx(self, *, snapshot: bool = False) -> Iterator[Conn]:
        pool = self._get_pool()
        try:
            conn = self._getconn(pool)
            try:
                with conn:  # commit, or roll back on an error
                    if snapshot:
                        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    yield conn
            finally:
                pool.putconn(conn)  # a broken connection is replaced by the pool
        except PoolTimeout as exc:
            raise BackendUnavailableError(_UNREACHABLE) from exc
        except psycopg.OperationalError as exc:
            raise BackendUnavailableError(_UNREACHABLE) from exc
        except psycopg.errors.UndefinedTable as exc:
            raise CatalogError("the catalog has no schema yet: apply its migrations first") from exc
        except psycopg.Error as exc:
            raise CatalogError() from exc

    paramstyle = "format"

    @contextmanager
    def transaction(self) -> Iterator[Conn]:
        with self._tx() as conn:
            yield conn

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None

    def ping(self) -> None:
        with self._tx() as conn:
            conn.execute("SELECT 1").fetchone()

    # migrations -------------------------------------------------------------
    def migrate(self) -> list[str]:
        return run_migrations(self, load_migrations("postgis"))

    def applied_migrations(self) -> set[str]:
        with self._tx() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            return {str(r[0]) for r in conn.execute("SELECT name FROM schema_migrations")}

    def apply_migration(self, migration: Migration) -> bool:
        with self._tx() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            seen = "SELECT 1 FROM schema_migrations WHERE name = %s"
            if conn.execute(seen, (migration.name,)).fetchone() is not None:
                return False
            conn.execute(migration.sql)  # a packaged file, no parameters
            conn.execute("INSERT INTO schema_migrations (name) VALUES (%s)", (migration.name,))
            return True

    # layers -----------------------------------------------------------------
    def ensure_layer(self, layer_id: str, *, kind: str, title: str, crs: str) -> None:
        if not isinstance(layer_id, str) or not layer_id:
            raise InvalidInputError("a layer id must be a non-empty string")
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO layers (id, kind, title, crs) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, title = excluded.title, "
                "crs = excluded.crs, updated_at = now()",
                (layer_id, kind, title, crs),
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
        with self._tx() as conn:
            conn.execute("DELETE FROM features WHERE layer_id = %s", (layer_id,))
            conn.execute("DELETE FROM layers WHERE id = %s", (layer_id,))  # versions cascade

    # versions ---------------------------------------------------------------
    def begin_version(self, layer_id: str) -> int:
        with self._tx() as conn:
            _layer(conn, layer_id, lock=True)
            row = conn.execute(
                "INSERT INTO layer_versions (layer_id, version, status) SELECT %s, "
                "COALESCE(MAX(version), 0) + 1, 'building' FROM layer_versions "
                "WHERE layer_id = %s RETURNING version",
                (layer_id, layer_id),
            ).fetchone()
            assert row is not None
            return int(row[0])

    def add_features(self, layer_id: str, version: int, rows: FeatureRows) -> None:
        geoms = checked_footprints(rows)
        ewkb = shapely.to_wkb(shapely.set_srid(geoms, 4326), hex=True, include_srid=True)
        boxes = np.asarray(rows.bboxes, dtype=np.float64)
        zmin = np.asarray(rows.zmin, dtype=np.float64).tolist()
        zmax = np.asarray(rows.zmax, dtype=np.float64).tolist()
        with self._tx() as conn:
            _require_building(conn, layer_id, version)
            if len(geoms) == 0:
                return
            n = len(geoms)
            records = zip(
                repeat(layer_id, n), repeat(version, n), rows.ids, rows.classes, rows.parent_ids,
                rows.attributes_json, ewkb.tolist(),
                boxes[:, 0].tolist(), boxes[:, 1].tolist(), boxes[:, 2].tolist(),
                boxes[:, 3].tolist(), zmin, zmax, rows.content_keys,
                strict=True,
            )  # fmt: skip
            try:
                with conn.cursor() as cur, cur.copy(_COPY_FEATURES) as copy:
                    for record in records:
                        copy.write_row(record)
            except (psycopg.IntegrityError, psycopg.DataError) as exc:
                raise IngestError(REFUSED_ROWS) from exc

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
        schema = Jsonb(check_schema(attribute_schema))
        with self._tx() as conn:
            previous = _layer(conn, layer_id, lock=True).version
            _require_building(conn, layer_id, version)
            count_sql = "SELECT count(*) FROM features WHERE layer_id = %s AND version = %s"
            count_row = conn.execute(count_sql, (layer_id, version)).fetchone()
            assert count_row is not None
            conn.execute(
                "UPDATE layers SET current_version = %s, tileset_key = %s, west = %s, "
                "south = %s, east = %s, north = %s, zmin = %s, zmax = %s, feature_count = %s, "
                "attribute_schema = %s, metadata = %s, updated_at = now() WHERE id = %s",
                (version, tileset_key, *extent, int(count_row[0]), schema, Jsonb(meta), layer_id),
            )
            conn.execute(
                "UPDATE layer_versions SET status = 'published', published_at = now() "
                "WHERE layer_id = %s AND version = %s",
                (layer_id, version),
            )
            conn.execute(
                "UPDATE layer_versions SET status = 'failed' "
                "WHERE layer_id = %s AND status = 'building' AND version < %s",
                (layer_id, version),
            )
            conn.execute(
                "DELETE FROM features WHERE layer_id = %s AND version <> %s AND version NOT IN "
                "(SELECT version FROM layer_versions WHERE layer_id = %s AND status = 'building')",
                (layer_id, version, layer_id),
            )
            return previous

    def abandon_version(self, layer_id: str, version: int) -> None:
        with self._tx() as conn:
            if _layer(conn, layer_id, lock=True).version == version:
                raise ConflictError(f"version {version} is the current version of the layer")
            if _status(conn, layer_id, version) is None:
                raise ConflictError(f"the layer has no version {version}")
            conn.execute(
                "UPDATE layer_versions SET status = 'failed' "
                "WHERE layer_id = %s AND version = %s AND status = 'building'",
                (layer_id, version),
            )
            conn.execute(
                "DELETE FROM features WHERE layer_id = %s AND version = %s", (layer_id, version)
            )

    def stale_versions(self, layer_id: str) -> list[int]:
        with self._tx() as conn:
            current = _layer(conn, layer_id).version
            rows = conn.execute(
                "SELECT version FROM layer_versions WHERE layer_id = %s "
                "AND status IN ('published', 'failed') AND version IS DISTINCT FROM %s "
                "ORDER BY version",
                (layer_id, current),
            )
            return [int(r[0]) for r in rows]

    # features ---------------------------------------------------------------
    def get_feature(self, feature_id: str, layer: str | None = None) -> FeatureRecord:
        query = sql.Composed(
            [
                sql.SQL("SELECT "),
                FEATURE_COLUMNS,
                sql.SQL(
                    " FROM features f JOIN layers l ON l.id = f.layer_id "
                    "AND l.current_version = f.version WHERE f.id = %s "
                    "AND (%s::text IS NULL OR f.layer_id = %s) "
                    "ORDER BY l.updated_at DESC, f.layer_id LIMIT 1"
                ),
            ]
        )
        with self._tx(snapshot=True) as conn:
            row = conn.execute(query, (feature_id, layer, layer)).fetchone()
        if row is None:
            raise FeatureNotFoundError(f"feature {feature_id[:200]!r} not found")
        return feature_record(row)

    def query_features(self, query: FeatureQuery) -> FeaturePage:
        with self._tx(snapshot=True) as conn:
            layer = _layer(conn, query.layer)
            plan = plan_query(query, layer.attribute_schema)
            if layer.version is None:
                return FeaturePage(features=(), total=0, limit=plan.limit, offset=plan.offset)
            where = _conditions(plan, layer.version)
            count_sql = sql.Composed([sql.SQL("SELECT count(*) FROM features f WHERE "), where.sql])
            count_row = conn.execute(count_sql, where.params).fetchone()
            total = 0 if count_row is None else int(count_row[0])
            records: tuple[FeatureRecord, ...] = ()
            if plan.limit > 0 and plan.offset < total:
                order = order_clause(plan)
                page_sql = sql.Composed(
                    [
                        sql.SQL("SELECT "), FEATURE_COLUMNS, sql.SQL(" FROM features f WHERE "),
                        where.sql, sql.SQL(" ORDER BY "), order.sql,
                        sql.SQL(" LIMIT %s OFFSET %s"),
                    ]
                )  # fmt: skip
                params = (*where.params, *order.params, plan.limit, plan.offset)
                records = tuple(feature_record(r) for r in conn.execute(page_sql, params))
        return FeaturePage(features=records, total=total, limit=plan.limit, offset=plan.offset)


# helpers ----------------------------------------------------------------------
def _conditions(plan: QueryPlan, version: int) -> Clause:
    """``where_clause`` and the plan's CQL2 expression."""
    where = where_clause(plan, version)
    if plan.expression is None:
        return where
    expr = compile_expression(plan.expression)
    body = sql.Composed([where.sql, sql.SQL(" AND ("), expr.sql, sql.SQL(")")])
    return Clause(body, (*where.params, *expr.params))


def _layer(conn: Conn, layer_id: str, *, lock: bool = False) -> LayerRecord:
    row = conn.execute(_LAYER_BY_ID_LOCKED if lock else _LAYER_BY_ID, (layer_id,)).fetchone()
    if row is None:
        raise LayerNotFoundError(f"layer {layer_id[:100]!r} not found")
    return layer_record(row)


def _status(conn: Conn, layer_id: str, version: int) -> str | None:
    row = conn.execute(
        "SELECT status FROM layer_versions WHERE layer_id = %s AND version = %s FOR UPDATE",
        (layer_id, version),
    ).fetchone()
    return None if row is None else str(row[0])


def _require_building(conn: Conn, layer_id: str, version: int) -> None:
    _layer(conn, layer_id)
    if _status(conn, layer_id, version) != "building":
        raise ConflictError(f"version {version} of the layer is not being built")
