"""The built viewer at ``/``, or a page saying how to build it."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DEFAULT_VIEWER_DIR = Path(__file__).resolve().parent.parent / "static" / "viewer"

NOT_BUILT_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>twin</title></head>
<body>
<h1>twin scene server</h1>
<p>The viewer is not built. Build it with <code>make viewer</code> and restart the server.</p>
<p>The API works without it: <a href="docs">API documentation</a>,
<a href="api/layers">layers</a>, <a href="scene/tileset.json">scene tileset</a>.</p>
</body></html>
"""


def mount_viewer(app: FastAPI, directory: Path | None = None) -> None:
    """Mount last: every route added before it wins over the static files."""
    directory = DEFAULT_VIEWER_DIR if directory is None else directory
    if (directory / "index.html").is_file():
        app.mount("/", StaticFiles(directory=directory, html=True), name="viewer")
        return

    @app.get("/", include_in_schema=False, response_class=HTMLResponse)
    def viewer_not_built() -> HTMLResponse:
        return HTMLResponse(NOT_BUILT_PAGE)
