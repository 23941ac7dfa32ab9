"""The search store: the labels of each layer's current version, in the catalog's database
(through ``catalog.transaction()``, SQL for SQLite and PostGIS).

A layer's labels are replaced in one transaction (the old version's rows go as the new
ones arrive), and a label is found only while its version is the layer's current one, so a
search never mixes versions and never returns a replaced or abandoned version.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import shapely

from storage.catalog.protocol import Catalog
from storage.search.sql import COPY_LABELS, POSTGIS, SQLITE
from twin.search.normalise import is_pinyin_query, pinyin_key
from twin.search.records import Candidate, FeatureSource, SearchLabel, SearchQuery

#: queries shorter than this are answered by a scan (the trigram index needs 3 characters)
TRIGRAM = 3
_BATCH = 5000


def _like_contains(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _fts_phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


class SearchStore:
    """Search labels in the catalog's database; the constructor does no I/O."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self._sqlite = catalog.paramstyle == "qmark"
        self._sql = SQLITE if self._sqlite else POSTGIS

    @contextmanager
    def _tx(self) -> Iterator[Any]:
        with self._catalog.transaction() as conn:
            yield conn

    # writing ----------------------------------------------------------------
    def indexed_version(self, layer: str) -> int | None:
        """The version whose labels the store holds for ``layer`` (None: no labels)."""
        with self._tx() as conn:
            row = conn.execute(self._sql.indexed_version, (layer,)).fetchone()
        return None if row is None or row[0] is None else int(row[0])

    def feature_sources(self, layer: str, version: int) -> list[FeatureSource]:
        """The features of a version as the index needs them (footprint centroids)."""
        with self._tx() as conn:
            rows = conn.execute(self._sql.features, (layer, version)).fetchall()
        if not rows:
            return []
        geoms = shapely.from_wkb(np.asarray([bytes(r[3]) for r in rows], dtype=object))
        centres = shapely.centroid(geoms)
        xs, ys = shapely.get_x(centres), shapely.get_y(centres)  # NaN where empty
        out = []
        for r, x, y in zip(rows, xs.tolist(), ys.tolist(), strict=True):
            attributes = r[2] if isinstance(r[2], dict) else json.loads(r[2])
            if x != x or y != y:  # no centroid: the middle of the bounds
                x, y = (float(r[4]) + float(r[6])) / 2, (float(r[5]) + float(r[7])) / 2
            out.append(FeatureSource(str(r[0]), str(r[1]), attributes, x, y, float(r[8])))
        return out

    def replace_layer(self, layer: str, version: int, labels: Iterable[SearchLabel]) -> bool:
        """Make ``labels`` the layer's labels, for ``version``, in one transaction; False
        (and nothing written) when ``version`` is no longer the layer's current one."""
        with self._tx() as conn:
            row = conn.execute(self._sql.current_version, (layer,)).fetchone()
            if row is None or row[0] is None or int(row[0]) != version:
                return False
            self._delete_layer(conn, layer)
            if self._sqlite:
                self._insert_sqlite(conn, layer, version, labels)
            else:
                self._copy_postgis(conn, layer, version, labels)
        return True

    def drop_other_versions(self, layer: str, keep: int | None) -> None:
        """Delete the layer's labels of every version but ``keep`` (all when None)."""
        with self._tx() as conn:
            if keep is None:
                self._delete_layer(conn, layer)
                return
            if self._sqlite:  # the trigram rows first, while their rids are known
                conn.execute(self._sql.delete_other_trigrams, (layer, keep))
            conn.execute(self._sql.delete_other_versions, (layer, keep))

    def _delete_layer(self, conn: Any, layer: str) -> None:
        if self._sqlite:
            conn.execute(self._sql.delete_layer_trigrams, (layer,))
        conn.execute(self._sql.delete_layer, (layer,))

    def _insert_sqlite(
        self, conn: Any, layer: str, version: int, labels: Iterable[SearchLabel]
    ) -> None:
        rid = int(conn.execute("SELECT COALESCE(MAX(rid), 0) + 1 FROM search_labels").fetchone()[0])
        batch: list[tuple[Any, ...]] = []
        for label in labels:
            batch.append((rid, layer, version, *_values(label)))
            rid += 1
            if len(batch) >= _BATCH:
                self._flush_sqlite(conn, batch)
        self._flush_sqlite(conn, batch)

    def _flush_sqlite(self, conn: Any, batch: list[tuple[Any, ...]]) -> None:
        if not batch:
            return
        conn.executemany(self._sql.insert, batch)
        conn.executemany(
            "INSERT INTO search_trigrams (rowid, norm, pinyin, initials) VALUES (?, ?, ?, ?)",
            [(b[0], b[6], b[7], b[8]) for b in batch],
        )
        batch.clear()

    def _copy_postgis(
        self, conn: Any, layer: str, version: int, labels: Iterable[SearchLabel]
    ) -> None:
        with conn.cursor() as cur, cur.copy(COPY_LABELS) as copy:
            for label in labels:
                copy.write_row((layer, version, *_values(label)))

    # reading ----------------------------------------------------------------
    def search(self, query: SearchQuery, *, cap: int) -> list[Candidate]:
        """Matching labels of current versions, best first (at most ``cap`` rows)."""
        q = query.text
        pk = pinyin_key(q) if is_pinyin_query(q) else ""
        params: dict[str, Any] = {
            "q": q,
            "qlen": len(q),
            "pk": pk,
            "layer": query.layer,
            "cap": cap,
        }
        if self._sqlite:
            indexed = len(q) >= TRIGRAM and (pk == "" or len(pk) >= TRIGRAM)
            if indexed:
                match = f"norm : {_fts_phrase(q)}"
                if pk:
                    match += f" OR {{pinyin initials}} : {_fts_phrase(pk)}"
                params["match"] = match
            sql = self._sql.search_indexed if indexed else self._sql.search_scan
        else:
            params["contains"] = _like_contains(q)
            params["pk_contains"] = _like_contains(pk)
            sql = self._sql.search_indexed
        with self._tx() as conn:
            rows = conn.execute(sql, params).fetchall()
        return [_candidate(r) for r in rows]


def _values(label: SearchLabel) -> tuple[Any, ...]:
    return (
        label.feature_id,
        label.field,
        label.label,
        label.norm,
        label.pinyin,
        label.initials,
        label.title,
        label.lon,
        label.lat,
        label.zmax,
    )


def _candidate(r: Sequence[Any]) -> Candidate:
    return Candidate(
        layer=str(r[0]),
        feature_id=str(r[1]),
        field=r[2],
        title=str(r[3]),
        tier=int(r[4]),
        lon=float(r[5]),
        lat=float(r[6]),
        zmax=float(r[7]),
    )
