"""The review panel in Debian Chromium: BIM submissions made through the real service
(``receive_submission`` + ``check_submission``), served by ``twin serve``.

Four submissions: du07 v1 (too high: its height rule fails, and an IDS specification
fails on its parapet walls), du07 v2 (lower, passes), du08 v1 (received, not checked yet)
and du09 v1 (not georeferenced: its check fails)."""

from __future__ import annotations

import io
import math
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import BrowserContext, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from storage.factory import open_catalog, open_object_store
from storage.submissions.store import SubmissionStore
from tests.bim_ingest.review.review_models import Block, write_block
from tests.browser.conftest import (
    REPO_ROOT,
    VIEWER_INDEX,
    Recorder,
    clean_env,
    free_port,
    stop_twin,
    twin_state,
    wait_healthy,
    wait_settled,
)
from twin.settings import Settings
from twin.submissions.principal import Principal
from twin.submissions.submit_model import Services, Upload, check_submission, receive_submission

pytestmark = pytest.mark.browser

SCREENSHOT = REPO_ROOT / "viewer" / "docs" / "review-panel.png"
RULES = (
    "max_height_m: 8\nheight_includes_parapet: true\nmax_far: 2.0\nmax_storeys: 5\n"
    "min_green_ratio: 0.3\n"
)
IDS = """<?xml version="1.0" encoding="UTF-8"?>
<ids xmlns="http://standards.buildingsmart.org/IDS"
     xmlns:xs="http://www.w3.org/2001/XMLSchema"
     xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
     xsi:schemaLocation="http://standards.buildingsmart.org/IDS http://standards.buildingsmart.org/IDS/1.0/ids.xsd">
  <info><title>DU07 信息交付要求</title></info>
  <specifications>
    <specification name="墙体须注明耐火等级" ifcVersion="IFC4">
      <applicability minOccurs="0" maxOccurs="unbounded">
        <entity><name><simpleValue>IFCWALL</simpleValue></name></entity>
      </applicability>
      <requirements>
        <property dataType="IFCLABEL">
          <propertySet><simpleValue>Pset_WallCommon</simpleValue></propertySet>
          <baseName><simpleValue>FireRating</simpleValue></baseName>
        </property>
      </requirements>
    </specification>
    <specification name="楼板须有名称" ifcVersion="IFC4">
      <applicability minOccurs="0" maxOccurs="unbounded">
        <entity><name><simpleValue>IFCSLAB</simpleValue></name></entity>
      </applicability>
      <requirements>
        <attribute><name><simpleValue>Name</simpleValue></name></attribute>
      </requirements>
    </specification>
  </specifications>
</ids>
"""
REVIEWER = Principal("reviewer", frozenset({"reviewer"}))
METRES_PER_DEGREE = 111_320.0


@dataclass(frozen=True)
class ReviewServer:
    base_url: str
    services: Services

    def get_json(self, path: str) -> Any:
        response = httpx.get(self.base_url + path, timeout=30)
        assert response.status_code == 200, f"GET {path}: {response.status_code} {response.text}"
        return response.json()


def _submit(svc: Services, root: Path, project: str, block: Block, **kw: Any) -> str:
    model = write_block(block, root / f"{project}-{kw.pop('tag', 'a')}.ifc")
    title = kw.pop("title", project)
    upload = Upload(project=project, title=title, ifc_path=model, file_name=model.name, **kw)
    return receive_submission(svc, upload, REVIEWER).id


def _services(data_dir: Path) -> Services:
    settings = Settings(data_dir=data_dir, database_url=None, storage_url=None, log_json=False)
    catalog = open_catalog(settings)
    catalog.migrate()
    return Services(settings, open_object_store(settings), catalog, SubmissionStore(catalog))


def build_submissions(root: Path, svc: Services) -> None:
    ids = root / "du07.ids"
    ids.write_text(IDS, encoding="utf-8")
    high = Block(elevations_m=(0.0, 3.0, 6.0, 8.0), roof_elevation_m=10.0)
    v1 = _submit(
        svc,
        root,
        "du07",
        high,
        title="DU07 办公楼",
        rules_yaml=RULES,
        site_area_m2=400.0,
        ids_path=ids,
    )
    assert check_submission(svc, v1).state == "checked"
    low = Block(elevations_m=(0.0, 3.0), roof_elevation_m=6.0)
    v2 = _submit(svc, root, "du07", low, title="DU07 办公楼（修改）", tag="b")
    assert check_submission(svc, v2).state == "checked"
    _submit(svc, root, "du08", Block(), title="DU08 住宅", rules_yaml="max_height_m: 50\n")
    unplaced = Block(georeferenced=False)
    bad = _submit(svc, root, "du09", unplaced, title="DU09 未配准", rules_yaml="max_height_m: 50\n")
    assert check_submission(svc, bad).check_error is not None


