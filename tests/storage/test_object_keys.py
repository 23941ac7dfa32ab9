"""Object keys and prefixes: what is refused, why, and that nothing is written."""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from storage.factory import open_object_store
from storage.objects.keys import MAX_KEY_BYTES, validate_key, validate_prefix
from storage.objects.protocol import ObjectStore
from tests.services import S3_ACCESS_KEY, S3_SECRET_KEY
from twin.errors import InvalidKeyError
from twin.settings import Settings

MARK = "zz" + uuid.uuid4().hex[:8]

#: id -> (bad key, words the error message must contain)
BAD_KEYS: dict[str, tuple[str, str]] = {
    "empty": ("", "empty"),
    "dotdot-inside": (f"a/../{MARK}", "'..'"),
    "dotdot-leading": (f"../../{MARK}", "'..'"),
    "dotdot-alone": ("..", "'..'"),
    "dot-inside": (f"a/./{MARK}", "'.'"),
    "dot-alone": (".", "'.'"),
    "absolute": (f"/tmp/{MARK}", "leading '/'"),
    "backslash": (f"a\\{MARK}", "backslash"),
    "backslash-traversal": (f"..\\..\\{MARK}", "backslash"),
    "nul": (f"a\x00{MARK}", "control"),
    "newline": (f"a\n{MARK}", "control"),
    "carriage-return": (f"{MARK}\r", "control"),
    "tab": (f"a\t{MARK}", "control"),
    "escape": (f"a\x1b[31m{MARK}", "control"),
    "delete": (f"a\x7f{MARK}", "control"),
    "c1-control": (f"a\x85{MARK}", "control"),
    "empty-segment": (f"a//{MARK}", "empty path segments"),
    "trailing-slash": (f"a/{MARK}/", "end with '/'"),
    "only-slash": ("/", "leading '/'"),
    "too-long": (MARK + "/" + "/".join(["k" * 200] * 6), f"longer than {MAX_KEY_BYTES} bytes"),
    "too-long-multibyte": ("/".join(["é" * 100] * 6), f"longer than {MAX_KEY_BYTES} bytes"),
    "long-segment": (f"{MARK}/" + "s" * 256, "segment is longer than 255"),
    "reserved-meta": (f".twin-meta/{MARK}", "reserved"),
    "reserved-tmp": (f"a/.twin-tmp-{MARK}", "reserved"),
    "lone-surrogate": (f"a/\udc80{MARK}", "UTF-8"),
}

GOOD_KEYS = [
    "a",
    "layers/roads/v3/tiles/0/0/0.glb",
    "tileset.json",
    "..a/b../c...d",
    ".hidden/.x",
    ".twin/not-reserved",
    "a b/c d",
    "城市/建筑/模型.glb",
    "q?x=1&y=2#frag%20",
    "/".join(["x" * 255] * 3 + ["y" * 254, "z"]),  # exactly 1024 bytes
]

BAD_PREFIXES = ["a", "/a/", "a//", "../", "./", "a/../", "a\\b/", "/", "a/\x00/", ".twin-meta/"]


@pytest.mark.parametrize(("key", "words"), BAD_KEYS.values(), ids=BAD_KEYS.keys())
def test_a_bad_key_is_refused_with_a_message_naming_the_problem(key: str, words: str) -> None:
    with pytest.raises(InvalidKeyError) as caught:
        validate_key(key)
    assert words in caught.value.message
    assert isinstance(caught.value, ValueError)
    assert caught.value.http_status == 400
    assert caught.value.to_dict()["code"] == "invalid_key"


def test_the_error_message_shows_control_characters_escaped() -> None:
    with pytest.raises(InvalidKeyError) as caught:
        validate_key("a\nInjected-Header: 1")
    assert "\n" not in caught.value.message
    assert "\\n" in caught.value.message


@pytest.mark.parametrize("key", GOOD_KEYS)
def test_a_good_key_is_returned_unchanged(key: str) -> None:
    assert validate_key(key) == key


def test_the_longest_allowed_key_is_exactly_1024_bytes() -> None:
    longest = GOOD_KEYS[-1]
    assert len(longest.encode()) == MAX_KEY_BYTES
    with pytest.raises(InvalidKeyError):
        validate_key(longest + "z")


