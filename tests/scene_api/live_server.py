"""The scene app served over real HTTP on 127.0.0.1, in a thread of the test process."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from scene_api import create_app
from scene_api.server import settings_to_json
from tests.serving import free_port, stop, wait_healthy
from twin.settings import Settings

START_TIMEOUT_S = 30.0
ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def live_server(
    settings: Settings, *, viewer_dir: Path | None = None, workers: int = 1
) -> Iterator[str]:
    """Yields the base URL (ending in '/') of ``create_app(settings)`` served by uvicorn.

    ``workers`` > 1: ``scene_api.server.run`` in a child process, whose uvicorn starts that
    many worker processes (no ``viewer_dir`` then: the workers build the app themselves).
    """
    if workers > 1:
        if viewer_dir is not None:
            raise ValueError("a server with several workers serves no viewer directory")
        with _live_workers(settings, workers) as base:
            yield base
        return
    app = create_app(settings, viewer_dir=viewer_dir)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="live-scene-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the scene server stopped while starting")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise TimeoutError(f"the scene server did not start within {START_TIMEOUT_S:.0f} s")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@contextmanager
def _live_workers(settings: Settings, workers: int) -> Iterator[str]:
    port = free_port()
    script = (
        "import os\n"
        "from scene_api.server import run, settings_from_json\n"
        f"run(settings_from_json(os.environ['TEST_SETTINGS']), '127.0.0.1', {port}, {workers})\n"
    )
    env = {**os.environ, "TEST_SETTINGS": settings_to_json(settings)}
    with tempfile.TemporaryFile() as log:

        def log_text() -> str:
            log.seek(0)
            return log.read().decode(errors="replace")

        proc = subprocess.Popen(
            [sys.executable, "-c", script], cwd=ROOT, env=env, stdout=log, stderr=log
        )
        try:
            base = f"http://127.0.0.1:{port}/"
            what = f"the scene server with {workers} workers did not start"
            wait_healthy(proc, base, START_TIMEOUT_S * 2, log_text, what=what)
            yield base
        finally:
            stop(proc)
