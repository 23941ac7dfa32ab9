"""The built viewer at ``/``, or a page saying how to build it, and the site icon."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Response
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DEFAULT_VIEWER_DIR = Path(__file__).resolve().parent.parent / "static" / "viewer"

NOT_BUILT_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>twin</title>
<link rel="icon" type="image/svg+xml" href="favicon.svg"></head>
<body>
<h1>twin scene server</h1>
<p>The viewer is not built. Build it with <code>make viewer</code> and restart the server.</p>
<p>The API works without it: <a href="docs">API documentation</a>,
<a href="api/layers">layers</a>, <a href="scene/tileset.json">scene tileset</a>.</p>
</body></html>
"""


#: the site icon: three blocks of a city on a blue tile (the viewer links it as favicon.svg;
#: browsers that ask for /favicon.ico by habit get the same picture, not a 404)
FAVICON_SVG = b"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<rect width="32" height="32" rx="6" fill="#1d5fbf"/>
<path fill="#e8eef7" d="M6 26V14h6v12zm8 0V6h6v20zm8 0V11h5v15z"/>
</svg>
"""
_ICON_HEADERS = {"Cache-Control": "public, max-age=86400"}


def mount_viewer(app: FastAPI, directory: Path | None = None) -> None:
    """Mount last: every route added before it wins over the static files."""
    directory = DEFAULT_VIEWER_DIR if directory is None else directory

    @app.get("/favicon.svg", include_in_schema=False)
    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(FAVICON_SVG, media_type="image/svg+xml", headers=_ICON_HEADERS)

    if (directory / "index.html").is_file():
        app.mount("/", StaticFiles(directory=directory, html=True), name="viewer")
        return

    @app.get("/", include_in_schema=False, response_class=HTMLResponse)
    def viewer_not_built() -> HTMLResponse:
        return HTMLResponse(NOT_BUILT_PAGE)