@pytest.mark.parametrize("prefix", ["", "a/", "a/b/", "城市/"])
def test_an_empty_prefix_or_a_key_with_a_slash_is_a_valid_prefix(prefix: str) -> None:
    assert validate_prefix(prefix) == prefix


@pytest.mark.parametrize("prefix", BAD_PREFIXES)
def test_a_bad_prefix_is_refused(prefix: str) -> None:
    with pytest.raises(InvalidKeyError):
        validate_prefix(prefix)


def _key_operations(store: ObjectStore) -> dict[str, Callable[[str], Any]]:
    return {
        "put_bytes": lambda k: store.put_bytes(k, b"payload"),
        "put_stream": lambda k: store.put_stream(k, io.BytesIO(b"payload")),
        "put_stream_known_length": lambda k: store.put_stream(k, io.BytesIO(b"payload"), length=7),
        "get_bytes": store.get_bytes,
        "iter_chunks": lambda k: list(store.iter_chunks(k)),
        "head": store.head,
        "exists": store.exists,
        "delete": store.delete,
        "presigned_get_url": store.presigned_get_url,
    }


def _prefix_operations(store: ObjectStore) -> dict[str, Callable[[str], Any]]:
    return {
        "list": lambda p: list(store.list(p)),
        "delete_prefix": store.delete_prefix,
    }


def _written(settings: Settings, backend: str, tmp_path: Path) -> set[str]:
    """Everything that exists where the store could have written."""
    if backend == "embedded":
        return {
            os.path.relpath(os.path.join(d, name), tmp_path)
            for d, dirs, files in os.walk(tmp_path)
            for name in dirs + files
        }
    from minio import Minio

    loc = settings.s3_location()
    client = Minio(loc.endpoint, S3_ACCESS_KEY, S3_SECRET_KEY, secure=False, region=loc.region)
    return {o.object_name or "" for o in client.list_objects(loc.bucket, recursive=True)}


def test_every_store_operation_refuses_bad_keys_before_writing_anything(
    settings: Settings, backend: str, tmp_path: Path
) -> None:
    store = open_object_store(settings)
    before = _written(settings, backend, tmp_path)
    refused = 0
    for key, _words in BAD_KEYS.values():
        for name, operation in _key_operations(store).items():
            with pytest.raises(InvalidKeyError):
                operation(key)
                pytest.fail(f"{name} accepted {key!r}")
            refused += 1
    for prefix in BAD_PREFIXES:
        for name, operation in _prefix_operations(store).items():
            with pytest.raises(InvalidKeyError):
                operation(prefix)
                pytest.fail(f"{name} accepted prefix {prefix!r}")
            refused += 1
    assert refused == len(BAD_KEYS) * 9 + len(BAD_PREFIXES) * 2
    after = _written(settings, backend, tmp_path)
    assert after == before
    assert not any(MARK in name for name in after)


def test_unusual_but_valid_keys_round_trip_on_every_store(settings: Settings) -> None:
    store = open_object_store(settings)
    keys = GOOD_KEYS[:-1]  # the longest is tried below: a store's own prefix counts
    for i, key in enumerate(keys):
        store.put_bytes(key, f"object {i}".encode(), content_type="text/plain")
    for i, key in enumerate(keys):
        assert store.get_bytes(key) == f"object {i}".encode()
        assert store.head(key).key == key
    assert sorted(info.key for info in store.list()) == sorted(keys)


def test_the_longest_key_a_store_takes_is_1024_bytes_with_its_prefix(
    settings: Settings, backend: str
) -> None:
    store = open_object_store(settings)
    room = MAX_KEY_BYTES
    if backend == "services":
        room -= len(settings.s3_location().prefix) + 1
    longest = "/".join(["x" * 200] * 6)[: room - 1] + "z"
    assert len(longest.encode()) == room
    store.put_bytes(longest, b"fits")
    assert store.get_bytes(longest) == b"fits"
    with pytest.raises(InvalidKeyError):
        store.put_bytes(longest + "z", b"one byte too long")
    assert [info.key for info in store.list()] == [longest]
