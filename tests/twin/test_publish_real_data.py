"""Real sample data from ../shared/data through the whole backbone."""

from __future__ import annotations

import json
from pathlib import Path

from distributed import Client
from pyproj import Transformer

from storage.catalog.protocol import Catalog
from storage.objects.protocol import ObjectStore
from tests.tiles.glb_tools import decode_table, issues, read_glb, validate
from twin.pipeline.export_layer import export_layer
from twin.pipeline.publish_buildings import publish_buildings
from twin.readers.footprints import HeightRule, load_footprints, read_vector
from twin.settings import TilingSettings


def test_delft_footprints_publish_validate_and_line_up_with_the_delft_cityjson(
    shared_data: Path,
    backends: tuple[ObjectStore, Catalog],
    dask_client: Client,
    tmp_path: Path,
) -> None:
    store, catalog = backends
    frame = read_vector(shared_data / "buildings/delft/bgt_pand.sqlite")
    fps = load_footprints(
        frame, layer="delft", rule=HeightRule(constant=10.0), id_field="identificatiebagpnd"
    )
    assert len(fps) == 160 and fps.crs.to_epsg() == 28992
    publish_buildings(
        fps,
        store=store,
        catalog=catalog,
        client=dask_client,
        tiling=TilingSettings(max_features_per_tile=50),
    )
    layer = catalog.get_layer("delft")
    assert layer.feature_count == 160
    # the Delft CityJSON of the same area (RD New) must contain the footprints' extent
    city = json.loads((shared_data / "buildings/delft/delft.json").read_text())
    x0, y0, _, x1, y1, _ = city["metadata"]["geographicalExtent"]
    to_wgs84 = Transformer.from_crs(28992, 4326, always_xy=True)
    (w, e), (s, n) = to_wgs84.transform([x0, x1], [y0, y1])
    assert layer.bbox is not None
    west, south, east, north = layer.bbox
    tol = 1e-4  # ~10 m
    assert w - tol <= west < east <= e + tol and s - tol <= south < north <= n + tol

    out = export_layer("delft", tmp_path / "delft", store=store, catalog=catalog)
    doc = json.loads(out.tileset.read_text())
    assert doc["asset"]["version"] == "1.1"
    glbs = sorted((tmp_path / "delft" / "t").glob("*.glb"))
    assert len(glbs) >= 4
    for report in validate(glbs):
        assert issues(report, "errors") == []
        assert issues(report, "warnings") == []
    ids: list[str] = []
    for path in glbs:
        glb = read_glb(path.read_bytes())
        ids.extend(decode_table(glb)["id"])
        meta = glb.doc["extensions"]["EXT_structural_metadata"]
        table = meta["propertyTables"][0]["properties"]
        klass = meta["schema"]["classes"]["building"]["properties"]
        # every value of terminationdate is empty: declared optional, left out of the table
        assert klass["terminationdate"]["required"] is False
        assert "terminationdate" not in table
    assert len(ids) == len(set(ids)) == 160
    assert all(i.startswith("delft:") for i in ids)
