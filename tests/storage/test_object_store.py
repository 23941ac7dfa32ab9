"""The object store contract, run on both backends (local directory and SeaweedFS S3).

Backend-specific expectations (presigned URLs, buckets, sidecars) are stated
next to the shared ones.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import pickle
import random
import subprocess
import sys
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, cast

import httpx
import pytest
from pydantic import SecretStr

from storage.factory import open_object_store
from storage.objects.local import LocalObjectStore
from storage.objects.protocol import ObjectStore
from tests.services import S3_ACCESS_KEY, S3_SECRET_KEY
from twin.errors import (
    BackendUnavailableError,
    ConflictError,
    InvalidInputError,
    ObjectNotFoundError,
)
from twin.settings import Settings, parse_s3_url

MiB = 1 << 20
REPO = Path(__file__).resolve().parents[2]


class GeneratedStream(io.RawIOBase):
    """A non-seekable raw stream of ``size`` pseudo-random bytes, made as it is read."""

    def __init__(self, size: int, *, seed: int = 7, fail_after: int | None = None) -> None:
        self.size = size
        self.sent = 0
        self.digest = hashlib.sha256()
        self._rng = random.Random(seed)
        self._pending = b""
        self._fail_after = fail_after

    def readable(self) -> bool:
        return True

    def binary(self) -> BinaryIO:
        """This stream, typed as the ``BinaryIO`` the store protocol takes."""
        return cast(BinaryIO, self)

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._fail_after is not None and self.sent >= self._fail_after:
            raise StreamBroke("the producer died")
        if not self._pending:
            left = self.size - self.sent
            self._pending = self._rng.randbytes(min(64 * 1024, left)) if left > 0 else b""
            self.digest.update(self._pending)
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        self.sent += n
        return n


class StreamBroke(Exception):
    pass


@pytest.fixture
def store(settings: Settings) -> ObjectStore:
    return open_object_store(settings)


def _sha256_of_chunks(chunks: Iterator[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()


# -- round trips -------------------------------------------------------------


def test_bytes_put_are_the_bytes_got_and_head_agrees(store: ObjectStore) -> None:
    data = os.urandom(100_000)
    info = store.put_bytes("a/b/c.bin", data)
    assert store.get_bytes("a/b/c.bin") == data
    head = store.head("a/b/c.bin")
    assert (head.key, head.size, head.etag) == ("a/b/c.bin", len(data), info.etag)
    assert head.content_type == "application/octet-stream"
    assert head.content_encoding is None
    assert head.last_modified is not None
    assert store.exists("a/b/c.bin")


def test_an_empty_object_round_trips(store: ObjectStore) -> None:
    store.put_bytes("empty", b"")
    assert store.get_bytes("empty") == b""
    assert store.head("empty").size == 0
    assert list(store.iter_chunks("empty")) == []


def test_overwriting_a_key_replaces_its_bytes_and_etag(store: ObjectStore) -> None:
    first = store.put_bytes("k", b"first version")
    second = store.put_bytes("k", b"second version, longer")
    assert store.get_bytes("k") == b"second version, longer"
    assert first.etag != second.etag
    assert store.head("k").etag == second.etag


def test_content_type_and_gzip_encoding_are_kept_and_bytes_stay_encoded(
    store: ObjectStore,
) -> None:
    body = b'{"asset": {"version": "1.1"}, "geometricError": 500}' * 200
    encoded = gzip.compress(body)
    store.put_bytes(
        "t/tileset.json", encoded, content_type="application/json", content_encoding="gzip"
    )
    head = store.head("t/tileset.json")
    assert (head.content_type, head.content_encoding) == ("application/json", "gzip")
    assert head.size == len(encoded)
    assert store.get_bytes("t/tileset.json") == encoded
    assert b"".join(store.iter_chunks("t/tileset.json")) == encoded
    assert gzip.decompress(store.get_bytes("t/tileset.json")) == body
    listed = next(iter(store.list("t/")))
    assert (listed.content_type, listed.content_encoding) == ("application/json", "gzip")


def test_a_known_length_stream_round_trips_with_its_content_type(store: ObjectStore) -> None:
    stream = GeneratedStream(3 * MiB + 17)
    info = store.put_stream(
        "s.bin", stream.binary(), length=stream.size, content_type="model/gltf-binary"
    )
    assert info.size == stream.size
    assert store.head("s.bin").content_type == "model/gltf-binary"
    assert _sha256_of_chunks(store.iter_chunks("s.bin")) == stream.digest.hexdigest()


def test_a_stream_shorter_than_its_stated_length_is_refused_and_not_stored(
    store: ObjectStore,
) -> None:
    with pytest.raises(InvalidInputError):
        store.put_stream("short", io.BytesIO(b"12345"), length=10)
    assert not store.exists("short")


def test_an_unknown_length_stream_is_stored_in_bounded_memory(store: ObjectStore) -> None:
    stream = GeneratedStream(64 * MiB)
    tracemalloc.start()
    try:
        info = store.put_stream("big/blob.bin", stream.binary(), content_type="application/x-test")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert stream.sent == 64 * MiB
    assert peak < 40 * MiB, f"peak {peak / MiB:.1f} MiB for a 64 MiB stream"
    assert info.size == 64 * MiB
    assert store.head("big/blob.bin").size == 64 * MiB
    assert _sha256_of_chunks(store.iter_chunks("big/blob.bin")) == stream.digest.hexdigest()


def test_iter_chunks_streams_an_object_in_several_bounded_chunks(store: ObjectStore) -> None:
    data = os.urandom(3 * MiB + 5)
    store.put_bytes("c.bin", data)
    chunks = list(store.iter_chunks("c.bin", chunk_size=MiB))
    assert len(chunks) >= 4
    assert all(len(chunk) <= MiB for chunk in chunks)
    assert b"".join(chunks) == data


# -- absent keys ---------------------------------------------------------------


def test_an_absent_key_raises_object_not_found_which_is_a_lookup_error(
    store: ObjectStore,
) -> None:
    store.put_bytes("present/x", b"x")
    for key in ["absent", "present", "present/x/deeper"]:
        with pytest.raises(ObjectNotFoundError) as caught:
            store.head(key)
        assert isinstance(caught.value, LookupError)
        assert caught.value.http_status == 404
        with pytest.raises(ObjectNotFoundError):
            store.get_bytes(key)
        with pytest.raises(ObjectNotFoundError):
            store.iter_chunks(key)
        assert not store.exists(key)


def test_deleting_an_absent_key_is_not_an_error(store: ObjectStore) -> None:
    store.delete("never/written")
    store.put_bytes("once", b"1")
    store.delete("once")
    store.delete("once")
    assert not store.exists("once")


# -- listing and deleting ----------------------------------------------------------

KEYS = ["a/1", "a/2", "a/b/3", "a-c/4", "a0", "ab/5", "b/6"]


def test_list_with_a_prefix_returns_exactly_the_keys_under_it(store: ObjectStore) -> None:
    for key in KEYS:
        store.put_bytes(key, key.encode(), content_type="text/plain")
    everything = [info.key for info in store.list()]
    assert sorted(everything) == sorted(KEYS)
    assert sorted(info.key for info in store.list("a/")) == ["a/1", "a/2", "a/b/3"]
    assert [info.key for info in store.list("a/b/")] == ["a/b/3"]
    assert list(store.list("nothing/")) == []
    listed = {info.key: info for info in store.list()}
    for key in KEYS:
        assert listed[key].size == len(key)
        assert listed[key].content_type == "text/plain"
        assert listed[key].etag == store.head(key).etag


def test_delete_prefix_removes_exactly_the_keys_under_it(store: ObjectStore) -> None:
    for key in KEYS:
        store.put_bytes(key, b"x")
    assert store.delete_prefix("a/") == 3
    assert sorted(info.key for info in store.list()) == ["a-c/4", "a0", "ab/5", "b/6"]
    assert store.delete_prefix("a/") == 0
    assert store.delete_prefix("") == 4
    assert list(store.list()) == []


# -- writes are atomic -------------------------------------------------------------


def test_a_failed_write_leaves_the_previous_object_intact(store: ObjectStore) -> None:
    store.put_bytes("v.bin", b"previous")
    broken = GeneratedStream(20 * MiB, fail_after=12 * MiB)
    with pytest.raises(StreamBroke):
        store.put_stream("v.bin", broken.binary())
    assert store.get_bytes("v.bin") == b"previous"
    with pytest.raises(StreamBroke):
        store.put_stream("w.bin", GeneratedStream(20 * MiB, fail_after=12 * MiB).binary())
    assert not store.exists("w.bin")
    assert [info.key for info in store.list()] == ["v.bin"]


KILLED_WRITER = r"""
import io, pickle, sys, time
store = pickle.loads(sys.stdin.buffer.read())

