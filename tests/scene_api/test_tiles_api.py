from __future__ import annotations

import gzip
import json
from collections.abc import Callable, MutableMapping
from typing import Any
from urllib.parse import urljoin

import httpx
import pytest

from tests.scene_api.conftest import Served
from tests.scene_api.fake_layer import PublishedLayer

TILESET = "/tiles/delft/tileset.json"
GZIP = {"Accept-Encoding": "gzip"}
IDENTITY = {"Accept-Encoding": "identity"}


def _content_urls(tileset: dict[str, Any], base: str) -> list[str]:
    root = tileset["root"]
    uris = [root["content"]["uri"]] + [child["content"]["uri"] for child in root["children"]]
    return [urljoin(base, uri) for uri in uris]


def test_the_live_tileset_points_at_versioned_contents(
    served: Served, delft: PublishedLayer
) -> None:
    response = served.client.get(TILESET)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["cache-control"] == "public, max-age=10"
    tileset = response.json()
    assert tileset["asset"] == delft.tileset["asset"]
    assert tileset["root"]["content"]["uri"] == f"v/{delft.version}/t/0_0_0.glb"
    urls = _content_urls(tileset, "http://testserver" + TILESET)
    assert urls[0] == f"http://testserver/tiles/delft/v/{delft.version}/t/0_0_0.glb"
    for url, relative in zip(urls, ["t/0_0_0.glb", "t/1_0_0.glb", "t/1_1_0.glb"], strict=True):
        content = served.client.get(url)
        assert content.status_code == 200
        assert content.content == delft.contents[relative]
        assert content.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert content.headers["content-type"] == "model/gltf-binary"


def test_the_tileset_max_age_comes_from_the_settings(serve: Callable[..., Served]) -> None:
    served = serve(tileset_max_age_s=0)
    served.publish("delft")
    assert served.client.get(TILESET).headers["cache-control"] == "no-cache"


def test_a_gzip_stored_tileset_is_served_rewritten(served: Served) -> None:
    layer = served.publish("delft", gzip_tileset=True)
    for headers in (GZIP, IDENTITY):
        response = served.client.get(TILESET, headers=headers)
        assert response.status_code == 200
        assert response.json()["root"]["content"]["uri"] == f"v/{layer.version}/t/0_0_0.glb"


