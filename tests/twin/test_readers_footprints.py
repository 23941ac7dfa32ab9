from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from tests.twin.footprint_samples import CENTRE_LONLAT, CITY_GRID_WKT, sample_frame
from tiles.layout import to_lonlat
from twin.errors import CRSError, IngestError, InvalidInputError
from twin.readers.footprints import HeightRule, load_footprints, read_vector

FORMATS = {
    "gpkg": lambda f, p: f.to_file(p, driver="GPKG", engine="pyogrio"),
    "geojson": lambda f, p: f.to_file(p, driver="GeoJSON", engine="pyogrio"),
    "shp": lambda f, p: f.to_file(p, driver="ESRI Shapefile", engine="pyogrio"),
    "fgb": lambda f, p: f.to_file(p, driver="FlatGeobuf", engine="pyogrio"),
    "parquet": lambda f, p: f.to_parquet(p),
}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_supported_format_reads_the_same_footprints(tmp_path: Path, fmt: str) -> None:
    frame = sample_frame("EPSG:4547")
    path = tmp_path / f"b.{fmt}"
    FORMATS[fmt](frame, path)
    fps = load_footprints(
        read_vector(path), layer="b", rule=HeightRule(field="height"), id_field="bid"
    )
    assert len(fps) == 12
    assert sorted(fps.source_ids) == sorted(frame["bid"])
    assert fps.crs.to_epsg() == 4547
    areas = dict(zip(fps.source_ids, shapely.area(fps.geometries), strict=True))
    assert areas["B000"] == pytest.approx(400 - 100, rel=1e-6)  # courtyard kept as a hole
    assert areas["B001"] == pytest.approx(400 + 100, rel=1e-6)  # both parts of the MultiPolygon


@pytest.mark.parametrize(
    "crs",
    ["EPSG:4547", "EPSG:4490", "EPSG:4326", CITY_GRID_WKT],
    ids=["cgcs2000-gk", "cgcs2000-geographic", "wgs84", "custom-wkt"],
)
def test_footprints_in_any_crs_land_in_the_same_place(crs: str) -> None:
    fps = load_footprints(
        sample_frame(crs), layer="b", rule=HeightRule(field="height"), id_field="bid"
    )
    lonlat = to_lonlat(fps.geometries, fps.crs)
    first = shapely.bounds(lonlat[0])[:2]  # the south-west corner
    assert first[0] == pytest.approx(CENTRE_LONLAT[0], abs=1e-6)
    assert first[1] == pytest.approx(CENTRE_LONLAT[1], abs=1e-6)


def test_a_source_without_crs_and_no_crs_option_is_an_error() -> None:
    frame = sample_frame("EPSG:4547").set_crs(None, allow_override=True)
    with pytest.raises(CRSError, match="--crs"):
        load_footprints(frame, layer="b", rule=HeightRule(field="height"))


def test_the_crs_option_assigns_a_crs_to_a_source_without_one() -> None:
    frame = sample_frame("EPSG:4547").set_crs(None, allow_override=True)
    fps = load_footprints(frame, layer="b", rule=HeightRule(field="height"), crs_text="EPSG:4547")
    assert fps.crs.to_epsg() == 4547


def test_a_crs_the_library_does_not_know_is_refused_with_its_reason() -> None:
    with pytest.raises(CRSError, match="not understood"):
        load_footprints(
            sample_frame("EPSG:4547"),
            layer="b",
            rule=HeightRule(field="height"),
            crs_text="EPSG:999999",
        )


def test_invalid_geometries_are_repaired_or_rejected_and_reported() -> None:
    frame = sample_frame("EPSG:4547", n=4)
    x, y = shapely.get_coordinates(frame.geometry.iloc[2])[0]
    bowtie = shapely.Polygon([(x, y), (x + 10, y + 10), (x + 10, y), (x, y + 10)])
    line = shapely.LineString([(x, y), (x + 5, y)])
    frame.loc[2, "geometry"] = bowtie
    frame.loc[3, "geometry"] = line
    fps = load_footprints(frame, layer="b", rule=HeightRule(field="height"), id_field="bid")
    assert fps.report is not None
    assert [i.source_id for i in fps.report.repaired] == ["B002"]
    assert [(i.source_id, i.code) for i in fps.report.rejected] == [("B003", "not_polygonal")]
    assert shapely.is_valid(fps.geometries).all()
    assert "B002" in fps.source_ids


