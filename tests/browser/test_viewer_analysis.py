"""The analysis panel in Debian Chromium on the demo city: a sightline through the buildings
(and, with the proposal added, before/after), a protected view corridor to a landmark with
its maximum-height map, and the sunlight hours on a tower's facades.

The tools are driven through ``window.__twin.analysis.run`` with coordinates taken from the
demo's layers (``GET api/layers`` and the features' GeoJSON), so that nothing depends on
where a pixel lands; one sightline is also clicked on the canvas, as a user would."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.conftest import (
    REPO_ROOT,
    DemoServer,
    Recorder,
    ViewerPages,
    twin_state,
    wait_settled,
)

pytestmark = pytest.mark.browser

SCREENSHOT = REPO_ROOT / "viewer" / "docs" / "analysis-panel.png"
BUILDINGS = "demo-buildings"
SUBMISSION = "demo-proposal-v1"
METRES_PER_DEGREE = 111_320.0
EYE = 1.6


@dataclass(frozen=True)
class Building:
    id: str
    lon: float
    lat: float
    zmin: float
    zmax: float
    bbox: tuple[float, float, float, float]


def positions(coordinates: Any) -> list[tuple[float, float]]:
    """Every [lon, lat] of a GeoJSON geometry's coordinates (any nesting)."""
    if coordinates and isinstance(coordinates[0], (int, float)):
        return [(float(coordinates[0]), float(coordinates[1]))]
    return [p for part in coordinates for p in positions(part)]


def buildings(server: DemoServer) -> list[Building]:
    found = server.get_json(f"api/layers/{BUILDINGS}/features?limit=5000")["features"]
    out = []
    for f in found:
        points = positions(f["geometry"]["coordinates"])
        lons, lats = [p[0] for p in points], [p[1] for p in points]
        props = f["properties"]
        out.append(
            Building(
                f["id"],
                (min(lons) + max(lons)) / 2,
                (min(lats) + max(lats)) / 2,
                props["zmin"],
                props["zmax"],
                (min(lons), min(lats), max(lons), max(lats)),
            )
        )
    return out


def metres_east(lat: float) -> float:
    return METRES_PER_DEGREE * math.cos(math.radians(lat))


def corridor_case(city: list[Building]) -> tuple[Building, list[float], float, Building]:
    """A landmark, a viewpoint 350 m south of it in the open, a target height and a tower
    that certainly rises through the plane from the eye to that height in between."""
    for landmark in sorted(city, key=lambda b: -b.zmax)[:40]:
        lat = landmark.lat - 350 / METRES_PER_DEGREE
        lon = landmark.lon
        near = min(city, key=lambda b: math.hypot((b.lon - lon) * metres_east(lat), b.lat - lat))
        if (
            math.hypot((near.lon - lon) * metres_east(lat), (near.lat - lat) * METRES_PER_DEGREE)
            < 35
        ):
            continue  # the viewpoint would be inside a building
        eye_h = near.zmin + EYE
        target_h = landmark.zmin + 40
        for b in city:
            along = (b.lat - lat) * METRES_PER_DEGREE / 350  # 0 at the eye, 1 at the landmark
            side = abs(b.lon - lon) * metres_east(lat)
            plane = eye_h + along * (target_h - eye_h)
            if 0.4 < along < 0.9 and side < 25 * along - 8 and b.zmax > plane + 10:
                return landmark, [lon, lat, near.zmin], target_h, b
    pytest.fail("the demo city has no landmark with a tower in front of it")


def analysis(page: Page) -> dict[str, Any]:
    hook: dict[str, Any] = page.evaluate("() => window.__twin.analysis")
    return hook


def run(page: Page, spec: dict[str, Any]) -> dict[str, Any]:
    """Runs a tool through the hook, waits for the flight and the drawing, returns the hook."""
    phase = page.evaluate("(spec) => window.__twin.analysis.run(spec)", spec)
    hook = analysis(page)
    assert phase == "done", f"{spec['tool']}: {phase}, error {hook['error']!r}: {twin_state(page)}"
    wait_drawn(page, f"the {spec['tool']} result")
    return analysis(page)


def wait_drawn(page: Page, what: str) -> None:
    wait_settled(page, what)
    wait_for(page, "a.drawn.ready", f"{what} was not drawn")


