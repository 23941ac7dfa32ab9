"""The demo's BIM submission (an IFC4 proposal) in the viewer: storeys, element panel, isolation."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DemoServer, Recorder, twin_state, wait_settled
from tests.browser.test_viewer import search

pytestmark = pytest.mark.browser

PROPOSAL = "demo-proposal"


def bim_state(page: Page) -> dict[str, Any]:
    state: dict[str, Any] = page.evaluate(f"() => window.__twin.bim[{PROPOSAL!r}]")
    return state


def storeys_from_api(server: DemoServer) -> list[dict[str, Any]]:
    page = server.get_json(
        f"api/layers/{PROPOSAL}/features?filter=class%3DIfcBuildingStorey&sort=elevation&limit=500"
    )
    return list(page["features"])


def test_the_proposal_layer_lists_its_storeys_lowest_first_with_no_warnings(
    viewer: Page, demo_server: DemoServer
) -> None:
    state = bim_state(viewer)
    assert state and state["storeysLoaded"], f"window.__twin = {twin_state(viewer)}"
    expected = storeys_from_api(demo_server)
    assert len(expected) == 19  # 1F..18F and the roof level
    assert [s["id"] for s in state["storeys"]] == [f["id"] for f in expected]
    elevations = [s["elevation"] for s in state["storeys"]]
    assert elevations == sorted(elevations)
    assert state["georefWarnings"] == []
    layer = demo_server.get_json("api/layers")["layers"]
    (meta,) = [lyr["metadata"] for lyr in layer if lyr["id"] == PROPOSAL]
    assert meta["georeference"]["source"] == "map_conversion"
    assert meta["georeference"]["crs"] == "EPSG:4547"


def test_a_wall_found_by_its_global_id_shows_class_storey_and_property_sets(
    viewer: Page, demo_server: DemoServer, recorder: Recorder
) -> None:
    walls = demo_server.get_json(
        f"api/layers/{PROPOSAL}/features?filter=class%3DIfcWall&filter=storey%3D3F&limit=1"
    )["features"]
    assert walls, "the proposal has no wall on 3F"
    wall = demo_server.feature(walls[0]["id"])
    search(viewer, wall["id"])
    panel = viewer.get_by_test_id("info-panel")
    expect(panel.get_by_test_id("info-class")).to_have_attribute("data-class", "IfcWall")
    expect(panel.get_by_test_id("info-id")).to_have_text(wall["id"])
    expect(panel.get_by_test_id("info-storey")).to_contain_text("3F")
    expect(panel.get_by_test_id("info-section-Pset_WallCommon")).to_be_visible()
    fields = panel.locator("table.info-table th").evaluate_all(
        "cells => cells.map(c => c.dataset.field)"
    )
    assert "Pset_WallCommon.IsExternal" in fields
    assert recorder.page_errors == [], recorder.page_errors


def test_isolating_a_storey_shows_only_its_elements_and_all_brings_them_back(
    viewer: Page, demo_server: DemoServer, recorder: Recorder
) -> None:
    storey = storeys_from_api(demo_server)[4]
    viewer.get_by_test_id(f"storey-{PROPOSAL}-{storey['id']}").check()
    viewer.wait_for_function(
        "([layer, id]) => window.__twin.bim[layer].isolated === id", arg=[PROPOSAL, storey["id"]]
    )
    state = bim_state(viewer)
    assert storey["id"] in state["showExpression"] and "storey_id" in state["showExpression"]
    wait_settled(viewer, "the isolated storey")
    viewer.get_by_test_id(f"storey-all-{PROPOSAL}").check()
    viewer.wait_for_function("(layer) => window.__twin.bim[layer].isolated === null", arg=PROPOSAL)
    wait_settled(viewer, "all storeys again")
    assert viewer.evaluate("() => window.__twin.errors") == []
    assert recorder.console_errors == [], recorder.console_errors


def test_a_selected_feature_is_outlined_by_an_overlay_clamped_to_terrain_and_roofs(
    viewer: Page, demo_server: DemoServer, recorder: Recorder
) -> None:
    walls = demo_server.get_json(
        f"api/layers/{PROPOSAL}/features?filter=class%3DIfcSlab&filter=storey%3D1F&limit=1"
    )["features"]
    assert walls, "the proposal has no slab on 1F"
    search(viewer, walls[0]["id"])
    viewer.wait_for_function(
        "(id) => window.__twin.overlay && window.__twin.overlay.featureId === id",
        arg=walls[0]["id"],
    )
    overlay = viewer.evaluate("() => window.__twin.overlay")
    assert overlay["clamped"] is True and overlay["entityCount"] >= 1, overlay
    assert recorder.page_errors == [], recorder.page_errors


def test_the_terrain_comes_first_and_the_street_scan_can_be_coloured_by_class(
    viewer: Page, recorder: Recorder
) -> None:
    layers = viewer.evaluate("() => window.__twin.layers")
    assert layers[0] == "demo-terrain", layers
    assert viewer.evaluate("() => window.__twin.pointStyle['demo-street-scan']") == "rgb"
    viewer.get_by_test_id("point-style-demo-street-scan").select_option("classification")
    viewer.wait_for_function(
        "() => window.__twin.pointStyle['demo-street-scan'] === 'classification'"
    )
    expect(viewer.get_by_test_id("point-legend-demo-street-scan")).to_be_visible()
    wait_settled(viewer, "the scan coloured by class")
    viewer.get_by_test_id("point-style-demo-street-scan").select_option("intensity")
    viewer.wait_for_function("() => window.__twin.pointStyle['demo-street-scan'] === 'intensity'")
    wait_settled(viewer, "the scan coloured by intensity")
    assert viewer.evaluate("() => window.__twin.errors") == []
    assert recorder.console_errors == [] and recorder.page_errors == []
