"""Browser fixtures: the demo city served by ``twin serve``, Debian Chromium driven by Playwright.

The session builds a small demo city into a temporary data directory, serves it on a free
port of 127.0.0.1 and opens one Chromium profile (fresh, temporary). Every test gets its
own page, opened on the viewer and settled, and a ``Recorder`` of what the browser saw:
console errors, uncaught exceptions, every request and response.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import pytest
from playwright.sync_api import (
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    Response,
    expect,
    sync_playwright,
)
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.serving import free_port, stop

REPO_ROOT = Path(__file__).resolve().parents[2]
VIEWER_INDEX = REPO_ROOT / "scene_api" / "static" / "viewer" / "index.html"
ARTIFACTS = REPO_ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--disable-dev-shm-usage",
]
VIEWPORT = {"width": 1280, "height": 800}

DEMO_LAYER = "demo-buildings"
DEMO_BUILDINGS = 1500
# 1,500 buildings fit one tile by default; smaller tiles give the tileset a root and
# children, so that "every tile loads" covers a refined hierarchy, as a real city has.
DEMO_TILE_FEATURES = 400
SETTLE_TIMEOUT_MS = 90_000
SERVER_START_S = 60.0


@dataclass(frozen=True)
class DemoServer:
    """``twin serve`` on the demo city."""

    base_url: str  # ends with "/"
    data_dir: Path
    log: Path

    def get_json(self, path: str) -> Any:
        response = httpx.get(self.base_url + path, timeout=30)
        assert response.status_code == 200, f"GET {path}: {response.status_code} {response.text}"
        return response.json()

    def feature(self, feature_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self.get_json(f"api/features/{quote(feature_id, safe='')}")
        return found


@dataclass
class Recorder:
    """What the browser saw, for every page of the context while attached."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    responses: list[tuple[int, str]] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("response", self._response)
        page.on("requestfailed", self._failed)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location.get("url")
            self.console_errors.append(f"{message.text} ({where})" if where else message.text)

    def _response(self, response: Response) -> None:
        self.responses.append((response.status, response.url))

    def _failed(self, request: Request) -> None:
        self.failed_requests.append(f"{request.url}: {request.failure}")

    def foreign_requests(self) -> list[str]:
        """Requests to anywhere but 127.0.0.1 (data: and blob: URLs stay in the page)."""
        local = ("data", "blob")
        return [
            url
            for url in self.requests
            if urlsplit(url).scheme not in local and urlsplit(url).hostname != "127.0.0.1"
        ]

    def bad_responses(self) -> list[tuple[int, str]]:
        return [(status, url) for status, url in self.responses if status >= 400]


class ViewerPages:
    """Opens viewer pages in the test's browser context, all watched by one recorder."""

    def __init__(self, context: BrowserContext, server: DemoServer, recorder: Recorder) -> None:
        self.context = context
        self.server = server
        self.recorder = recorder
        self.pages: list[Page] = []

    def open(self, suffix: str = "") -> Page:
        """A new page on ``base_url + suffix``, waited for until the view has settled."""
        page = self.context.new_page()
        page.set_default_timeout(60_000)  # SwiftShader under load: actions wait longer
        self.recorder.watch(page)
        self.pages.append(page)
        page.goto(self.server.base_url + suffix)
        wait_settled(page, "the first view")
        return page

    def close(self) -> None:
        for page in self.pages:
            if page.is_closed():
                continue
            try:
                page.evaluate("() => window.localStorage.clear()")  # the language choice
                page.close()
            except PlaywrightError:
                pass  # a page that crashed is already gone


def twin_state(page: Page) -> str:
    try:
        return str(page.evaluate("() => JSON.stringify(window.__twin ?? null)"))
    except PlaywrightError as error:
        return f"(unreadable: {error})"


def wait_settled(page: Page, what: str, timeout_ms: int = SETTLE_TIMEOUT_MS) -> None:
    """Waits for window.__twin.ready and allTilesLoaded."""
    try:
        page.wait_for_function(
            "() => window.__twin?.ready === true && window.__twin.allTilesLoaded === true",
            timeout=timeout_ms,
        )
    except PlaywrightTimeout:
        pytest.fail(
            f"the viewer did not settle on {what} within {timeout_ms / 1000:.0f} s: "
            f"window.__twin = {twin_state(page)}",
            pytrace=False,
        )


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without TWIN_* settings: the demo goes to the embedded backend only."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWIN_")}
    env["TWIN_LOG_JSON"] = "false"
    env.update(extra)
    return env


