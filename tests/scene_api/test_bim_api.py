"""A BIM submission served: layer metadata, element features, the hierarchy, the tiles."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from tests.scene_api.conftest import Served
from tests.twin.ifc_helpers import ingest


def _ids(body: dict[str, object]) -> list[str]:
    return [str(f["id"]) for f in body["features"]]  # type: ignore[attr-defined,index]


def test_the_hierarchy_of_a_submission_walks_from_site_to_wall_through_the_api(
    served: Served, shared_data: Path, tmp_path: Path
) -> None:
    ingest(shared_data / "ifc/AC20-FZK-Haus.ifc", "fzk", served.store, served.catalog, tmp_path)
    layers = served.client.get("/api/layers").json()["layers"]
    (layer,) = [lyr for lyr in layers if lyr["id"] == "fzk"]
    assert layer["kind"] == "bim"
    assert layer["metadata"]["schema"] == "IFC4"
    assert layer["metadata"]["georeference"]["source"] == "site_reference"

    sites = served.client.get(
        "/api/layers/fzk/features", params={"filter": "class = IfcSite"}
    ).json()
    (site,) = _ids(sites)
    buildings = served.client.get(f"/api/features/{quote(site, safe='')}/children").json()
    (building,) = _ids(buildings)
    building_feature = served.client.get(f"/api/features/{quote(building, safe='')}").json()
    assert building_feature["class"] == "IfcBuilding"
    # the building has no geometry of its own: no tile, a footprint around its elements
    assert building_feature["tile"] is None and building_feature["tile_url"] is None
    assert building_feature["zmax"] - building_feature["zmin"] > 5
    storeys = served.client.get(f"/api/features/{quote(building, safe='')}/children").json()
    assert storeys["numberMatched"] == 2
    storey = _ids(storeys)[0]
    elements = served.client.get(
        f"/api/features/{quote(storey, safe='')}/children", params={"limit": 500}
    ).json()
    classes = {f["properties"]["class"] for f in elements["features"]}
    assert any(c.startswith("IfcWall") for c in classes)
    wall = next(f for f in elements["features"] if f["properties"]["class"].startswith("IfcWall"))
    one = served.client.get(f"/api/features/{quote(wall['id'], safe='')}").json()
    assert one["parent_id"] == storey
    assert one["attributes"]["GlobalId"] == wall["id"]
    assert any(k.startswith("Pset_WallCommon.") for k in one["attributes"])
    tile = served.client.get(one["tile_url"])
    assert tile.status_code == 200 and tile.content[:4] == b"glTF"


def test_children_of_an_unknown_feature_is_a_404_with_a_code(served: Served) -> None:
    reply = served.client.get("/api/features/nope/children")
    assert reply.status_code == 404
    assert reply.json()["code"] == "feature_not_found"
