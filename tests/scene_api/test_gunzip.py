from __future__ import annotations

import gzip
import os

import pytest

from scene_api.services.gunzip import gunzip_chunks
from twin.errors import StorageError


def _chunks(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def test_gzip_chunks_decompress_to_the_original_bytes() -> None:
    original = os.urandom(300_000) + b"a" * 3_000_000
    out = list(gunzip_chunks(_chunks(gzip.compress(original), 4096), max_out=65536))
    assert b"".join(out) == original
    assert max(len(piece) for piece in out) <= 65536


def test_concatenated_gzip_members_decompress_one_after_another() -> None:
    data = gzip.compress(b"first ") + gzip.compress(b"second")
    assert b"".join(gunzip_chunks(_chunks(data, 7))) == b"first second"


def test_a_truncated_gzip_stream_raises() -> None:
    data = gzip.compress(os.urandom(10_000))
    with pytest.raises(StorageError):
        b"".join(gunzip_chunks([data[:-20]]))


def test_bytes_that_are_not_gzip_raise() -> None:
    with pytest.raises(StorageError):
        b"".join(gunzip_chunks([b"plain text, not gzip"]))