def wait_for(page: Page, condition: str, what: str, arg: Any = None) -> None:
    try:
        page.wait_for_function(
            f"(arg) => {{ const a = window.__twin?.analysis; return !!a && ({condition}); }}",
            arg=arg,
        )
    except PlaywrightTimeout:
        pytest.fail(f"{what}: window.__twin = {twin_state(page)}", pytrace=False)


def proposal_layer(server: DemoServer) -> dict[str, Any]:
    layers = server.get_json("api/layers")["layers"]
    (layer,) = [lyr for lyr in layers if lyr["kind"] in ("ifc", "bim")]
    return dict(layer)


def test_the_analysis_tools_draw_and_list_their_results(
    viewer_pages: ViewerPages, demo_server: DemoServer, recorder: Recorder
) -> None:
    city = buildings(demo_server)
    page: Page = viewer_pages.open()
    page.get_by_test_id("analysis-open").click()
    panel = page.get_by_test_id("analysis-panel")
    expect(panel).to_be_visible()
    expect(page.get_by_test_id("analysis-open")).to_have_attribute("aria-pressed", "true")
    expect(panel.locator(".analysis-heading")).to_have_text("景观分析")

    # -- a sightline clicked on the canvas: two picks, sent with their heights --------------
    panel.get_by_test_id("analysis-tool-sightline").click()
    expect(panel.get_by_test_id("analysis-step")).to_contain_text("单击视线起点")
    canvas = page.locator("#scene canvas")
    box = canvas.bounding_box()
    assert box is not None
    canvas.click(position={"x": box["width"] * 0.3, "y": box["height"] * 0.62})
    wait_for(page, "a.clicks.length === 1", "the first click was not taken")
    expect(panel.get_by_test_id("analysis-step")).to_contain_text("单击视线终点")
    canvas.click(position={"x": box["width"] * 0.45, "y": box["height"] * 0.55})
    wait_for(page, "a.runs === 1 || a.phase === 'failed'", "the clicked sightline did not run")
    hook = analysis(page)
    assert hook["phase"] == "done", hook["error"]
    sent = hook["request"]["body"]
    assert hook["request"]["url"] == "api/analysis/sightline"
    for end, click in zip((sent["from"], sent["to"]), hook["clicks"], strict=True):
        raised = EYE if click["onGround"] else 0.0
        assert end == pytest.approx([*click["point"][:2], click["point"][2] + raised])
    assert page.evaluate("() => window.__twin.lastPicked") is None  # no feature was selected

    # -- a sightline through a tower: obstructions listed, red beyond the first one ---------
    tower = max(
        (b for b in city if b.zmax - b.zmin > 60),
        key=lambda b: (b.bbox[2] - b.bbox[0]) * (b.bbox[3] - b.bbox[1]),
    )
    mid = (tower.zmin + tower.zmax) / 2
    half = (tower.bbox[2] - tower.bbox[0]) / 2 + 40 / metres_east(tower.lat)
    hook = run(
        page,
        {
            "tool": "sightline",
            "points": [[tower.lon - half, tower.lat, mid], [tower.lon + half, tower.lat, mid]],
            "scenario": None,
        },
    )
    result = hook["response"]
    assert result["visible"] is False
    ids = [o["feature_id"] for o in result["obstructions"]]
    assert tower.id in ids, result
    rows = panel.get_by_test_id("analysis-obstructions").locator("tbody tr")
    expect(rows).to_have_count(len(ids))
    for i, fid in enumerate(ids):
        expect(rows.nth(i)).to_have_attribute("data-feature", fid)
    expect(panel.get_by_test_id("analysis-verdict")).to_have_text("被遮挡")
    drawn = hook["drawn"]
    assert drawn["clearSegments"] == 1 and drawn["blockedSegments"] == 1, drawn
    assert drawn["markers"] == len(ids), drawn
    first = next(o["feature_id"] for o in result["obstructions"] if o["kind"] != "terrain")
    expect(rows.nth(ids.index(first))).to_have_attribute("data-first", "true")
    assert drawn["tinted"] == {first: "#dc2626"}, drawn
    wait_for(page, "a.drawn.styled.includes(arg)", "the first obstruction was not drawn red", first)

    # -- a view corridor to a landmark: wedge, intrusions, the maximum-height map -----------
    landmark, viewpoint, target_h, intruder = corridor_case(city)
    target = [landmark.lon, landmark.lat, landmark.zmax]
    hook = run(
        page,
        {
            "tool": "corridor",
            "points": [viewpoint, target],
            "corridor": {"targetHeight": f"{target_h:.1f}", "halfWidth": "25"},
        },
    )
    sent = hook["request"]["body"]
    assert sent["viewpoint"] == pytest.approx(viewpoint)
    assert sent["targets"] == [pytest.approx([landmark.lon, landmark.lat, round(target_h, 1)])]
    assert sent["threshold"] == {
        "kind": "plane",
        "target_height_m": pytest.approx(target_h, abs=0.05),
    }
    assert sent["eye_height_m"] == EYE and sent["half_width_m"] == 25
    result = hook["response"]
    intrusions = result["intrusions"]
    assert intruder.id in [i["feature_id"] for i in intrusions], (intruder, intrusions)
    rows = panel.get_by_test_id("analysis-intrusions").locator("tbody tr")
    expect(rows).to_have_count(len(intrusions))
    expect(rows.first).to_have_attribute("data-feature", intrusions[0]["feature_id"])
    drawn = hook["drawn"]
    assert drawn["wedge"] and drawn["outline"], drawn
    coloured = [i["feature_id"] for i in intrusions if i["kind"] != "terrain"]
    assert sorted(drawn["tinted"]) == sorted(set(coloured)), drawn
    strongest = max(intrusions, key=lambda i: i["max_intrusion_m"])
    if strongest["max_intrusion_m"] >= 10:
        assert drawn["tinted"][strongest["feature_id"]] == "#dc2626"
    wait_for(page, "a.drawn.styled.includes(arg)", "the intruder was not coloured", intruder.id)
    tif = panel.get_by_test_id("analysis-tif")
    href = tif.get_attribute("href")
    # the server's "/api/…" link, made relative to the page
    assert href is not None and href == result["max_height"]["tif"].lstrip("/")
    got = httpx.get(demo_server.base_url + href, timeout=30)
    assert got.status_code == 200 and got.content[:4] in (b"II*\x00", b"MM\x00*"), got.headers
    panel.get_by_test_id("analysis-overlay").check()
    wait_for(page, "a.drawn.overlay !== 'loading'", "the maximum-height image did not load")
    assert analysis(page)["drawn"]["overlay"] == "shown", twin_state(page)
    wait_drawn(page, "the maximum-height overlay")
    png = result["max_height"]["png"]
    assert any(url.endswith(png.lstrip("/")) for url in recorder.requests), png
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))

    # -- sunlight on the tower's facades ------------------------------------------------------
    hook = run(page, {"tool": "sunlight", "building": tower.id})
    sent = hook["request"]["body"]
    assert sent == {
        "building": tower.id,
        "window": ["08:00", "16:00"],
        "step_min": 1,
        "required_hours": 2,
    }
    result = hook["response"]
    summary = result["summary"]
    assert summary["count"] == len(result["points"]) > 0
    assert hook["drawn"]["sunPoints"] == summary["count"]
    assert hook["drawn"]["tinted"] == {} and not hook["drawn"]["wedge"]
    table = panel.get_by_test_id("analysis-sun-summary")
    expect(table.locator("tr[data-key='count'] td")).to_have_text(f"{summary['count']:,}")
    expect(table.locator("tr[data-key='passing'] td")).to_have_text(f"{summary['passing']:,}")
    expect(table.locator("tr[data-key='failing'] td")).to_have_text(f"{summary['failing']:,}")
    expect(table.locator("tr[data-key='passing'] th")).to_have_text("满足 2 小时")
    expect(panel.get_by_test_id("analysis-sun-date")).to_contain_text(result["date"])
    expect(panel.get_by_test_id("analysis-sun-legend")).to_contain_text("≥ 4 h")

    # -- English ----------------------------------------------------------------------------
    page.get_by_test_id("lang-switch").click()
    expect(panel.locator(".analysis-heading")).to_have_text("Landscape analysis")
    expect(table.locator("tr[data-key='passing'] th")).to_have_text("At least 2 h")
    expect(page.get_by_test_id("analysis-open")).to_have_text("Analysis")

    # -- closing the panel --------------------------------------------------------------------
    panel.get_by_test_id("analysis-close").click()
    expect(panel).to_be_hidden()
    expect(page.get_by_test_id("analysis-open")).to_have_attribute("aria-pressed", "false")

    assert page.evaluate("() => window.__twin.errors") == [], twin_state(page)
    assert recorder.page_errors == [], recorder.page_errors
    assert recorder.console_errors == [], recorder.console_errors
    assert recorder.bad_responses() == [], recorder.bad_responses()
    assert recorder.foreign_requests() == [], recorder.foreign_requests()


