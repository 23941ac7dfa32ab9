"""Shared bits of the health-check store tests: a settable clock, items, row counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from storage.catalog.protocol import Catalog
from storage.healthcheck.store import HealthStore
from storage.objects.protocol import ObjectStore
from twin.healthcheck.records import Problem, Project
from twin.healthcheck.stages import load_stages

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


@dataclass
class Clock:
    day: date

    def __call__(self) -> date:
        return self.day


def make_store(
    catalog: Catalog, objects: ObjectStore, clock: Clock, max_photo_mb: int = 20
) -> HealthStore:
    return HealthStore(catalog, objects, load_stages(), clock, max_photo_mb=max_photo_mb)


def square(lon: float = 114.3, lat: float = 30.6, size: float = 0.001) -> dict[str, Any]:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def problem(pid: str = "p1", **kw: Any) -> Problem:
    base: dict[str, Any] = {
        "id": pid,
        "title": "积水点",
        "indicator": "drainage",
        "severity": 2,
        "status": "open",
        "department": "水务局",
        "district": "江岸区",
        "due_date": None,
        "description": "",
        "geometry": {"type": "Point", "coordinates": [114.3, 30.6]},
    }
    base.update(kw)
    return Problem(**base)


def project(jid: str = "j1", started: date = date(2026, 1, 1), **kw: Any) -> Project:
    base: dict[str, Any] = {
        "id": jid,
        "name": "旧城改造",
        "stage": "acquisition",
        "stage_started": started,
        "percent": 0,
        "district": "江岸区",
        "department": "城更局",
        "budget": 1.5e8,
        "start_date": None,
        "agreed_start_date": None,
        "geometry": square(),
    }
    base.update(kw)
    return Project(**base)


TABLES = ("hc_problems", "hc_projects", "hc_links", "hc_history", "hc_indicators",
          "overlay_events")  # fmt: skip


def counts(catalog: Catalog) -> dict[str, int]:
    out = {}
    with catalog.transaction() as conn:
        for table in TABLES:
            out[table] = int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    return out


def snapshot(catalog: Catalog) -> dict[str, list[str]]:
    """Every row of the health-check tables and the event log, for "nothing changed"."""
    out = {}
    with catalog.transaction() as conn:
        for table in TABLES:
            found = conn.execute(f"SELECT * FROM {table}").fetchall()
            out[table] = sorted(repr(tuple(row)) for row in found)
    return out


def events(catalog: Catalog, after: int = 0) -> list[tuple[str, str, str]]:
    with catalog.transaction() as conn:
        sql = "SELECT channel, kind, item_id FROM overlay_events WHERE seq > ? ORDER BY seq"
        if catalog.paramstyle != "qmark":
            sql = sql.replace("?", "%s")
        return [(str(r[0]), str(r[1]), str(r[2])) for r in conn.execute(sql, (after,)).fetchall()]