class Stalls(io.RawIOBase):
    sent = 0
    def readable(self):
        return True
    def readinto(self, buffer):
        if self.sent >= 12 << 20:
            print("stalled", flush=True)
            time.sleep(600)
        n = min(len(buffer), 1 << 16)
        buffer[:n] = b"x" * n
        self.sent += n
        return n

store.put_stream("victim.bin", Stalls())
"""


def test_a_killed_writer_leaves_no_partial_object(store: ObjectStore) -> None:
    store.put_bytes("victim.bin", b"before")
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=REPO,
    )
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write(pickle.dumps(store))
    child.stdin.close()
    try:
        assert child.stdout.readline() == b"stalled\n"
    finally:
        child.kill()
        child.wait(timeout=30)
    assert store.get_bytes("victim.bin") == b"before"
    assert [info.key for info in store.list()] == ["victim.bin"]


# -- presigned URLs, pickling, location ----------------------------------------------


def test_a_presigned_url_serves_the_bytes_on_s3_and_is_none_locally(
    store: ObjectStore, backend: str
) -> None:
    data = os.urandom(50_000)
    store.put_bytes("p/q.bin", data, content_type="application/x-test")
    url = store.presigned_get_url("p/q.bin", expires_s=60)
    if backend == "embedded":
        assert url is None
        return
    assert url is not None
    response = httpx.get(url, timeout=10)
    assert response.status_code == 200
    assert response.content == data
    assert response.headers["content-type"] == "application/x-test"
    tampered = url.replace("X-Amz-Expires=60", "X-Amz-Expires=61")
    assert httpx.get(tampered, timeout=10).status_code == 403


def test_a_pickled_store_keeps_working_before_and_after_use(store: ObjectStore) -> None:
    fresh_clone = pickle.loads(pickle.dumps(store))
    fresh_clone.put_bytes("from/clone", b"1")
    assert store.get_bytes("from/clone") == b"1"
    used_clone = pickle.loads(pickle.dumps(store))
    assert used_clone.url == store.url
    assert used_clone.get_bytes("from/clone") == b"1"
    assert [info.key for info in used_clone.list()] == ["from/clone"]


def test_the_store_url_names_its_location_and_never_the_secret_key(
    settings: Settings, backend: str, store: ObjectStore
) -> None:
    if backend == "embedded":
        assert isinstance(store, LocalObjectStore)
        assert (
            LocalObjectStore.from_url(store.url).root == store.root == settings.data_dir / "objects"
        )
    else:
        assert parse_s3_url(store.url) == settings.s3_location()
    for text in (store.url, repr(store), str(store)):
        assert S3_SECRET_KEY not in text


def _outer(settings: Settings, backend: str, store: ObjectStore) -> tuple[ObjectStore, str]:
    """A store one level up (parent directory / bucket root) and the inner store's place in it."""
    if backend == "embedded":
        assert isinstance(store, LocalObjectStore)
        return LocalObjectStore(store.root.parent), store.root.name + "/"
    loc = settings.s3_location()
    url = f"s3://{loc.bucket}?endpoint={loc.endpoint}&secure=false"
    return open_object_store(settings.model_copy(update={"storage_url": url})), loc.prefix + "/"


