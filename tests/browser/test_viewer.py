"""The 3D viewer in Debian Chromium against ``twin serve`` on the demo city."""

from __future__ import annotations

import io
import json
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import numpy as np
import pytest
from PIL import Image, ImageChops, ImageStat
from playwright.sync_api import Page, Response, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.conftest import (
    DEMO_LAYER,
    DemoServer,
    Recorder,
    ViewerPages,
    twin_state,
    wait_settled,
)

pytestmark = pytest.mark.browser

# In the middle of the scene the home view of the demo city has ~14% of its pixels unlike
# the globe's colour and ~70 colours; with the layer hidden: 0% and 3 colours (the globe
# is drawn in shades one unit apart, hence the tolerance).
BACKGROUND_TOLERANCE = 12
MIN_SCENE_SHARE = 0.05
MIN_SCENE_COLOURS = 20
# Camera from the URL: positions to ~0.1 m, height to 1 m, angles to 0.1 degree.
CAMERA_TOLERANCE = (1e-6, 1e-6, 1.0, 0.1, 0.1, 0.1)


def search(page: Page, feature_id: str) -> None:
    """Finds a feature with the search box and waits until the camera has flown there."""
    page.get_by_test_id("search-input").fill(feature_id)
    page.get_by_test_id("search-submit").click()
    try:
        page.wait_for_function("(id) => window.__twin.lastPicked === id", arg=feature_id)
    except PlaywrightTimeout:
        pytest.fail(
            f"searching {feature_id!r} did not select it: window.__twin = {twin_state(page)}",
            pytrace=False,
        )
    wait_settled(page, f"the flight to {feature_id}")


def canvas_centre(page: Page) -> tuple[float, float]:
    box = page.locator("#scene canvas").bounding_box()
    assert box is not None, "the Cesium canvas is not on the page"
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def canvas_image(page: Page) -> Image.Image:
    # SwiftShader on two shared cores can take long over a frame: 90 s, not the default 30 s
    shot = page.locator("#scene canvas").screenshot(timeout=90_000)
    return Image.open(io.BytesIO(shot)).convert("RGB")


def tallest_building(server: DemoServer) -> dict[str, Any]:
    """The tallest demo building as the API returns it (GET api/features/{id})."""
    page = server.get_json(f"api/layers/{DEMO_LAYER}/features?limit=1&sort=-height")
    assert page["features"], f"the demo layer has no features: {page}"
    return server.feature(page["features"][0]["id"])


