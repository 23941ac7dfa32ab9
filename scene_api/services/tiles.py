"""Serve a layer's tileset and contents from the object store.

URL scheme (relative to the app root):

* ``/tiles/{layer}/tileset.json`` - the live tileset of the current version,
  short-lived in caches; its relative content URIs are rewritten to
  ``v/{version}/...`` (see ``tileset_rewrite``).
* ``/tiles/{layer}/v/{version}/{path}`` - an object of one version: immutable.
* ``/tiles/{layer}/{path}`` - an object of the current version (for clients
  that resolve the stored, unrewritten URIs), short-lived.

Stored gzip is passed through when the client accepts it and decompressed on
the fly otherwise. Nothing here reads a whole content object into memory.
"""

from __future__ import annotations

import gzip
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from scene_api.context import SceneContext
from scene_api.services.gunzip import gunzip_chunks
from scene_api.services.negotiation import (
    IMMUTABLE,
    accepts_gzip,
    etag_matches,
    short_lived,
    strong_etag,
)
from scene_api.services.tileset_rewrite import rewrite_tileset
from storage.objects.keys import validate_key
from storage.objects.protocol import ObjectInfo
from twin.domain import LayerRecord
from twin.errors import InvalidKeyError, ObjectNotFoundError

JSON_TYPE = "application/json"
_GZIP_MIN_BYTES = 1400
#: objects up to this size are read in one go; larger ones stream in bounded memory
SMALL_OBJECT_BYTES = 4 << 20
_VERSION_DIR = re.compile(r"(?P<head>(?:.*/)?)v(?P<num>\d+)/")


@dataclass(frozen=True)
class Conditions:
    """What the request says about encodings and caches."""

    accept_encoding: str | None = None
    if_none_match: str | None = None
    head: bool = False


@dataclass(frozen=True)
class TileReply:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | Iterator[bytes] | None = None


def live_tileset(ctx: SceneContext, layer_id: str, cond: Conditions) -> TileReply:
    layer = ctx.catalog.get_layer(layer_id)
    version, key = _published(layer)
    info = ctx.store.head(key)
    etag = strong_etag("t", version, info.etag)
    etag_gz = strong_etag("t", version, info.etag, "gz")
    headers = {
        "Cache-Control": short_lived(ctx.settings.server.tileset_max_age_s),
        "Vary": "Accept-Encoding",
    }
    if etag_matches(cond.if_none_match, etag, etag_gz):
        return TileReply(304, {**headers, "ETag": etag})
    cached = ctx.tilesets.get(key, info.etag)
    if cached is None:
        raw = ctx.store.get_bytes(key)
        if info.content_encoding == "gzip" or raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        cached = ctx.tilesets.put(key, info.etag, rewrite_tileset(raw, f"v/{version}/"))
    headers["Content-Type"] = JSON_TYPE
    if accepts_gzip(cond.accept_encoding) and len(cached.plain) >= _GZIP_MIN_BYTES:
        body = cached.gzipped()
        headers.update({"Content-Encoding": "gzip", "ETag": etag_gz})
    else:
        body = cached.plain
        headers["ETag"] = etag
    headers["Content-Length"] = str(len(body))
    return TileReply(200, headers, None if cond.head else body)


def content(
    ctx: SceneContext, layer_id: str, path: str, version: int | None, cond: Conditions
) -> TileReply:
    """An object under the layer's version prefix; ``version=None`` means the current one."""
    rel = _safe_relative(path)
    # versioned URLs may use a layer record up to a second old: the version is in the URL
    if version is None:
        layer = ctx.catalog.get_layer(layer_id)
    else:
        layer = ctx.hot.layer(layer_id, ctx.catalog.get_layer)
    current, tileset_key = _published(layer)
    wanted = current if version is None else version
    prefix = version_prefix(tileset_key, current, wanted)
    key = validate_key(prefix + rel)
    if not key.startswith(prefix):
        raise InvalidKeyError("the path leaves the layer's tiles")
    # a version's objects are written once: their infos can be cached for good
    info = (
        ctx.hot.immutable_object(key, ctx.store.head)
        if version is not None
        else ctx.store.head(key)
    )
    return _object_reply(ctx, info, wanted, path, immutable=version is not None, cond=cond)


def _object_reply(
    ctx: SceneContext,
    info: ObjectInfo,
    version: int,
    path: str,
    *,
    immutable: bool,
    cond: Conditions,
) -> TileReply:
    server = ctx.settings.server
    encoded = info.content_encoding == "gzip"
    etag = strong_etag("v", version, info.etag)
    etag_gz = strong_etag("v", version, info.etag, "gz")
    headers = {"Cache-Control": IMMUTABLE if immutable else short_lived(server.tileset_max_age_s)}
    if encoded:
        headers["Vary"] = "Accept-Encoding"
    if etag_matches(cond.if_none_match, etag, etag_gz):
        return TileReply(304, {**headers, "ETag": etag_gz if encoded else etag})
    gzip_ok = accepts_gzip(cond.accept_encoding)
    if server.presign_redirect and not path.endswith(".json") and (gzip_ok or not encoded):
        url = ctx.store.presigned_get_url(info.key, server.presign_expiry_s)
        if url is not None:
            # a cached redirect must not outlive the signature, nor (unversioned) the version
            ttl = server.presign_expiry_s // 2
            if not immutable:
                ttl = min(ttl, server.tileset_max_age_s)
            redirect = {**headers, "Location": url, "Cache-Control": f"private, max-age={ttl}"}
            return TileReply(307, redirect)
    headers["Content-Type"] = info.content_type
    if encoded and gzip_ok:
        headers.update(
            {"Content-Encoding": "gzip", "ETag": etag_gz, "Content-Length": str(info.size)}
        )
    elif encoded:
        headers["ETag"] = etag
    else:
        headers.update({"ETag": etag, "Content-Length": str(info.size)})
    if cond.head:
        return TileReply(200, headers)
    if info.size <= SMALL_OBJECT_BYTES and (gzip_ok or not encoded):
        # a typical tile: one read, one plain response (no per-chunk thread hops)
        return TileReply(200, headers, ctx.store.get_bytes(info.key))
    chunks = _primed(ctx.store.iter_chunks(info.key))
    return TileReply(200, headers, gunzip_chunks(chunks) if encoded and not gzip_ok else chunks)


def version_prefix(tileset_key: str, current: int, wanted: int) -> str:
    """The key prefix of version ``wanted``, derived from the current tileset key.

    Versions other than the current one are found by the ``.../vNNNNNN/`` naming
    of the ingest pipeline; they are served only while their objects exist.
    """
    prefix = tileset_key.rpartition("/")[0] + "/" if "/" in tileset_key else ""
    if wanted == current:
        return prefix
    match = _VERSION_DIR.fullmatch(prefix)
    if match is None or int(match["num"]) != current:
        raise ObjectNotFoundError("only the current version of this layer is available")
    return f"{match['head']}v{wanted:0{len(match['num'])}d}/"


def _published(layer: LayerRecord) -> tuple[int, str]:
    if layer.version is None or not layer.tileset_key:
        raise ObjectNotFoundError("the layer has no published tileset yet")
    return layer.version, layer.tileset_key


def _safe_relative(path: str) -> str:
    if not path or path.startswith("/") or "\\" in path:
        raise InvalidKeyError("invalid tile path")
    return validate_key(path)


def _primed(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Fetch the first chunk now, so a missing object is a 404 and not a broken stream."""
    first = next(chunks, None)
    if first is None:
        return iter(())
    return itertools.chain((first,), chunks)
