"""Remote reporting (远程填报) in the normal viewer, in Debian Chromium: a district reporter
opens the project panel, reports a project's progress with their token and the server
records it with who and when; while the panel is open, a report made elsewhere shows at
once (the projects channel of the live overlays) without wiping a form being filled in."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import (
    VIEWER_INDEX,
    Recorder,
    copy_demo,
    free_port,
    start_twin,
    stop_twin,
    wait_healthy,
    wait_settled,
)

pytestmark = pytest.mark.browser

DEPARTMENT = "福田区城市更新和土地整备局"  # the demo's Futian renewal projects
REPORTER = "reporter-token-of-the-futian-renewal-bureau"
PLANNER = "planner-token-of-the-planning-bureau-office"
TOKENS = [
    {
        "token": REPORTER,
        "user": "福田填报员",
        "roles": ["district_reporter"],
        "department": DEPARTMENT,
    },
    {"token": PLANNER, "user": "规划处", "roles": ["planner"]},
]
LIVE_WITHIN_MS = 10_000  # until the panel shows it: SwiftShader frames on 2 shared cores


@dataclass(frozen=True)
class Served:
    base_url: str

    def get(self, path: str) -> Any:
        response = httpx.get(self.base_url + path, timeout=30)
        assert response.status_code == 200, f"GET {path}: {response.status_code} {response.text}"
        return response.json()

    def progress(self, project: str, body: dict[str, Any]) -> None:
        response = httpx.post(
            f"{self.base_url}api/projects/{project}/progress",
            json=body,
            headers={"Authorization": f"Bearer {PLANNER}"},
            timeout=30,
        )
        assert response.status_code == 200, response.text


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Iterator[Served]:
    if not VIEWER_INDEX.is_file():
        pytest.fail("the viewer is not built: run make viewer", pytrace=False)
    root = tmp_path_factory.mktemp("projects")
    copy_demo(demo_template, root / "twin-data")
    port = free_port()
    log = root / "serve.log"
    proc = start_twin(root / "twin-data", port, log, TWIN_AUTH__TOKENS=json.dumps(TOKENS))
    try:
        wait_healthy(proc, f"http://127.0.0.1:{port}/", log)
        yield Served(f"http://127.0.0.1:{port}/")
    finally:
        stop_twin(proc)


@pytest.fixture
def page(served: Served, browser_context: BrowserContext) -> Iterator[tuple[Page, Recorder]]:
    recorder = Recorder()
    page = browser_context.new_page()
    page.set_default_timeout(60_000)
    recorder.watch(page)
    page.goto(served.base_url)
    wait_settled(page, "the demo city")
    try:
        yield page, recorder
    finally:
        page.evaluate("() => window.localStorage.clear()")
        page.close()


def _project(served: Served, project_id: str) -> dict[str, Any]:
    found: dict[str, Any] = served.get(f"api/projects/{project_id}")["properties"]
    return found


def _open(page: Page, project_id: str) -> None:
    page.get_by_test_id("projects-open").click()
    item = page.get_by_test_id(f"project-item-{project_id}")
    item.click()
    expect(item).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_test_id("progress-form")).to_be_visible()


def test_a_district_reporter_reports_progress_and_it_is_recorded_with_who_and_when(
    served: Served, page: tuple[Page, Recorder]
) -> None:
    viewer, recorder = page
    project = "FT-GX-001"
    before = _project(served, project)
    percent = before["percent"] + 7
    _open(viewer, project)

    viewer.get_by_test_id("progress-percent").fill(str(percent))
    viewer.get_by_test_id("progress-note").fill("主体结构封顶")
    viewer.get_by_test_id("progress-token").fill(REPORTER)
    viewer.get_by_test_id("progress-submit").click()

    expect(viewer.get_by_test_id("progress-message")).to_have_text("已提交。")
    assert _project(served, project)["percent"] == percent
    last = served.get(f"api/projects/{project}/history")["history"][-1]
    assert last["actor"] == "福田填报员" and last["note"] == "主体结构封顶", last
    assert last["at"] and last["action"] == "progress", last
    expect(viewer.get_by_test_id(f"project-item-{project}")).to_contain_text(f"{percent}%")
    assert viewer.evaluate("() => window.__twin.errors") == []
    assert recorder.foreign_requests() == []


def test_an_open_panel_shows_a_report_made_elsewhere_and_keeps_a_form_being_filled_in(
    served: Served, page: tuple[Page, Recorder]
) -> None:
    viewer, _ = page
    project, other = "FT-GX-002", "LH-GX-003"
    _open(viewer, project)
    percent = _project(served, project)["percent"] + 5

    # another user reports on the open project: list and form follow without a reload
    served.progress(project, {"percent": percent, "note": "外立面完成"})
    item = viewer.get_by_test_id(f"project-item-{project}")
    expect(item).to_contain_text(f"{percent}%", timeout=LIVE_WITHIN_MS)
    expect(viewer.get_by_test_id("progress-percent")).to_have_value(str(percent))
    expect(viewer.get_by_test_id("project-history")).to_contain_text("外立面完成")

    # while this user types, a report on another project updates the list only
    viewer.get_by_test_id("progress-note").fill("正在填写")
    other_percent = _project(served, other)["percent"] + 3
    served.progress(other, {"percent": other_percent})
    expect(viewer.get_by_test_id(f"project-item-{other}")).to_contain_text(
        f"{other_percent}%", timeout=LIVE_WITHIN_MS
    )
    expect(viewer.get_by_test_id("progress-note")).to_have_value("正在填写")
    assert viewer.evaluate("() => window.__twin.errors") == []