def shown_text(value: Any) -> str | float:
    """How the info panel writes an attribute value (floats compared as numbers)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and not value.is_integer():
        return value
    if isinstance(value, int | float):
        return str(int(value))
    return str(value)


def attribute_rows(page: Page) -> dict[str, str]:
    rows = page.get_by_test_id("info-panel").locator("table.info-table tr")
    result: dict[str, str] = rows.evaluate_all(
        "rows => Object.fromEntries(rows.map(r => "
        "[r.querySelector('th').dataset.field, r.querySelector('td').textContent]))"
    )
    return result


def camera_of(url_or_hash: str) -> tuple[float, ...]:
    match = re.search(r"cam=([^&]+)", url_or_hash)
    assert match, f"no cam= in {url_or_hash!r}"
    numbers = tuple(float(part) for part in match.group(1).split(","))
    assert len(numbers) == 6, f"cam= should have 6 numbers: {url_or_hash!r}"
    return numbers


def camera_close(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    def angle(x: float) -> float:
        return (x + 180) % 360 - 180

    diffs = [abs(x - y) for x, y in zip(a[:3], b[:3], strict=True)]
    diffs += [abs(angle(x - y)) for x, y in zip(a[3:], b[3:], strict=True)]
    return all(d <= tol for d, tol in zip(diffs, CAMERA_TOLERANCE, strict=True))


def wait_camera_still(page: Page, before: str, timeout_s: float = 60.0) -> str:
    """Waits until the URL hash moved away from ``before``, stays put and the view settled."""
    deadline = time.monotonic() + timeout_s
    seen: list[str] = []
    while time.monotonic() < deadline:
        hash_, settled = page.evaluate("() => [location.hash, window.__twin.allTilesLoaded]")
        seen.append(hash_)
        if settled and hash_ != before and seen[-3:] == [hash_] * 3:
            return str(hash_)
        time.sleep(0.4)
    pytest.fail(
        f"the camera hash did not settle after a move (from {before!r}; seen {seen[-5:]}); "
        f"window.__twin = {twin_state(page)}",
        pytrace=False,
    )


def scene_stats(image: Image.Image) -> tuple[float, int]:
    """Share of pixels clearly unlike the most common colour, and the number of distinct
    colours, in the middle of the scene (away from the credit logo and the home button)."""
    w, h = image.size
    middle = image.crop((w * 15 // 100, h * 15 // 100, w * 85 // 100, h * 85 // 100))
    pixels = np.asarray(middle.convert("RGB"), dtype=np.int16).reshape(-1, 3)
    colours, counts = np.unique(pixels, axis=0, return_counts=True)
    background = colours[int(np.argmax(counts))]
    unlike = np.abs(pixels - background).max(axis=1) > BACKGROUND_TOLERANCE
    return float(unlike.mean()), len(colours)


def test_the_viewer_loads_the_demo_city_and_every_tile_loads(
    viewer_pages: ViewerPages, recorder: Recorder, demo_server: DemoServer
) -> None:
    page = viewer_pages.open()
    hooks = page.evaluate("() => window.__twin")
    assert hooks["ready"] and hooks["allTilesLoaded"], f"not settled: {hooks}"
    assert DEMO_LAYER in hooks["layers"], f"layers listed by the viewer: {hooks['layers']}"
    assert hooks["errors"] == [], f"the viewer recorded errors: {hooks['errors']}"

    glb = [(s, u) for s, u in recorder.responses if urlsplit(u).path.endswith(".glb")]
    assert any(s == 200 for s, _ in glb), f"no tile content was loaded: {recorder.responses}"
    layers = [lyr["id"] for lyr in demo_server.get_json("api/layers")["layers"]]
    # the demo's terrain, city, BIM proposal, street objects and street scan
    assert {"demo-terrain", DEMO_LAYER, "demo-proposal", "demo-streets"} <= set(layers), layers
    assert "demo-street-scan" in layers, layers
    paths = [urlsplit(u).path for s, u in glb if s == 200]
    assert all(any(p.startswith(f"/tiles/{lyr}/") for lyr in layers) for p in paths), paths
    for lyr in ("demo-terrain", DEMO_LAYER, "demo-street-scan"):  # all in the home view
        assert any(p.startswith(f"/tiles/{lyr}/") for p in paths), f"no tile of {lyr}: {paths}"
    prefix = f"/tiles/{DEMO_LAYER}/"
    tileset = [(s, u) for s, u in recorder.responses if u.endswith("/tileset.json")]
    assert (200, f"{demo_server.base_url}tiles/{DEMO_LAYER}/tileset.json") in tileset, tileset
    # the root tile's content is always needed; it must be among the tiles loaded
    root_uri = demo_server.get_json(f"tiles/{DEMO_LAYER}/tileset.json")["root"]["content"]["uri"]
    loaded = {urlsplit(u).path for s, u in glb if s == 200}
    assert f"{prefix}{root_uri}" in loaded, f"root content {root_uri} not among {sorted(loaded)}"
    requested = {urlsplit(u).path for u in recorder.requests if urlsplit(u).path.endswith(".glb")}
    assert requested == loaded, f"tiles requested but not loaded: {sorted(requested - loaded)}"
    assert recorder.bad_responses() == [], f"error responses: {recorder.bad_responses()}"
    assert recorder.failed_requests == [], f"failed requests: {recorder.failed_requests}"


def test_a_session_has_no_console_errors_and_no_request_leaves_127_0_0_1(
    viewer: Page, recorder: Recorder, demo_server: DemoServer
) -> None:
    building = tallest_building(demo_server)
    search(viewer, building["id"])
    with viewer.expect_response(lambda r: "/api/features/" in r.url):
        viewer.mouse.click(*canvas_centre(viewer))
    expect(viewer.get_by_test_id("info-id")).to_be_visible()
    viewer.get_by_test_id("lang-switch").click()
    expect(viewer.locator("html")).to_have_attribute("lang", "en")
    viewer.get_by_test_id("lang-switch").click()
    expect(viewer.locator("html")).to_have_attribute("lang", "zh-CN")
    wait_settled(viewer, "the session's last view")

    assert recorder.console_errors == [], f"console errors: {recorder.console_errors}"
    assert recorder.page_errors == [], f"uncaught exceptions: {recorder.page_errors}"
    errors = viewer.evaluate("() => window.__twin.errors")
    assert errors == [], f"window.__twin.errors: {errors}"
    assert len(recorder.requests) > 10, f"suspiciously few requests: {recorder.requests}"
    assert recorder.foreign_requests() == [], (
        f"requests left 127.0.0.1: {recorder.foreign_requests()}"
    )


def test_clicking_a_building_shows_its_id_and_attributes(
    viewer: Page, demo_server: DemoServer
) -> None:
    building = tallest_building(demo_server)
    feature_id: str = building["id"]
    attributes: dict[str, Any] = building["attributes"]
    assert feature_id.startswith(f"{DEMO_LAYER}:"), feature_id
    assert {"use", "floors"} <= attributes.keys(), f"demo attributes: {attributes}"
    search(viewer, feature_id)

    # close what the search showed, so that the panel below comes from the click
    panel = viewer.get_by_test_id("info-panel")
    panel.get_by_role("button", name="关闭").click()
    expect(panel).to_be_hidden()
    assert viewer.evaluate("() => window.__twin.lastPicked") is None

    def is_lookup(response: Response) -> bool:
        return urlsplit(response.url).path == f"/api/features/{quote(feature_id, safe='')}"

    with viewer.expect_response(is_lookup) as lookup:
        viewer.mouse.click(*canvas_centre(viewer))
    assert lookup.value.status == 200, f"{lookup.value.url}: {lookup.value.status}"
    expect(panel).to_be_visible()
    expect(viewer.get_by_test_id("info-id")).to_have_text(feature_id)
    assert viewer.evaluate("() => window.__twin.lastPicked") == feature_id

    expect(panel.locator("table.info-table tr")).to_have_count(len(attributes))
    shown = attribute_rows(viewer)
    for name, value in attributes.items():
        assert name in shown, f"attribute {name} missing from the panel: {shown}"
        expected = shown_text(value)
        if isinstance(expected, float):
            assert float(shown[name].replace(",", "")) == pytest.approx(expected, abs=1e-3)
        else:
            assert shown[name] == expected, f"{name}: shown {shown[name]!r}, API {value!r}"


def test_the_language_switch_turns_the_labels_to_english_and_back(
    viewer: Page, demo_server: DemoServer
) -> None:
    html = viewer.locator("html")
    switch = viewer.get_by_test_id("lang-switch")
    submit = viewer.get_by_test_id("search-submit")
    tree = viewer.get_by_test_id("layer-tree")
    fly = viewer.get_by_test_id(f"layer-fly-{DEMO_LAYER}")
    count = demo_server.get_json(f"api/layers/{DEMO_LAYER}")["feature_count"]

    expect(html).to_have_attribute("lang", "zh-CN")
    expect(submit).to_have_text("查找")
    expect(switch).to_have_text("EN")
    expect(fly).to_have_text("定位")
    expect(tree).to_contain_text(f"{count:,} 个要素")
    assert viewer.title() == "twin 城市信息模型"

    switch.click()
    expect(html).to_have_attribute("lang", "en")
    expect(submit).to_have_text("Find")
    expect(switch).to_have_text("中文")
    expect(fly).to_have_text("Fly to")
    expect(tree).to_contain_text(f"{count:,} features")
    assert viewer.title() == "twin City Information Model"
    assert "lang=en" in viewer.url, viewer.url

    viewer.reload()
    viewer.wait_for_function("() => window.__twin?.ready === true")
    expect(html).to_have_attribute("lang", "en")
    expect(submit).to_have_text("Find")

    switch.click()
    expect(html).to_have_attribute("lang", "zh-CN")
    expect(submit).to_have_text("查找")
    expect(tree).to_contain_text(f"{count:,} 个要素")
    assert viewer.title() == "twin 城市信息模型"


def test_a_screenshot_of_the_city_is_saved_and_is_not_blank(viewer: Page, artifacts: Path) -> None:
    path = artifacts / "viewer.png"
    path.unlink(missing_ok=True)
    viewer.screenshot(path=str(path))
    assert path.is_file(), f"no screenshot at {path}"

    with Image.open(path) as shot:
        assert shot.size == (1280, 800), f"screenshot size {shot.size}"
        box = viewer.locator("#scene canvas").bounding_box()
        assert box is not None
        scene = shot.convert("RGB").crop(
            (
                int(box["x"]),
                int(box["y"]),
                int(box["x"] + box["width"]),
                int(box["y"] + box["height"]),
            )
        )
    share, colours = scene_stats(scene)
    assert share > MIN_SCENE_SHARE, (
        f"only {share:.1%} of the scene differs from its background: nothing rendered? ({path})"
    )
    assert colours > MIN_SCENE_COLOURS, f"only {colours} colours in the scene ({path})"


def test_the_camera_is_kept_in_the_url_and_restored_from_it(
    viewer: Page, viewer_pages: ViewerPages
) -> None:
    home_hash = viewer.evaluate("() => location.hash")
    home = camera_of(home_hash)

    x, y = canvas_centre(viewer)
    viewer.mouse.move(x, y)
    viewer.mouse.down()
    viewer.mouse.move(x + 150, y + 60, steps=2)
    viewer.mouse.up()
    moved_hash = wait_camera_still(viewer, home_hash)
    moved = camera_of(moved_hash)
    assert not camera_close(home, moved), f"the drag did not move the camera: {moved_hash}"
    moved_image = canvas_image(viewer)
    url = viewer.url
    assert "#cam=" in url, url
    viewer.close()  # one page rendering at a time: SwiftShader shares two cores

    restored_page = viewer_pages.open(url.removeprefix(viewer_pages.server.base_url))
    restored_hash = restored_page.evaluate("() => location.hash")
    restored = camera_of(restored_hash)
    assert camera_close(moved, restored), f"camera {moved_hash} came back as {restored_hash}"
    # and the scene looks the same from there
    difference = ImageChops.difference(moved_image, canvas_image(restored_page))
    mean = ImageStat.Stat(difference).mean
    assert max(mean) < 0.5, f"the restored view looks unlike the moved one: {json.dumps(mean)}"


def test_a_bare_source_id_finds_the_feature_in_its_layer(
    viewer: Page, demo_server: DemoServer
) -> None:
    feature_id: str = tallest_building(demo_server)["id"]
    bare = feature_id.split(":", 1)[1]  # "demo-buildings:B000144" -> "B000144"
    viewer.get_by_test_id("search-input").fill(bare)
    viewer.get_by_test_id("search-submit").click()
    try:
        viewer.wait_for_function("(id) => window.__twin.lastPicked === id", arg=feature_id)
    except PlaywrightTimeout:
        pytest.fail(f"searching {bare!r} did not find {feature_id!r}: {twin_state(viewer)}")
    expect(viewer.get_by_test_id("info-id")).to_have_text(feature_id)


def test_the_demo_proposal_is_a_checked_submission_on_its_own_layer(
    demo_server: DemoServer,
) -> None:
    import httpx

    listed = httpx.get(demo_server.base_url + "api/submissions", timeout=10).json()
    (sub,) = [s for s in listed if s["project"] == "demo-proposal"]
    assert (sub["id"], sub["state"], sub["layer"]) == (
        "demo-proposal-v1",
        "checked",
        "demo-proposal",
    )
    full = httpx.get(demo_server.base_url + f"api/submissions/{sub['id']}", timeout=10).json()
    rules = {r["key"]: r["status"] for r in full["report"]["rules"]}
    assert rules["max_height_m"] == "fail" and rules["setback_m"] == "pass"
    assert full["report"]["indicators"]["storeys_above_ground"] == 18