def test_missing_and_negative_heights_are_reported_never_invented() -> None:
    frame = sample_frame("EPSG:4547", n=5)
    frame.loc[1, "height"] = np.nan
    frame.loc[2, "height"] = -4.0
    frame.loc[3, "height"] = 0.0
    fps = load_footprints(frame, layer="b", rule=HeightRule(field="height"), id_field="bid")
    assert fps.report is not None
    codes = {i.source_id: i.code for i in fps.report.rejected}
    assert codes == {
        "B001": "missing_height",
        "B002": "non_positive_height",
        "B003": "non_positive_height",
    }
    assert list(fps.source_ids) == ["B000", "B004"]
    assert list(fps.top - fps.base) == [10.0, 14.0]


def test_floors_times_storey_height_gives_the_height() -> None:
    frame = sample_frame("EPSG:4547", n=3)
    fps = load_footprints(
        frame, layer="b", rule=HeightRule(floors_field="floors", storey_height=3.5), id_field="bid"
    )
    assert list(fps.top) == [3 * 3.5, 4 * 3.5, 5 * 3.5]


def test_duplicate_ids_are_rejected_after_the_first() -> None:
    frame = sample_frame("EPSG:4547", n=3)
    frame.loc[2, "bid"] = "B000"
    fps = load_footprints(frame, layer="b", rule=HeightRule(field="height"), id_field="bid")
    assert fps.report is not None
    assert [(i.index, i.code) for i in fps.report.rejected] == [(2, "duplicate_id")]


def test_a_source_where_nothing_is_usable_is_an_error() -> None:
    frame = sample_frame("EPSG:4547", n=2)
    frame["height"] = np.nan
    with pytest.raises(IngestError, match="no feature"):
        load_footprints(frame, layer="b", rule=HeightRule(field="height"))


def test_an_unknown_height_field_is_named_in_the_error() -> None:
    with pytest.raises(InvalidInputError, match="'hoogte'"):
        load_footprints(sample_frame("EPSG:4547"), layer="b", rule=HeightRule(field="hoogte"))


def test_height_options_are_exclusive() -> None:
    with pytest.raises(InvalidInputError, match="exactly one"):
        HeightRule(field="height", constant=10)


def test_an_unsupported_format_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "b.xlsx"
    bad.write_bytes(b"x")
    with pytest.raises(InvalidInputError, match="unsupported"):
        read_vector(bad)


def test_attributes_keep_their_types() -> None:
    fps = load_footprints(
        sample_frame("EPSG:4547"), layer="b", rule=HeightRule(field="height"), id_field="bid"
    )
    assert fps.schema == {"height": "number", "floors": "integer", "use": "string"}
    assert isinstance(fps.attributes, gpd.pd.DataFrame)


def test_a_parent_field_links_features_by_their_layer_qualified_ids() -> None:
    frame = sample_frame("EPSG:4547", n=3)
    frame["podium"] = [None, "B000", "B000"]
    fps = load_footprints(
        frame, layer="b", rule=HeightRule(field="height"), id_field="bid", parent_field="podium"
    )
    assert fps.parent_ids is not None
    assert list(fps.parent_ids) == [None, "b:B000", "b:B000"]
    assert "podium" not in fps.attributes.columns


def test_a_crs_option_that_contradicts_the_source_is_used_and_warned_about(
    caplog: pytest.LogCaptureFixture,
) -> None:
    frame = sample_frame("EPSG:4547")
    with caplog.at_level("WARNING", logger="twin.readers"):
        fps = load_footprints(
            frame, layer="b", rule=HeightRule(field="height"), crs_text="EPSG:4549"
        )
    assert fps.crs.to_epsg() == 4549
    assert any("overrides" in r.getMessage() for r in caplog.records)