def test_keys_live_under_the_store_location_and_list_relative_to_it(
    settings: Settings, backend: str, store: ObjectStore
) -> None:
    outer, place = _outer(settings, backend, store)
    store.put_bytes("k/x", b"inner")
    sibling = f"sibling-{uuid.uuid4().hex[:8]}/y"
    outer.put_bytes(sibling, b"outside")
    assert outer.get_bytes(place + "k/x") == b"inner"
    assert [info.key for info in outer.list(place)] == [place + "k/x"]
    assert [info.key for info in store.list()] == ["k/x"]
    assert not store.exists(sibling)
    outer.delete(sibling)


# -- availability -------------------------------------------------------------------


def test_the_services_backend_fails_loudly_on_an_unreachable_endpoint(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        storage_url="s3://twin-test/p?endpoint=127.0.0.1:1&secure=false",
        s3_access_key="unreachable-access",  # type: ignore[arg-type]
        s3_secret_key="unreachable-secret-42",  # type: ignore[arg-type]
    )
    store = open_object_store(settings)  # constructing does no I/O
    started = time.monotonic()
    for call in (
        store.ping,
        lambda: store.put_bytes("k", b"1"),
        lambda: store.get_bytes("k"),
        lambda: store.head("k"),
        lambda: list(store.list()),
    ):
        with pytest.raises(BackendUnavailableError) as caught:
            call()
        assert isinstance(caught.value, ConnectionError)
        assert caught.value.http_status == 503
        assert "unreachable-secret-42" not in str(caught.value)
        assert "unreachable-access" not in str(caught.value)
    assert time.monotonic() - started < 60