def test_stored_gzip_is_passed_through_to_a_gzip_client(served: Served) -> None:
    layer = served.publish("delft", big_content_bytes=3_000_000)
    key = layer.key("t/1_0_0.glb")
    stored = served.store.get_bytes(key)
    with served.client.stream(
        "GET", f"/tiles/delft/v/{layer.version}/t/1_0_0.glb", headers=GZIP
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-encoding"] == "gzip"
        assert response.headers["content-length"] == str(len(stored))
        assert "accept-encoding" in response.headers["vary"].lower()
        raw = b"".join(response.iter_raw())
    assert raw == stored
    assert gzip.decompress(raw) == layer.contents["t/1_0_0.glb"]


def test_a_client_without_gzip_gets_decompressed_bytes(served: Served) -> None:
    layer = served.publish("delft", big_content_bytes=3_000_000)
    with served.client.stream(
        "GET", f"/tiles/delft/v/{layer.version}/t/1_0_0.glb", headers=IDENTITY
    ) as response:
        assert response.status_code == 200
        assert "content-encoding" not in response.headers
        raw = b"".join(response.iter_raw())
    assert raw == layer.contents["t/1_0_0.glb"]


def test_the_current_version_is_also_served_without_a_version_in_the_url(
    served: Served, delft: PublishedLayer
) -> None:
    response = served.client.get("/tiles/delft/t/1_1_0.glb")
    assert response.status_code == 200
    assert response.content == delft.contents["t/1_1_0.glb"]
    assert response.headers["cache-control"] == "public, max-age=10"


def test_an_etag_match_is_a_304_without_body(served: Served, delft: PublishedLayer) -> None:
    for url in (TILESET, f"/tiles/delft/v/{delft.version}/t/0_0_0.glb", "/tiles/delft/t/0_0_0.glb"):
        first = served.client.get(url)
        etag = first.headers["etag"]
        assert etag.startswith('"') and etag.endswith('"')
        again = served.client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304, url
        assert again.content == b""
        assert again.headers["etag"] == etag
        other = served.client.get(url, headers={"If-None-Match": '"something-else"'})
        assert other.status_code == 200


def test_a_new_version_changes_the_etags(served: Served, delft: PublishedLayer) -> None:
    old_tileset = served.client.get(TILESET).headers["etag"]
    old_content = served.client.get("/tiles/delft/t/0_0_0.glb").headers["etag"]
    newer = served.publish("delft")
    assert newer.version > delft.version
    response = served.client.get(TILESET, headers={"If-None-Match": old_tileset})
    assert response.status_code == 200
    assert response.json()["root"]["content"]["uri"] == f"v/{newer.version}/t/0_0_0.glb"
    content = served.client.get("/tiles/delft/t/0_0_0.glb", headers={"If-None-Match": old_content})
    assert content.status_code == 200
    assert content.content == newer.contents["t/0_0_0.glb"]


def test_an_older_version_is_served_while_its_objects_exist(
    served: Served, delft: PublishedLayer
) -> None:
    served.publish("delft")
    response = served.client.get(f"/tiles/delft/v/{delft.version}/t/0_0_0.glb")
    assert response.status_code == 200
    assert response.content == delft.contents["t/0_0_0.glb"]
    missing = served.client.get(f"/tiles/delft/v/{delft.version + 7}/t/0_0_0.glb")
    assert missing.status_code == 404


def test_head_gives_the_headers_without_a_body(served: Served, delft: PublishedLayer) -> None:
    url = f"/tiles/delft/v/{delft.version}/t/1_1_0.glb"
    response = served.client.head(url, headers=GZIP)
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == str(
        len(served.store.get_bytes(delft.key("t/1_1_0.glb")))
    )
    assert response.headers["etag"] == served.client.get(url, headers=GZIP).headers["etag"]
    assert served.client.head(TILESET).status_code == 200
    decompressing = served.client.head(url, headers=IDENTITY)
    assert decompressing.status_code == 200
    assert decompressing.content == b""
    assert "content-length" not in decompressing.headers  # unknown until decompressed


def test_unknown_layers_and_tiles_are_404s_with_codes(
    served: Served, delft: PublishedLayer
) -> None:
    assert served.client.get("/tiles/atlantis/tileset.json").json()["code"] == "layer_not_found"
    assert served.client.get("/tiles/atlantis/t/0_0_0.glb").status_code == 404
    missing = served.client.get("/tiles/delft/t/9_9_9.glb")
    assert missing.status_code == 404
    assert missing.json()["code"] == "object_not_found"


def test_an_unpublished_layer_has_no_tileset(served: Served) -> None:
    served.catalog.ensure_layer("roads", kind="roads", title="Roads", crs="EPSG:28992")
    response = served.client.get("/tiles/roads/tileset.json")
    assert response.status_code == 404
    assert response.json()["code"] == "object_not_found"


@pytest.mark.parametrize(
    "path",
    [
        "/tiles/delft/%2e%2e/secret.bin",
        "/tiles/delft/%2E%2E/%2e%2e/delft/secret.bin",
        "/tiles/delft/t/%2e%2e/%2e%2e/secret.bin",
        "/tiles/delft/t%2F..%2F..%2Fsecret.bin",
        "/tiles/delft/t%5C..%5C..%5Csecret.bin",
        "/tiles/delft/v/1/%2e%2e/%2e%2e/secret.bin",
        "/tiles/delft//layers/delft/secret.bin",
        "/tiles/delft/%2Flayers/delft/secret.bin",
    ],
)
def test_paths_leaving_the_version_prefix_never_succeed(
    served: Served, delft: PublishedLayer, path: str
) -> None:
    served.store.put_bytes("layers/delft/secret.bin", b"do not serve", content_type="text/plain")
    response = served.client.get(path)
    assert response.status_code in (400, 404), path
    assert b"do not serve" not in response.content
    assert response.json()["code"] in ("invalid_key", "object_not_found", "not_found")


@pytest.mark.parametrize(
    "raw_path",
    [
        b"/tiles/delft/../../catalog.db",
        b"/tiles/delft/t/../../secret.bin",
        b"/tiles/delft/t\\..\\..\\secret.bin",
        b"/tiles/delft/v/1/../../secret.bin",
    ],
)
def test_raw_dot_segments_and_backslashes_never_succeed(
    served: Served, delft: PublishedLayer, raw_path: bytes
) -> None:
    served.store.put_bytes("layers/delft/secret.bin", b"do not serve", content_type="text/plain")
    # httpx would normalise '..' away; send the path as the server would receive it
    status, body = _raw_get(served, raw_path)
    assert status in (400, 404)
    assert b"do not serve" not in body


def _raw_get(served: Served, raw_path: bytes) -> tuple[int, bytes]:
    import asyncio

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": raw_path.decode(),
        "raw_path": raw_path,
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver"), (b"accept-encoding", b"gzip")],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
        "state": {},
    }
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> MutableMapping[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    asyncio.run(served.app(scope, receive, send))
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, body


def test_presigned_redirects_only_where_the_store_can_presign(
    serve: Callable[..., Served], backend: str
) -> None:
    served = serve(presign_redirect=True)
    layer = served.publish("delft")
    url = f"/tiles/delft/v/{layer.version}/t/1_1_0.glb"
    response = served.client.get(url, headers=GZIP, follow_redirects=False)
    if backend == "services":
        assert response.status_code == 307
        location = response.headers["location"]
        assert location.startswith("http://127.0.0.1:")
        direct = httpx.get(location, headers=GZIP)
        assert direct.status_code == 200
        assert direct.content == layer.contents["t/1_1_0.glb"]
    else:
        assert response.status_code == 200
        assert response.content == layer.contents["t/1_1_0.glb"]
    # never for the tileset, nor for a client that cannot take the stored gzip
    assert served.client.get(TILESET, follow_redirects=False).status_code == 200
    plain = served.client.get(url, headers=IDENTITY, follow_redirects=False)
    assert plain.status_code == 200
    assert plain.content == layer.contents["t/1_1_0.glb"]


def test_no_redirect_without_the_setting(served: Served, delft: PublishedLayer) -> None:
    response = served.client.get(
        f"/tiles/delft/v/{delft.version}/t/1_1_0.glb", follow_redirects=False
    )
    assert response.status_code == 200


def test_cors_headers_follow_the_settings(serve: Callable[..., Served]) -> None:
    origin = {"Origin": "http://viewer.example"}
    open_server = serve(cors_origins=["http://viewer.example"])
    open_server.publish("delft")
    response = open_server.client.get(TILESET, headers=origin)
    assert response.headers["access-control-allow-origin"] == "http://viewer.example"
    assert "etag" in response.headers["access-control-expose-headers"].lower()
    closed = serve()
    closed.publish("delft")
    assert "access-control-allow-origin" not in closed.client.get(TILESET, headers=origin).headers


def test_the_served_tileset_is_valid_json_with_the_stored_structure(
    served: Served, delft: PublishedLayer
) -> None:
    served_doc = served.client.get(TILESET, headers=IDENTITY).json()
    stored = json.loads(served.store.get_bytes(delft.key("tileset.json")))
    assert served_doc["root"]["boundingVolume"] == stored["root"]["boundingVolume"]
    assert len(served_doc["root"]["children"]) == len(stored["root"]["children"])
