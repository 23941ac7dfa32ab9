"""The object store protocol: what every backend (local directory, S3) offers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO, Protocol


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    etag: str
    content_type: str
    content_encoding: str | None = None
    last_modified: datetime | None = None


class ObjectStore(Protocol):
    """Keys are '/'-separated relative paths; see ``storage.objects.keys.validate_key``."""

    url: str

    def put_bytes(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str = "application/octet-stream",
        content_encoding: str | None = None,
    ) -> ObjectInfo: ...

    def put_stream(
        self,
        key: str,
        stream: BinaryIO,
        *,
        length: int | None = None,
        content_type: str = "application/octet-stream",
        content_encoding: str | None = None,
    ) -> ObjectInfo:
        """Stream ``stream`` into ``key`` in bounded memory; ``length`` may be unknown."""
        ...

    def get_bytes(self, key: str) -> bytes: ...

    def iter_chunks(self, key: str, chunk_size: int = 1 << 20) -> Iterator[bytes]:
        """Yield the stored bytes (as stored, still content-encoded) in chunks."""
        ...

    def head(self, key: str) -> ObjectInfo:
        """Raise ``ObjectNotFoundError`` when absent."""
        ...

    def exists(self, key: str) -> bool: ...

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]: ...

    def delete(self, key: str) -> None:
        """Deleting an absent key is not an error."""
        ...

    def delete_prefix(self, prefix: str) -> int: ...

    def presigned_get_url(self, key: str, expires_s: int = 900) -> str | None:
        """A URL a client can GET directly, or None when the backend has none."""
        ...

    def ping(self) -> None:
        """Raise ``BackendUnavailableError`` when the store cannot be reached."""
        ...