# module scope, built before the browser starts (Playwright's loop holds the main thread)
@pytest.fixture(scope="module")
def review_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReviewServer]:
    if not VIEWER_INDEX.is_file():
        pytest.fail("the viewer is not built: run make viewer", pytrace=False)
    root = tmp_path_factory.mktemp("review")
    data_dir = root / "twin-data"
    svc = _services(data_dir)
    build_submissions(root, svc)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}/"
    log = root / "serve.log"
    command = [sys.executable, "-m", "twin.cli.main", "--data-dir", str(data_dir), "serve"]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as out:
        server = subprocess.Popen(
            command, env=clean_env(), stdout=out, stderr=subprocess.STDOUT, cwd=REPO_ROOT
        )
    try:
        wait_healthy(server, base_url, log)
        yield ReviewServer(base_url=base_url, services=svc)
    finally:
        stop_twin(server)
        svc.catalog.close()


class ReviewPages:
    def __init__(self, context: BrowserContext, server: ReviewServer) -> None:
        self.context = context
        self.server = server
        self.recorder = Recorder()
        self.pages: list[Page] = []

    def open(self, suffix: str = "") -> Page:
        page = self.context.new_page()
        page.set_default_timeout(30_000)
        self.recorder.watch(page)
        self.pages.append(page)
        page.goto(self.server.base_url + suffix)
        wait_settled(page, f"/{suffix}")
        return page

    def close(self) -> None:
        for page in self.pages:
            if not page.is_closed():
                page.evaluate("() => window.localStorage.clear()")
                page.close()


@pytest.fixture
def review_pages(
    review_server: ReviewServer, browser_context: BrowserContext
) -> Iterator[ReviewPages]:
    pages = ReviewPages(browser_context, review_server)
    try:
        yield pages
    finally:
        pages.close()


def review_hook(page: Page) -> dict[str, Any]:
    hook: dict[str, Any] = page.evaluate("() => window.__twin.review")
    return hook


def wait_review(page: Page, condition: str, what: str, arg: Any = None) -> None:
    """Waits until ``condition`` (JS, on ``r`` = window.__twin.review and ``arg``) holds."""
    try:
        page.wait_for_function(
            f"(arg) => {{ const r = window.__twin?.review; return !!r && ({condition}); }}", arg=arg
        )
    except PlaywrightTimeout:
        pytest.fail(f"{what}: window.__twin = {twin_state(page)}", pytrace=False)


def open_review(pages: ReviewPages, submission: str) -> Page:
    page = pages.open(f"#review={submission}")
    wait_review(page, "r.selected === arg && r.loaded", f"{submission} did not load", submission)
    wait_settled(page, f"the flight to {submission}")
    return page


def review_hook_home(page: Page) -> list[float]:
    home: list[float] = page.evaluate("() => window.__twin.home")
    assert home is not None, twin_state(page)
    return home


def red_share(page: Page) -> float:
    """Share of the scene right of the review panel drawn in the highlight's red (nothing
    else in the scene is red; the panel's own red marks are left out)."""
    canvas = page.locator("#scene canvas")
    box, panel = canvas.bounding_box(), page.get_by_test_id("review-panel").bounding_box()
    assert box is not None and panel is not None
    shot = Image.open(io.BytesIO(canvas.screenshot())).convert("RGB")
    scale = shot.width / box["width"]
    left = int((panel["x"] + panel["width"] - box["x"]) * scale) + 1
    scene = shot.crop((max(left, 0), 0, shot.width, shot.height))
    px = np.asarray(scene, dtype=np.int16).reshape(-1, 3)
    r, g, b = px[:, 0], px[:, 1], px[:, 2]
    return float(((r > 110) & (r > 2 * g) & (r > 2 * b)).mean())


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    dx = (a[0] - b[0]) * METRES_PER_DEGREE * math.cos(math.radians((a[1] + b[1]) / 2))
    dy = (a[1] - b[1]) * METRES_PER_DEGREE
    return math.hypot(dx, dy)


def union_of(features: list[dict[str, Any]]) -> list[float]:
    coords = np.array(
        [c for f in features for ring in f["geometry"]["coordinates"] for c in ring], dtype=float
    )
    return [coords[:, 0].min(), coords[:, 1].min(), coords[:, 0].max(), coords[:, 1].max()]