def build_demo(data_dir: Path) -> None:
    command = [sys.executable, "-m", "twin.cli.main", "--data-dir", str(data_dir), "demo"]
    command += ["--no-serve", "--buildings", str(DEMO_BUILDINGS)]
    proc = subprocess.run(
        command,
        env=clean_env(TWIN_TILING__MAX_FEATURES_PER_TILE=str(DEMO_TILE_FEATURES)),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO_ROOT,
    )
    if proc.returncode != 0:
        pytest.fail(f"twin demo failed ({proc.returncode}):\n{proc.stderr[-3000:]}", pytrace=False)


def wait_healthy(proc: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_S
    last = "no answer"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(
                f"twin serve exited with {proc.returncode}:\n{log.read_text()[-3000:]}",
                pytrace=False,
            )
        try:
            response = httpx.get(base_url + "healthz", timeout=2)
            if response.status_code == 200:
                return
            last = f"{response.status_code} {response.text}"
        except httpx.HTTPError as error:
            last = repr(error)
        time.sleep(0.2)
    pytest.fail(f"twin serve did not answer /healthz within {SERVER_START_S:.0f} s: {last}")


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo city, built once per session; each module serves a copy of its own
    (``copy_demo``), so that what one module changes never reaches another."""
    data_dir = tmp_path_factory.mktemp("browser-demo-template") / "twin-data"
    build_demo(data_dir)
    return data_dir


def copy_demo(template: Path, data_dir: Path) -> None:
    """A private copy of the demo's data directory (catalog and objects hold no paths)."""
    shutil.copytree(template, data_dir)


# module scope: Playwright's sync API runs an event loop on the main thread while it is
# open, which would break every later test that starts its own (TestClient, asyncio.run)
@pytest.fixture(scope="module")
def demo_server(
    tmp_path_factory: pytest.TempPathFactory, demo_template: Path
) -> Iterator[DemoServer]:
    if not VIEWER_INDEX.is_file():
        pytest.fail(
            f"the viewer is not built ({VIEWER_INDEX.relative_to(REPO_ROOT)} is missing): "
            "run make viewer",
            pytrace=False,
        )
    root = tmp_path_factory.mktemp("browser-demo")
    data_dir = root / "twin-data"
    copy_demo(demo_template, data_dir)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}/"
    log = root / "serve.log"
    proc = start_twin(data_dir, port, log)
    try:
        wait_healthy(proc, base_url, log)
        yield DemoServer(base_url=base_url, data_dir=data_dir, log=log)
    finally:
        stop_twin(proc)


def start_twin(data_dir: Path, port: int, log: Path, **env: str) -> subprocess.Popen[bytes]:
    """``twin serve`` on ``data_dir`` at 127.0.0.1:``port``, its output appended to ``log``;
    ``env``: TWIN_* settings (e.g. API tokens)."""
    command = [sys.executable, "-m", "twin.cli.main", "--data-dir", str(data_dir), "serve"]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    with log.open("ab") as out:
        return subprocess.Popen(
            command, env=clean_env(**env), stdout=out, stderr=subprocess.STDOUT, cwd=REPO_ROOT
        )


def stop_twin(proc: subprocess.Popen[bytes]) -> None:
    stop(proc, timeout_s=15)


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    if not CHROMIUM.is_file():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (make system)", pytrace=False
        )
    profile = tmp_path_factory.mktemp("chromium-profile")
    expect.set_options(timeout=15_000)  # SwiftShader on 2 cores: 5 s is tight for a panel
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": VIEWPORT["width"], "height": VIEWPORT["height"]},
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def viewer_pages(
    browser_context: BrowserContext, demo_server: DemoServer, recorder: Recorder
) -> Iterator[ViewerPages]:
    pages = ViewerPages(browser_context, demo_server, recorder)
    try:
        yield pages
    finally:
        pages.close()


@pytest.fixture
def viewer(viewer_pages: ViewerPages) -> Page:
    """A page on the viewer's home view, settled (every tile of the first view loaded)."""
    return viewer_pages.open()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
