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
