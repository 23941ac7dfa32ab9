"""``twin demo``: build the demo city from code (no downloads) and serve it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from twin.settings import Settings

if TYPE_CHECKING:
    from twin.terrain_height import TerrainHeight

DEMO_LAYER = "demo-buildings"
DEMO_TITLE = "示范城区建筑 Demo city buildings"
PROPOSAL_LAYER = "demo-proposal"
PROPOSAL_TITLE = "拟建项目 BIM 报建 Proposed building (IFC)"


def register(sub: Any) -> None:
    p = sub.add_parser("demo", help="build the demo city and serve it")
    p.add_argument("--buildings", type=int, default=6000, help="about how many buildings (6000)")
    p.add_argument("--seed", type=int, default=20261121)
    p.add_argument("--no-serve", action="store_true", help="build only")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.set_defaults(handler=run)


def build_demo(settings: Settings, buildings: int, seed: int) -> int:
    """Terrain, the city standing on it, a BIM proposal, street objects, a street scan and
    the health-check data (indicators, problems, renewal projects) placed in the city."""
    from twin.cli.cmd_healthcheck import load_demo as load_demo_healthcheck
    from twin.cli.demo_layers import build_scan, build_streets, build_terrain
    from twin.cli.publishing import publish_with_settings
    from twin.demo_city import generate_demo_city
    from twin.pipeline.executor import TileCluster
    from twin.readers.footprints import HeightRule, load_footprints
    from twin.terrain_height import clamp_footprints

    folder = settings.data_dir / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    with TileCluster(settings.tiling) as cluster:
        if settings.tiling.runs_on_dask(buildings):
            cluster.start()  # workers boot while the terrain is built
        terrain = build_terrain(settings, folder, buildings, seed)
        city = generate_demo_city(buildings, seed)
        fps = load_footprints(
            city,
            layer=DEMO_LAYER,
            rule=HeightRule(field="height"),
            id_field="id",
            parent_field="parent_id",
            source="demo city",
        )
        fps = clamp_footprints(fps, terrain).footprints
        result = publish_with_settings(
            fps,
            settings,
            tiling=settings.tiling,
            cluster=cluster,
            title=DEMO_TITLE,
            progress=sys.stderr.isatty(),
        )
    print(
        f"demo city: {result.feature_count} buildings in {result.tile_count} tiles "
        f"(layer {DEMO_LAYER})"
    )
    build_proposal(settings, folder, buildings, seed, terrain)
    build_streets(settings, folder, city, seed, terrain)
    build_scan(settings, folder, buildings, seed)
    load_demo_healthcheck(settings, city, seed)
    return result.feature_count


def build_proposal(
    settings: Settings, folder: Path, buildings: int, seed: int, terrain: TerrainHeight
) -> None:
    """A proposed building on a vacant parcel, as an IFC4 submission, ingested as a BIM layer.

    Its map conversion puts the ground floor at the lowest ground under the footprint.
    """
    import numpy as np
    import shapely
    from pyproj import Transformer

    from twin.cli.cmd_ingest_ifc import summary
    from twin.cli.publishing import publish_ifc_file
    from twin.demo.proposal_ifc import write_proposal_ifc
    from twin.demo.proposal_site import proposal_site

    site = proposal_site(buildings, seed)
    x, y = shapely.get_coordinates(site.footprint).T
    lon, lat = Transformer.from_crs(4547, 4326, always_xy=True).transform(x, y)
    ground = terrain.height_at(np.asarray(lon), np.asarray(lat))
    elevation = float(np.nanmin(ground)) if np.isfinite(ground).any() else 0.0
    path = write_proposal_ifc(folder / "proposal.ifc", site, elevation=round(elevation, 2))
    result = publish_ifc_file(
        path,
        settings,
        layer=PROPOSAL_LAYER,
        title=PROPOSAL_TITLE,
        bim=settings.bim,
        override=None,
        progress=sys.stderr.isatty(),
    )
    print(f"demo proposal: {summary(result)} ({path})")
    submit_proposal(settings, path, site.parcel)


DEMO_RULES = """name: 示例地块规划条件 (demo parcel)
max_height_m: 50
max_far: 3.5
min_far: 0.5
max_coverage: 40%
min_green_ratio: 30%
setback_m: 5
max_storeys: 20
"""


def submit_proposal(settings: Settings, path: Path, parcel: Any) -> None:
    """The proposal as a BIM submission under review (its layer is the one just published),
    checked against the demo parcel's planning conditions and red line."""
    import json

    import shapely
    import shapely.geometry
    import shapely.ops
    from pyproj import Transformer

    from storage.submissions.store import SubmissionStore
    from twin.cli.publishing import backends
    from twin.submissions.principal import Principal
    from twin.submissions.submit_model import (
        Services,
        Upload,
        check_submission,
        receive_submission,
    )

    to_lonlat = Transformer.from_crs(4547, 4326, always_xy=True)
    red_line = shapely.ops.transform(to_lonlat.transform, parcel)
    upload = Upload(
        project="demo-proposal",
        title=PROPOSAL_TITLE,
        ifc_path=path,
        file_name=path.name,
        rules_yaml=DEMO_RULES,
        site_area_m2=round(float(parcel.area), 1),
        red_line_geojson=json.dumps(shapely.geometry.mapping(red_line)),
        layer_id=PROPOSAL_LAYER,
    )
    with backends(settings) as (store, catalog):
        svc = Services(settings, store, catalog, SubmissionStore(catalog))
        demo = Principal("demo", frozenset({"submitter"}), "设计院 (demo)")
        sub = check_submission(svc, receive_submission(svc, upload, demo).id, publish=False)
    verdict = "passes" if (sub.report or {}).get("passed") else "does not pass"
    print(f"demo submission: {sub.id} {sub.state}, {verdict} its planning conditions")


def run(args: argparse.Namespace, settings: Settings) -> int:
    build_demo(settings, args.buildings, args.seed)
    if args.no_serve:
        return 0
    from scene_api.server import run as run_server
    from twin.cli.cmd_serve import migrate_catalog, server_settings

    args.workers = None
    s = server_settings(args, settings)
    migrate_catalog(s)  # and say who may read without logging in
    print(
        f"twin demo: open http://{s.server.host}:{s.server.port}/ in a browser (Ctrl+C stops)",
        flush=True,
    )
    run_server(s, host=s.server.host, port=s.server.port, workers=s.server.workers)
    return 0