def test_a_store_that_cannot_work_fails_ping_loudly(
    settings: Settings, backend: str, tmp_path: Path
) -> None:
    if backend == "embedded":
        blocker = tmp_path / "not-a-directory"
        blocker.write_bytes(b"")
        broken: ObjectStore = LocalObjectStore(blocker / "objects")
    else:
        wrong = "wrong-secret-0123456789"
        broken = open_object_store(settings.model_copy(update={"s3_secret_key": SecretStr(wrong)}))
    with pytest.raises(BackendUnavailableError) as caught:
        broken.ping()
    assert "wrong-secret" not in caught.value.message
    if backend == "services":
        with pytest.raises(BackendUnavailableError):
            broken.get_bytes("k")
        assert S3_ACCESS_KEY not in caught.value.message


def test_a_missing_bucket_or_directory_is_created_by_the_first_write(
    settings: Settings, backend: str, tmp_path: Path
) -> None:
    if backend == "embedded":
        root = tmp_path / "fresh" / "objects"
        fresh: ObjectStore = LocalObjectStore.from_url(root.as_uri())
    else:
        loc = settings.s3_location()
        bucket = f"twin-fresh-{uuid.uuid4().hex[:8]}"
        url = f"s3://{bucket}/p?endpoint={loc.endpoint}&secure=false"
        fresh = open_object_store(settings.model_copy(update={"storage_url": url}))
    # reads of a store that was never written find nothing and create nothing
    assert not fresh.exists("k")
    assert list(fresh.list()) == []
    with pytest.raises(ObjectNotFoundError):
        fresh.head("k")
    if backend == "embedded":
        assert not root.parent.exists()
        fresh.ping()  # a directory that can be created is fine
    else:
        with pytest.raises(BackendUnavailableError, match="bucket does not exist"):
            fresh.ping()
    fresh.put_bytes("k", b"first")
    fresh.ping()
    assert fresh.get_bytes("k") == b"first"
    if backend == "embedded":
        assert root.is_dir()


# -- the local directory in particular -------------------------------------------------


def test_local_sidecars_and_temporary_files_are_never_listed(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path / "objects")
    store.put_bytes("a/b", b"1", content_type="text/plain")
    (tmp_path / "objects" / "a" / ".twin-tmp-leftover").write_bytes(b"half")
    (tmp_path / "objects" / "stray\\name").write_bytes(b"not a key")
    names = {p.name for p in (tmp_path / "objects").rglob("*")}
    assert ".twin-meta" in names
    assert [info.key for info in store.list()] == ["a/b"]
    assert store.delete_prefix("") == 1


def test_local_list_yields_keys_in_byte_order(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path)
    for key in reversed(KEYS):
        store.put_bytes(key, b"x")
    assert [info.key for info in store.list()] == sorted(KEYS)


def test_local_etag_is_the_sha256_of_the_bytes_even_when_changed_behind_the_store(
    tmp_path: Path,
) -> None:
    store = LocalObjectStore(tmp_path)
    info = store.put_stream("k", io.BytesIO(b"one"), content_type="text/plain")
    assert info.etag == store.head("k").etag == hashlib.sha256(b"one").hexdigest()
    (tmp_path / "k").write_bytes(b"two, by hand")
    head = store.head("k")
    assert head.etag == hashlib.sha256(b"two, by hand").hexdigest()
    assert head.size == len(b"two, by hand")
    assert head.content_type == "text/plain"
    assert store.head("k") == head


def test_local_a_key_cannot_be_both_an_object_and_a_prefix(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path)
    store.put_bytes("a", b"object")
    with pytest.raises(ConflictError):
        store.put_bytes("a/b", b"under an object")
    store.put_bytes("c/d", b"object")
    with pytest.raises(ConflictError):
        store.put_bytes("c", b"over a prefix")
    assert [info.key for info in store.list()] == ["a", "c/d"]
    assert not [p for p in tmp_path.rglob(".twin-tmp-*")]


def test_local_deleting_the_last_object_of_a_directory_removes_the_directory(
    tmp_path: Path,
) -> None:
    store = LocalObjectStore(tmp_path / "objects")
    store.put_bytes("x/y/z", b"1")
    store.put_bytes("x/w", b"2")
    store.delete("x/y/z")
    assert not (tmp_path / "objects" / "x" / "y").exists()
    assert store.delete_prefix("x/") == 1
    assert not (tmp_path / "objects" / "x").exists()
    assert (tmp_path / "objects").is_dir()


def test_local_from_url_reads_file_urls_only(tmp_path: Path) -> None:
    spaced = tmp_path / "with space"
    assert LocalObjectStore.from_url(spaced.as_uri()).root == spaced
    for bad in ["s3://bucket", "file://host/dir", "file:relative/dir", "/plain/path"]:
        with pytest.raises(ValueError):
            LocalObjectStore.from_url(bad)