def test_before_and_after_with_the_proposal_selected_for_review(
    viewer_pages: ViewerPages, demo_server: DemoServer, recorder: Recorder
) -> None:
    proposal = proposal_layer(demo_server)
    west, south, east, north = proposal["bbox"]
    lat = (south + north) / 2
    h = proposal["zmin"] + (proposal["zmax"] - proposal["zmin"]) / 2
    reach = 30 / metres_east(lat)

    # the review panel selects the submission: the analysis takes its layer as the proposal
    page: Page = viewer_pages.open(f"#review={SUBMISSION}")
    page.wait_for_function(
        "(id) => window.__twin.review.selected === id && window.__twin.review.loaded",
        arg=SUBMISSION,
    )
    wait_settled(page, "the flight to the submission")
    page.get_by_test_id("analysis-open").click()
    panel = page.get_by_test_id("analysis-panel")
    expect(panel.get_by_test_id("analysis-scenario")).to_have_value(proposal["id"])
    expect(panel.get_by_test_id("analysis-scenario-note")).to_contain_text(SUBMISSION)

    hook = run(
        page,
        {"tool": "sightline", "points": [[west - reach, lat, h], [east + reach, lat, h]]},
    )
    assert hook["request"]["body"]["scenario"] == {"add": [proposal["id"]], "compare": True}
    assert hook["compared"] and hook["side"] == "after", hook
    result = hook["response"]
    after = result["after"]["obstructions"]
    before = result["before"]["obstructions"]
    assert proposal["id"] in result["layers"]
    assert any(o["layer"] == proposal["id"] for o in after), after
    assert all(o["layer"] != proposal["id"] for o in before), before

    side = panel.get_by_test_id("analysis-side")
    expect(side).to_be_visible()
    expect(side.get_by_test_id("analysis-side-after")).to_have_attribute("aria-pressed", "true")
    rows = panel.get_by_test_id("analysis-result").locator("tbody tr")
    expect(rows).to_have_count(len(after))
    expect(panel.get_by_test_id("analysis-compare-note")).to_contain_text("方案：被遮挡")
    assert hook["drawn"]["blockedSegments"] == 1

    side.get_by_test_id("analysis-side-before").click()
    wait_for(page, "a.side === 'before'", "the switch did not show the existing scene")
    expect(panel.get_by_test_id("analysis-result")).to_have_attribute("data-side", "before")
    expect(rows).to_have_count(len(before))
    drawn = analysis(page)["drawn"]
    assert drawn["markers"] == len(before), drawn
    assert drawn["blockedSegments"] == (1 if before else 0), drawn
    assert all(
        fid not in {o["feature_id"] for o in after if o not in before} for fid in drawn["tinted"]
    )

    side.get_by_test_id("analysis-side-after").click()
    wait_for(page, "a.side === 'after'", "the switch did not show the proposal")
    expect(rows).to_have_count(len(after))
    wait_drawn(page, "the proposal's sightline")

    # choosing no proposal sends no scenario
    panel.get_by_test_id("analysis-scenario").select_option("")
    hook = run(
        page,
        {"tool": "sightline", "points": [[west - reach, lat, h], [east + reach, lat, h]]},
    )
    assert "scenario" not in hook["request"]["body"]
    assert not hook["compared"]
    expect(side).to_be_hidden()

    assert page.evaluate("() => window.__twin.errors") == [], twin_state(page)
    assert recorder.page_errors == [], recorder.page_errors
    assert recorder.console_errors == [], recorder.console_errors
    assert recorder.bad_responses() == [], recorder.bad_responses()
