from __future__ import annotations

import json

import pytest

from scene_api.services.tileset_rewrite import is_relative_uri, rewrite_tileset
from twin.errors import StorageError


def test_relative_content_uris_get_the_versioned_base() -> None:
    tileset = {
        "asset": {"version": "1.1"},
        "schemaUri": "schema.json",
        "geometricError": 100,
        "root": {
            "geometricError": 50,
            "boundingVolume": {"region": [0, 0, 1, 1, 0, 10]},
            "content": {"uri": "t/0_0_0.glb"},
            "children": [
                {"geometricError": 0, "contents": [{"uri": "t/1_0_0.glb"}, {"uri": "/abs.glb"}]},
                {"geometricError": 0, "content": {"uri": "https://example.org/x.glb"}},
                {
                    "geometricError": 0,
                    "implicitTiling": {"subtrees": {"uri": "sub/{level}.{x}.{y}.subtree"}},
                    "content": {"uri": "data:application/octet-stream;base64,AAAA"},
                },
            ],
        },
    }
    out = json.loads(rewrite_tileset(json.dumps(tileset).encode(), "v/3/"))
    root = out["root"]
    assert out["schemaUri"] == "v/3/schema.json"
    assert root["content"]["uri"] == "v/3/t/0_0_0.glb"
    assert root["children"][0]["contents"] == [{"uri": "v/3/t/1_0_0.glb"}, {"uri": "/abs.glb"}]
    assert root["children"][1]["content"]["uri"] == "https://example.org/x.glb"
    assert (
        root["children"][2]["implicitTiling"]["subtrees"]["uri"]
        == "v/3/sub/{level}.{x}.{y}.subtree"
    )
    assert root["children"][2]["content"]["uri"].startswith("data:")
    assert out["geometricError"] == 100


@pytest.mark.parametrize(
    ("uri", "relative"),
    [
        ("t/a.glb", True),
        ("a.glb", True),
        ("/a.glb", False),
        ("http://h/a", False),
        ("//h/a", False),
        ("", False),
    ],
)
def test_only_relative_references_count_as_relative(uri: str, relative: bool) -> None:
    assert is_relative_uri(uri) is relative


def test_a_stored_tileset_that_is_not_json_is_a_storage_error() -> None:
    with pytest.raises(StorageError):
        rewrite_tileset(b"\x00not json", "v/1/")
