"""Plain HTTP/1.1 for the serving benchmark: list a tileset's contents, check what a server sends.

``http.client`` is used on purpose: it never decompresses, so the bytes compared are the
bytes on the wire.
"""

from __future__ import annotations

import gzip
import http.client
import json
import posixpath
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

GZIP = {"Accept-Encoding": "gzip"}


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes


def get(port: int, path: str, headers: Mapping[str, str] | None = None) -> Reply:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers=dict(headers or {}))
        resp = conn.getresponse()
        body = resp.read()
        return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, body)
    finally:
        conn.close()


def content_paths(port: int, layer: str) -> list[str]:
    """Absolute URL paths of every content of the layer's live tileset, in tree order."""
    base = f"/tiles/{layer}/tileset.json"
    reply = get(port, base)  # no Accept-Encoding: plain JSON
    if reply.status != 200:
        raise RuntimeError(f"GET {base}: HTTP {reply.status}")
    tileset: dict[str, Any] = json.loads(reply.body)
    folder = posixpath.dirname(base)
    return [posixpath.normpath(posixpath.join(folder, uri)) for uri in _uris(tileset["root"])]


def _uris(tile: dict[str, Any]) -> Iterator[str]:
    contents = list(tile.get("contents", []))
    if "content" in tile:
        contents.insert(0, tile["content"])
    for content in contents:
        uri = str(content["uri"])
        if uri.endswith(".json"):
            raise RuntimeError("external tilesets are not handled by this benchmark")
        yield uri
    for child in tile.get("children", []):
        yield from _uris(child)


def check_server(name: str, port: int, stored: Mapping[str, bytes]) -> dict[str, str]:
    """Check every URL against the stored gzip bytes; return each URL's ETag (gzip variant).

    * ``Accept-Encoding: gzip`` -> 200, ``Content-Encoding: gzip``, body == the stored bytes
      (a GLB once decompressed);
    * no ``Accept-Encoding`` -> 200, body == the decompressed GLB;
    * ``If-None-Match`` with the ETag just received -> 304 with no body.
    """
    etags: dict[str, str] = {}
    for path, data in stored.items():
        plain = gzip.decompress(data)
        if plain[:4] != b"glTF":
            raise RuntimeError(f"stored object for {path} is not a gzip-encoded GLB")
        reply = get(port, path, GZIP)
        _expect(name, path, "gzip", reply.status == 200, f"HTTP {reply.status}")
        encoding = reply.headers.get("content-encoding")
        _expect(name, path, "gzip", encoding == "gzip", f"Content-Encoding {encoding}")
        _expect(name, path, "gzip", reply.body == data, "bytes differ from the stored gzip")
        etag = reply.headers.get("etag")
        if etag is None:
            raise RuntimeError(f"{name}: GET {path} (gzip): no ETag")
        etags[path] = etag
        ident = get(port, path)
        _expect(name, path, "identity", ident.status == 200, f"HTTP {ident.status}")
        _expect(name, path, "identity", ident.body == plain, "not the decompressed GLB")
        cond = get(port, path, {**GZIP, "If-None-Match": etag})
        _expect(name, path, "If-None-Match", cond.status == 304, f"HTTP {cond.status}")
        _expect(name, path, "If-None-Match", cond.body == b"", "a 304 with a body")
    return etags


def _expect(server: str, path: str, case: str, ok: bool, what: str) -> None:
    if not ok:
        raise RuntimeError(f"{server}: GET {path} ({case}): {what}")
