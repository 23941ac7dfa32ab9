from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.scene_api.conftest import Served


def test_without_a_built_viewer_the_root_page_says_how_to_build_it(served: Served) -> None:
    response = served.client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "make viewer" in response.text


def test_a_built_viewer_is_served_at_the_root_and_the_api_still_wins(
    serve: Callable[..., Served], tmp_path: Path
) -> None:
    viewer = tmp_path / "viewer"
    (viewer / "assets").mkdir(parents=True)
    (viewer / "index.html").write_text("<!doctype html><title>twin viewer</title>")
    (viewer / "assets" / "app.js").write_text("console.log('twin')")
    served = serve(viewer_dir=viewer)
    assert "twin viewer" in served.client.get("/").text
    assert served.client.get("/assets/app.js").text == "console.log('twin')"
    assert served.client.get("/api/layers").json() == {"layers": []}
    assert served.client.get("/healthz").status_code == 200
    assert served.client.get("/docs").status_code == 200
    assert served.client.get("/missing.js").status_code == 404


def test_the_site_icon_is_served_with_or_without_a_built_viewer(
    serve: Callable[..., Served], tmp_path: Path
) -> None:
    viewer = tmp_path / "viewer"
    viewer.mkdir()
    (viewer / "index.html").write_text('<!doctype html><link rel="icon" href="favicon.svg">')
    for served in (serve(), serve(viewer_dir=viewer)):
        for path in ("/favicon.svg", "/favicon.ico"):
            icon = served.client.get(path)
            assert icon.status_code == 200, path
            assert icon.headers["content-type"].startswith("image/svg+xml")
            assert icon.content.startswith(b"<svg ")
    not_built = serve().client.get("/").text
    assert 'href="favicon.svg"' in not_built
