"""Layer metadata (e.g. a BIM layer's georeference) and walking a feature hierarchy."""

from __future__ import annotations

import pytest

from storage.catalog.protocol import Catalog
from tests.storage.catalog_helpers import Feat, feature_rows, square
from twin.domain import AttributeFilter, FeatureQuery
from twin.errors import InvalidInputError


def _publish(catalog: Catalog, layer: str, features: list[Feat], metadata: object) -> int:
    catalog.ensure_layer(layer, kind="bim", title=layer, crs="EPSG:4547")
    version = catalog.begin_version(layer)
    catalog.add_features(layer, version, feature_rows(features))
    catalog.publish_version(
        layer,
        version,
        tileset_key=f"layers/{layer}/v{version}/tileset.json",
        bbox=(0.0, 0.0, 10.0, 10.0),
        zmin=0.0,
        zmax=10.0,
        attribute_schema={},
        metadata=metadata,  # type: ignore[arg-type]
    )
    return version


def test_published_metadata_is_returned_with_the_layer_and_replaced_by_the_next_version(
    catalog: Catalog,
) -> None:
    geo = {"source": "map_conversion", "crs": "EPSG:4547", "warnings": ["站点参考是默认值"]}
    _publish(catalog, "bim", [Feat("bim:a", square(1, 1))], {"georeference": geo, "n": 1.5})
    layer = catalog.get_layer("bim")
    assert layer.metadata == {"georeference": geo, "n": 1.5}
    assert [lyr.metadata for lyr in catalog.list_layers()] == [layer.metadata]
    _publish(catalog, "bim", [Feat("bim:a", square(1, 1))], None)
    assert catalog.get_layer("bim").metadata == {}


def test_a_new_layer_has_empty_metadata(catalog: Catalog) -> None:
    catalog.ensure_layer("fresh", kind="bim", title="Fresh", crs="EPSG:4326")
    assert catalog.get_layer("fresh").metadata == {}


@pytest.mark.parametrize("bad", [["a", "list"], {"x": float("nan")}, {"x": object()}])
def test_metadata_that_is_not_a_json_object_is_refused_and_the_version_stays_unpublished(
    catalog: Catalog, bad: object
) -> None:
    with pytest.raises(InvalidInputError, match="metadata"):
        _publish(catalog, "bad", [Feat("bad:a", square(1, 1))], bad)
    assert catalog.get_layer("bad").version is None


def test_children_are_found_by_parent_id_within_the_current_version(catalog: Catalog) -> None:
    features = [
        Feat("site", square(0, 0, 9), cls="IfcSite"),
        Feat("storey", square(0, 0, 9), cls="IfcBuildingStorey", parent_id="site"),
        Feat("wall", square(1, 1), cls="IfcWall", parent_id="storey"),
        Feat("door", square(2, 2), cls="IfcDoor", parent_id="storey"),
    ]
    _publish(catalog, "haus", features, {})
    page = catalog.query_features(
        FeatureQuery(layer="haus", filters=(AttributeFilter("parent_id", "=", "storey"),))
    )
    assert [f.id for f in page.features] == ["door", "wall"]
    assert page.total == 2
