"""Crawl a served 3D Tiles tileset into a folder and check the copy, independently of twin.

What a client does that saves a tileset and hands it to a validator or a converter:

* :func:`crawl` fetches a tileset.json over HTTP and, recursively, every URI it refers to
  (external tilesets, contents, metadata schemas), resolving each one relative to the URL of
  the file that names it, and saves the bodies (gzip undone) under the destination folder,
  at the paths of their URLs. A URI that is not relative, carries a query, or resolves
  outside the folder of the first tileset is a problem: the saved copy could not resolve it.
* :func:`tileset_problems` checks one tileset JSON against the 3D Tiles 1.1 JSON schema
  (vendored in ``schemas/3d-tiles-1.1``) and against rules of the specification that a
  schema cannot express: asset version 1.1, a refine mode on the root (ADD or REPLACE on
  every tile), geometric errors that never grow from a tile to its children, regions
  south <= north and min <= max height, no children under a tile whose content is an
  external tileset.

Problems are collected as sentences, so that one assertion shows all of them.
"""

from __future__ import annotations

import json
import math
import posixpath
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import httpx
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas" / "3d-tiles-1.1"
_SCHEMA_BASE = "https://schemas.twin.invalid/3d-tiles/1.1/"
_GLB_MAGIC = b"glTF"
_GZIP_MAGIC = b"\x1f\x8b"


@cache
def tileset_schema() -> Draft202012Validator:
    """The 3D Tiles 1.1 tileset schema, every file registered under an absolute id."""
    resources = []
    for path in sorted(SCHEMA_DIR.rglob("*.schema.json")):
        uri = _SCHEMA_BASE + path.relative_to(SCHEMA_DIR).as_posix()
        contents = json.loads(path.read_text(encoding="utf-8"))
        contents["$id"] = uri
        resources.append((uri, DRAFT202012.create_resource(contents)))
    if not resources:
        raise FileNotFoundError(f"no 3D Tiles schema files under {SCHEMA_DIR}")
    registry: Registry[Any] = Registry().with_resources(resources)
    root = registry.contents(_SCHEMA_BASE + "tileset.schema.json")
    Draft202012Validator.check_schema(root)
    return Draft202012Validator(root, registry=registry)


def resolve_inside(root_url: str, base_url: str, uri: str) -> tuple[str | None, str | None]:
    """``(absolute URL, None)`` for a URI that a saved copy resolves, else ``(None, why)``.

    ``root_url`` is the folder of the first tileset (ends with '/'); ``base_url`` the URL
    of the file that holds ``uri``.
    """
    parts = urlsplit(uri)
    if parts.scheme or parts.netloc:
        return None, f"{uri!r} is an absolute URL"
    if uri.startswith(("/", "\\")):
        return None, f"{uri!r} is a path from the server root, not relative to its file"
    if parts.query or parts.fragment:
        return None, f"{uri!r} has a query or fragment, which a saved file cannot keep"
    resolved = urljoin(base_url, uri)
    decoded = unquote(urlsplit(resolved).path)
    if posixpath.normpath(decoded) != decoded or not resolved.startswith(root_url):
        return None, f"{uri!r} in {base_url} resolves to {resolved}, outside {root_url}"
    return resolved, None


@dataclass
class SavedCopy:
    """What :func:`crawl` fetched and wrote."""

    root: Path
    #: saved path (relative to ``root``, POSIX) -> tileset JSON
    tilesets: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: saved paths of tile contents
    contents: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def path(self, saved: str) -> Path:
        return self.root / saved


def _saved_path(url: str) -> str:
    return unquote(urlsplit(url).path).lstrip("/")


def _uris(node: Any) -> list[str]:
    """Every ``uri`` of a content and the tileset's ``schemaUri`` (3D Tiles 1.1 names)."""
    found: list[str] = []
    stack: list[Any] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if key in ("uri", "schemaUri") and isinstance(value, str):
                    found.append(value)
                elif isinstance(value, dict | list):
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)
    return found


