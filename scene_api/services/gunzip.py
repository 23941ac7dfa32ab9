"""Decompress a gzip stream chunk by chunk, in bounded memory."""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator

from twin.errors import StorageError

_GZIP_WBITS = 16 + zlib.MAX_WBITS


def gunzip_chunks(chunks: Iterable[bytes], max_out: int = 1 << 20) -> Iterator[bytes]:
    """Yield the decompressed bytes of gzip ``chunks``; each piece is at most ``max_out`` bytes.

    Concatenated gzip members (RFC 1952 §2.2) are decompressed one after another.
    """
    inflater = zlib.decompressobj(_GZIP_WBITS)
    in_member = False
    try:
        for chunk in chunks:
            data = bytes(chunk)
            while data:
                in_member = True
                out = inflater.decompress(data, max_out)
                if out:
                    yield out
                if inflater.eof:
                    data = inflater.unused_data
                    inflater = zlib.decompressobj(_GZIP_WBITS)
                    in_member = False
                else:
                    data = inflater.unconsumed_tail
        tail = inflater.flush()
        if tail:
            yield tail
    except zlib.error as exc:
        raise StorageError("a stored object is not valid gzip") from exc
    if in_member and not inflater.eof:
        raise StorageError("a stored gzip object ends early")
