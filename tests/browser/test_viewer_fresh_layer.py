"""A newcomer's first look: one layer just ingested with ``twin ingest buildings``, then
``twin serve``, then ``/`` in Debian Chromium. The layer must be on screen, framed, drawn
in full, with nothing answered 4xx/5xx (the favicon included) and no console error."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import BrowserContext, Page

from bench.synthetic import synthetic_footprints
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

pytestmark = pytest.mark.browser

LAYER = "city"
BUILDINGS = 5000
# pixels unlike the scene's most common colour (the globe) by more than this count as drawn
BACKGROUND_TOLERANCE = 12
MIN_LAYER_SHARE = 0.05
MAX_HIDDEN_SHARE = 0.005
ACCESS_LINE = re.compile(r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d{3})')


@dataclass(frozen=True)
class FreshServer:
    base_url: str
    log: Path

    def get_json(self, path: str) -> Any:
        response = httpx.get(self.base_url + path, timeout=30)
        assert response.status_code == 200, f"GET {path}: {response.status_code}"
        return response.json()

    def access_log(self) -> list[tuple[int, str]]:
        """(status, path) of every request the server answered, from its access log."""
        lines = self.log.read_text(errors="replace").splitlines()
        found = (ACCESS_LINE.search(line) for line in lines)
        return [(int(m["status"]), m["path"]) for m in found if m is not None]


def _twin(data_dir: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "twin.cli.main", "--data-dir", str(data_dir), *args]


@pytest.fixture(scope="module")
def fresh_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FreshServer]:
    if not VIEWER_INDEX.is_file():
        pytest.fail("the viewer is not built: run make viewer", pytrace=False)
    root = tmp_path_factory.mktemp("fresh-layer")
    data_dir = root / "twin-data"
    source = root / "buildings.gpkg"
    synthetic_footprints(BUILDINGS, seed=14).to_file(source, driver="GPKG", engine="pyogrio")
    ingest = _twin(data_dir, "ingest", "buildings", str(source), "--layer", LAYER)
    ingest += ["--height-field", "height", "--id-field", "bid", "--no-progress"]
    proc = subprocess.run(
        ingest, env=clean_env(), capture_output=True, text=True, timeout=300, cwd=REPO_ROOT
    )
    if proc.returncode != 0:
        pytest.fail(f"twin ingest failed:\n{proc.stderr[-3000:]}", pytrace=False)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}/"
    log = root / "serve.log"
    serve = _twin(data_dir, "serve", "--host", "127.0.0.1", "--port", str(port))
    with log.open("wb") as out:
        server = subprocess.Popen(
            serve,
            env=clean_env(TWIN_LOG_LEVEL="INFO"),  # INFO: uvicorn's access log
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=REPO_ROOT,
        )
    try:
        wait_healthy(server, base_url, log)
        yield FreshServer(base_url=base_url, log=log)
    finally:
        stop_twin(server)


class FreshPages:
    """Pages on the fresh server, all watched by one recorder; closed after the test."""

    def __init__(self, context: BrowserContext, server: FreshServer) -> None:
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
                page.close()


@pytest.fixture
def fresh_pages(browser_context: BrowserContext, fresh_server: FreshServer) -> Iterator[FreshPages]:
    pages = FreshPages(browser_context, fresh_server)
    try:
        yield pages
    finally:
        pages.close()


def _drawn_share(page: Page) -> float:
    """Share of the middle of the canvas unlike its most common colour (the globe)."""
    shot = Image.open(io.BytesIO(page.locator("#scene canvas").screenshot())).convert("RGB")
    w, h = shot.size
    middle = shot.crop((w * 15 // 100, h * 15 // 100, w * 85 // 100, h * 85 // 100))
    pixels = np.asarray(middle, dtype=np.int16).reshape(-1, 3)
    colours, counts = np.unique(pixels, axis=0, return_counts=True)
    background = colours[int(np.argmax(counts))]
    return float((np.abs(pixels - background).max(axis=1) > BACKGROUND_TOLERANCE).mean())


def _contents(tile: dict[str, Any]) -> set[str]:
    own = {tile["content"]["uri"]} if "content" in tile else set()
    return own.union(*(_contents(child) for child in tile.get("children", [])))


def _inside(point: list[float], box: list[float]) -> bool:
    return box[0] <= point[0] <= box[2] and box[1] <= point[1] <= box[3]


def test_a_freshly_ingested_layer_is_framed_drawn_in_full_and_nothing_fails_to_load(
    fresh_server: FreshServer, fresh_pages: FreshPages
) -> None:
    recorder = fresh_pages.recorder
    page = fresh_pages.open()
    hooks = page.evaluate("() => window.__twin")
    assert hooks["layers"] == [LAYER], hooks
    assert hooks["errors"] == [], f"window.__twin.errors: {hooks['errors']}"

    # nothing failed: not in the page, not on the server (favicon requests included)
    assert recorder.bad_responses() == [], f"error responses: {recorder.bad_responses()}"
    assert recorder.failed_requests == [], f"failed requests: {recorder.failed_requests}"
    assert recorder.console_errors == [], f"console errors: {recorder.console_errors}"
    assert recorder.page_errors == [], f"uncaught exceptions: {recorder.page_errors}"
    answered = fresh_server.access_log()
    assert (200, "/") in answered, f"no access log of GET / in {fresh_server.log}"
    assert (200, "/favicon.svg") in answered, answered
    assert [a for a in answered if a[0] >= 400] == [], f"the server answered errors: {answered}"

    # the camera opened on the layer's extent
    (layer,) = fresh_server.get_json("api/layers")["layers"]
    bbox = layer["bbox"]
    assert hooks["home"] == pytest.approx(bbox), f"home {hooks['home']} is not the layer {bbox}"
    view = hooks["view"]
    assert view["centre"] is not None and _inside(view["centre"], bbox), (view, bbox)
    rectangle = view["rectangle"]
    assert rectangle is not None, view
    corners = [[bbox[0], bbox[1]], [bbox[2], bbox[3]]]
    assert all(_inside(c, rectangle) for c in corners), f"layer {bbox} not all in view {view}"
    assert "#cam=" in page.url, page.url

    # every tile of the layer was loaded for this view: it is drawn in full
    tileset = fresh_server.get_json(f"tiles/{LAYER}/tileset.json")
    wanted = {f"/tiles/{LAYER}/{uri}" for uri in _contents(tileset["root"])}
    assert len(wanted) > 1, f"the layer should have several tiles: {sorted(wanted)}"
    loaded = {urlsplit(u).path for s, u in recorder.responses if s == 200 and ".glb" in u}
    assert loaded == wanted, f"tiles not loaded: {sorted(wanted - loaded)}"

    # and it is on screen: hiding it leaves the bare globe
    shown = _drawn_share(page)
    assert shown > MIN_LAYER_SHARE, f"only {shown:.1%} of the view shows the layer"
    page.get_by_test_id(f"layer-toggle-{LAYER}").uncheck()
    wait_settled(page, "the layer hidden")
    hidden = _drawn_share(page)
    assert hidden < MAX_HIDDEN_SHARE, f"{hidden:.1%} of the view is drawn with the layer hidden"


def test_a_camera_in_the_url_wins_over_the_layer_extent(fresh_pages: FreshPages) -> None:
    camera = "114.1,22.6,900,45,-30,0"  # north-east of the layer, looking away from it
    page = fresh_pages.open(f"#cam={camera}")
    hash_ = page.evaluate("() => location.hash")
    got = [float(v) for v in hash_.removeprefix("#cam=").split(",")]
    want = [float(v) for v in camera.split(",")]
    assert got == pytest.approx(want, abs=1e-3), f"camera {camera} came back as {hash_}"
    assert page.evaluate("() => window.__twin.errors") == [], twin_state(page)