def crawl(client: httpx.Client, entry_url: str, dest: Path) -> SavedCopy:
    """Fetch ``entry_url`` and everything it refers to into ``dest`` (see the module doc)."""
    root_url = entry_url.rpartition("/")[0] + "/"
    saved = SavedCopy(root=dest)
    queue = [entry_url]
    seen = {entry_url}
    while queue:
        url = queue.pop(0)
        response = client.get(url, headers={"Accept-Encoding": "gzip"})
        if response.status_code != 200:
            saved.problems.append(f"GET {url}: {response.status_code}")
            continue
        body = response.content  # httpx undoes Content-Encoding: gzip
        if body[:2] == _GZIP_MAGIC:
            saved.problems.append(f"{url} is gzip without Content-Encoding: gzip")
            continue
        where = _saved_path(url)
        target = dest / where
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
        if not where.endswith(".json"):
            if body[:4] != _GLB_MAGIC:
                saved.problems.append(f"{url} is not a GLB (starts with {body[:4]!r})")
            saved.contents.append(where)
            continue
        doc = json.loads(body)
        if "asset" not in doc:
            continue  # a metadata schema (schemaUri): saved, nothing inside to follow
        saved.tilesets[where] = doc
        for uri in _uris(doc):
            resolved, problem = resolve_inside(root_url, url, uri)
            if problem is not None:
                saved.problems.append(problem)
            elif resolved is not None and resolved not in seen:
                seen.add(resolved)
                queue.append(resolved)
    return saved


def tileset_problems(doc: dict[str, Any], where: str) -> list[str]:
    """Schema errors and specification rules broken by one tileset JSON."""
    problems = [
        f"{where}: {'/'.join(map(str, error.absolute_path)) or '(top)'}: {error.message}"
        for error in sorted(tileset_schema().iter_errors(doc), key=lambda e: list(e.path))
    ]
    if problems:
        return problems  # the rules below assume the structure is right
    if doc["asset"]["version"] != "1.1":
        problems.append(f"{where}: asset.version is {doc['asset']['version']!r}, not '1.1'")
    root = doc["root"]
    if "refine" not in root:
        problems.append(f"{where}: the root tile has no refine mode")
    if root["geometricError"] > doc["geometricError"]:
        problems.append(f"{where}: the root's geometric error exceeds the tileset's")
    stack: list[tuple[dict[str, Any], str]] = [(root, "root")]
    while stack:
        tile, at = stack.pop()
        if tile.get("refine", "ADD") not in ("ADD", "REPLACE"):
            # the schema allows any string (extensible enum); the specification two values
            problems.append(f"{where}: {at} refines by {tile['refine']!r}, not ADD or REPLACE")
        problems += _volume_problems(tile["boundingVolume"], f"{where}: {at}")
        content = tile.get("content")
        if content is not None and "boundingVolume" in content:
            problems += _volume_problems(content["boundingVolume"], f"{where}: {at}.content")
        children = tile.get("children", [])
        if content is not None and content["uri"].endswith(".json") and children:
            problems.append(f"{where}: {at} has an external tileset and children")
        for index, child in enumerate(children):
            if child["geometricError"] > tile["geometricError"]:
                problems.append(
                    f"{where}: {at}.children[{index}] has a larger geometric error "
                    f"({child['geometricError']}) than its parent ({tile['geometricError']})"
                )
            stack.append((child, f"{at}.children[{index}]"))
    return problems


def _volume_problems(volume: dict[str, Any], at: str) -> list[str]:
    region = volume.get("region")
    if region is None:
        return []
    west, south, east, north, low, high = region
    problems = []
    if not all(math.isfinite(v) for v in region):
        problems.append(f"{at}: region {region} is not finite")
    if not (-math.pi <= west <= math.pi and -math.pi <= east <= math.pi):
        problems.append(f"{at}: region longitudes {west}, {east} are outside [-pi, pi]")
    if not (-math.pi / 2 <= south <= north <= math.pi / 2):
        problems.append(f"{at}: region latitudes {south}, {north} are not south <= north")
    if low > high:
        problems.append(f"{at}: region heights {low} > {high}")
    return problems