def test_the_review_panel_shows_the_report_and_flies_to_a_failure_s_elements(
    review_server: ReviewServer, review_pages: ReviewPages
) -> None:
    recorder = review_pages.recorder
    sub = review_server.get_json("api/submissions/du07-v1")
    page = open_review(review_pages, "du07-v1")
    panel = page.get_by_test_id("review-panel")
    expect(panel).to_be_visible()

    # the list: every submission with its state and result
    for sid, state, passed in (
        ("du07-v1", "checked", "fail"),
        ("du07-v2", "checked", "pass"),
        ("du08-v1", "checking", "none"),
        ("du09-v1", "checkError", "none"),
    ):
        item = panel.get_by_test_id(f"review-item-{sid}")
        expect(item).to_have_attribute("data-state", state)
        expect(item).to_have_attribute("data-passed", passed)
    expect(panel.get_by_test_id("review-item-du07-v1")).to_contain_text("不合规")
    expect(panel.get_by_test_id("review-item-du08-v1")).to_contain_text("检查中")
    expect(panel.get_by_test_id("review-item-du09-v1")).to_contain_text("检查失败")
    expect(panel.get_by_test_id("review-item-du07-v1")).to_have_attribute("aria-selected", "true")

    # indicators, in Chinese, with their sources
    indicators = panel.get_by_test_id("review-indicators")
    for key, label, value in (
        ("counted_floor_area_m2", "计容建筑面积", "300.00 m²"),
        ("far", "容积率", "0.750"),
        ("height_m", "建筑高度", "10.20 m"),
        ("storeys", "层数", "地上 4 层，地下 0 层"),
        ("coverage", "建筑密度", "25.00%"),
        ("green_ratio", "绿地率", "—"),
    ):
        row = indicators.locator(f"tr[data-key='{key}']")
        expect(row.locator("th")).to_have_text(label)
        expect(row.locator(".review-value")).to_have_text(value)
    expect(indicators.locator("tr[data-key='counted_floor_area_m2'] .review-source")).to_have_text(
        "楼板（IfcSlab）投影面积"
    )
    expect(indicators.locator("tr[data-key='green_ratio'] .review-source")).to_have_text(
        "不适用：模型中没有绿地"
    )

    # floor area per storey: the two 2 m storeys are counted at half
    storeys = panel.get_by_test_id("review-storeys").locator("tbody tr")
    expect(storeys).to_have_count(len(sub["report"]["indicators"]["storeys"]))
    half = panel.get_by_test_id("review-storeys").locator("tr[data-half='true']")
    expect(half).to_have_count(2)
    expect(half.first.locator("th")).to_contain_text("+6.00")
    expect(half.first.get_by_test_id("review-half")).to_have_attribute(
        "title", "层高不足 2.20 m，按一半计算"
    )
    expect(half.first.locator(".review-source")).to_have_text("楼板（IfcSlab）投影面积")

    # planning conditions: pass / fail / not applicable, value and limit
    rules = panel.get_by_test_id("review-rules")
    height = rules.locator("tr[data-key='max_height_m']")
    expect(height).to_have_attribute("data-status", "fail")
    expect(height.locator("th")).to_have_text("建筑高度上限")
    expect(height).to_contain_text("11.40 m")
    expect(height).to_contain_text("8.00 m")
    expect(height).to_contain_text("不通过")
    expect(rules.locator("tr[data-key='max_far']")).to_contain_text("容积率上限")
    expect(rules.locator("tr[data-key='max_far']")).to_contain_text("通过")
    expect(rules.locator("tr[data-key='min_green_ratio']")).to_contain_text("绿地率下限")
    expect(rules.locator("tr[data-key='min_green_ratio']")).to_contain_text("不适用")
    expect(rules.locator("tr[data-key='max_storeys']")).to_contain_text("层数上限")

    # IDS specifications: status, applicable and failed counts
    ids = panel.get_by_test_id("review-ids")
    walls = ids.locator("tr[data-index='0']")
    expect(walls).to_have_attribute("data-status", "fail")
    expect(walls.locator("th")).to_have_text("墙体须注明耐火等级")
    expect(walls.locator("td[data-field='applicable']")).to_have_text("4")
    expect(walls.locator("td[data-field='failed']")).to_have_text("4")
    expect(ids.locator("tr[data-index='1']")).to_have_attribute("data-status", "pass")

    # this version's layer is shown, the project's other version hidden
    hook = review_hook(page)
    assert hook["layer"] == "sub-du07-v1" and hook["layerShown"], hook
    assert hook["hiddenLayers"] == ["sub-du07-v2"], hook
    expect(page.get_by_test_id("layer-toggle-sub-du07-v1")).to_be_checked()
    expect(page.get_by_test_id("layer-toggle-sub-du07-v2")).not_to_be_checked()

    # clicking the failing height rule: its elements are highlighted and framed
    (rule,) = [r for r in sub["report"]["rules"] if r["key"] == "max_height_m"]
    elements = rule["elements"]
    assert len(elements) == 6, rule  # the top floor slab, the roof and four parapets
    home = review_hook_home(page)
    away_camera = f"{(home[0] + home[2]) / 2 + 0.03:.6f},{(home[1] + home[3]) / 2:.6f},1500,0,-50,0"
    page.evaluate("(cam) => { location.hash = `#cam=${cam}&review=du07-v1`; }", away_camera)
    wait_settled(page, "the camera moved away")
    away = page.evaluate("() => window.__twin.view.centre")
    assert red_share(page) == 0.0
    page.get_by_test_id("review-rule-max_height_m").click()
    wait_review(page, "r.focus?.key === 'rule:max_height_m' && r.focus.done", "no focus")
    wait_settled(page, "the flight to the failing elements")
    wait_review(
        page,
        "r.focus.styled.length === r.focus.ids.length",
        "not every failing element was drawn highlighted",
    )
    focus = review_hook(page)["focus"]
    assert sorted(focus["ids"]) == sorted(elements)
    assert focus["located"] == len(elements) and focus["missing"] == [], focus
    assert sorted(focus["styled"]) == sorted(elements)
    quoted = ",".join(f"'{e}'" for e in elements)
    found = httpx.get(
        review_server.base_url + "api/layers/sub-du07-v1/features",
        params={"filter": f"id IN ({quoted})", "limit": "100"},
        timeout=30,
    ).json()["features"]
    assert len(found) == len(elements)
    assert focus["bbox"] == pytest.approx(union_of(found), abs=1e-9)
    assert focus["zmax"] == pytest.approx(max(f["properties"]["zmax"] for f in found))
    # the camera aims west of the elements so that they sit in the middle of the canvas
    # right of the panel; their union extent is in view
    view = page.evaluate("() => window.__twin.view")
    target, look_at, arrival = focus["target"], focus["lookAt"], focus["arrival"]
    assert view["centre"] is not None and arrival is not None, (view, focus)
    centre = (view["centre"][0], view["centre"][1])
    assert distance_m(centre, (look_at["lon"], look_at["lat"])) < max(target["radius"], 25.0), (
        view,
        look_at,
    )
    assert distance_m(centre, (away[0], away[1])) > 500, (away, view)
    assert look_at["lon"] < target["lon"] and look_at["lat"] == pytest.approx(target["lat"])
    width, height_px = arrival["canvas"]
    free_middle = (arrival["covered"] + width) / 2
    assert arrival["covered"] > 0.25 * width, arrival  # the panel covers the left of the scene
    x, y = arrival["screen"]
    assert abs(x - free_middle) < 0.05 * width, (arrival, free_middle)
    assert abs(y - height_px / 2) < 0.1 * height_px, arrival
    west, south, east, north = focus["bbox"]
    rect = view["rectangle"]
    assert rect[0] <= west and rect[1] <= south and rect[2] >= east and rect[3] >= north
    red = red_share(page)
    assert red > 0.002, f"only {red:.3%} of the canvas shows the highlight"
    expect(panel.get_by_test_id("review-focus")).to_contain_text("已高亮 6 个构件")

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))

    # English labels after the switch
    page.get_by_test_id("lang-switch").click()
    expect(height.locator("th")).to_have_text("Maximum height")
    expect(height).to_contain_text("Fail")
    expect(indicators.locator("tr[data-key='counted_floor_area_m2'] th")).to_have_text(
        "Counted floor area"
    )
    expect(panel.get_by_test_id("review-focus")).to_contain_text("6 elements highlighted")

    # the BCF file downloads
    link = panel.get_by_test_id("review-bcf")
    href = link.get_attribute("href")
    assert href == "api/submissions/du07-v1/bcf"
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == "du07-v1-review.bcfzip"
    response = httpx.get(review_server.base_url + href, timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as bcf:
        assert any(name.endswith("markup.bcf") for name in bcf.namelist())

    # clearing the highlight takes the red off the model
    panel.get_by_test_id("review-clear-focus").click()
    wait_review(page, "r.focus === null", "the highlight was not cleared")
    wait_settled(page, "the highlight cleared")
    assert red_share(page) < red / 20

    assert page.evaluate("() => window.__twin.errors") == [], twin_state(page)
    assert recorder.page_errors == [], recorder.page_errors
    assert recorder.bad_responses() == [], recorder.bad_responses()


def test_the_version_switch_shows_that_version_and_hides_the_other(
    review_pages: ReviewPages,
) -> None:
    page = open_review(review_pages, "du07-v1")
    panel = page.get_by_test_id("review-panel")
    expect(panel.get_by_test_id("review-version-du07-v1")).to_have_attribute("aria-pressed", "true")
    panel.get_by_test_id("review-version-du07-v2").click()
    wait_review(page, "r.selected === 'du07-v2' && r.loaded", "v2 did not load")
    hook = review_hook(page)
    assert hook["layer"] == "sub-du07-v2" and hook["hiddenLayers"] == ["sub-du07-v1"], hook
    expect(page.get_by_test_id("layer-toggle-sub-du07-v2")).to_be_checked()
    expect(page.get_by_test_id("layer-toggle-sub-du07-v1")).not_to_be_checked()
    expect(panel.get_by_test_id("review-version-du07-v2")).to_have_attribute("aria-pressed", "true")
    expect(panel.get_by_test_id("review-result")).to_have_text("合规")
    expect(
        panel.get_by_test_id("review-rules").locator("tr[data-key='max_height_m']")
    ).to_contain_text("通过")
    expect(panel.get_by_test_id("review-diff")).to_contain_text("与上一版相比")
    expect(panel.get_by_test_id("review-ids-section")).to_contain_text("未提交 IDS 要求")
    assert "review=du07-v2" in page.url, page.url
    wait_settled(page, "v2 shown")
    assert page.evaluate("() => window.__twin.errors") == [], twin_state(page)


def test_a_submission_being_checked_updates_itself_and_a_failed_check_says_why(
    review_server: ReviewServer, review_pages: ReviewPages
) -> None:
    page = review_pages.open("#review")
    wait_review(page, "r.open && r.listLoaded", "the panel did not open on the list")
    panel = page.get_by_test_id("review-panel")

    panel.get_by_test_id("review-item-du09-v1").click()
    wait_review(page, "r.selected === 'du09-v1' && r.loaded", "du09 did not load")
    detail = panel.get_by_test_id("review-detail")
    expect(detail).to_have_attribute("data-state", "checkError")
    expect(panel.get_by_test_id("review-state")).to_have_text("检查失败")
    expect(panel.get_by_test_id("review-status-note")).to_contain_text("自动检查失败")
    expect(panel.get_by_test_id("review-status-note")).to_contain_text("not georeferenced")
    expect(panel.get_by_test_id("review-bcf-none")).to_be_visible()

    panel.get_by_test_id("review-item-du08-v1").click()
    wait_review(page, "r.selected === 'du08-v1' && r.loaded", "du08 did not load")
    expect(detail).to_have_attribute("data-state", "checking")
    expect(panel.get_by_test_id("review-state")).to_have_text("检查中")
    expect(panel.get_by_test_id("review-status-note")).to_contain_text("正在自动检查")
    assert "review=du08-v1" in page.url, page.url

    # the check finishes while the panel is open: it reads the submission again
    assert check_submission(review_server.services, "du08-v1").state == "checked"
    wait_review(page, "r.state === 'checked'", "the panel did not notice the finished check")
    expect(panel.get_by_test_id("review-state")).to_have_text("已检查")
    expect(panel.get_by_test_id("review-item-du08-v1")).to_have_attribute("data-state", "checked")
    expect(
        panel.get_by_test_id("review-rules").locator("tr[data-key='max_height_m']")
    ).to_contain_text("通过")
    # its layer was published after the page opened: the panel says to reload
    expect(panel.get_by_test_id("review-layer-missing")).to_contain_text("sub-du08-v1")
    expect(panel.get_by_test_id("review-bcf")).to_be_visible()

    panel.get_by_test_id("review-close").click()
    expect(panel).to_be_hidden()
    assert "review" not in page.url.partition("#")[2], page.url
    page.get_by_test_id("review-open").click()
    expect(panel).to_be_visible()
    wait_review(page, "r.open && r.selected === 'du08-v1'", "the panel did not reopen")
    assert page.evaluate("() => window.__twin.errors") == [], twin_state(page)
