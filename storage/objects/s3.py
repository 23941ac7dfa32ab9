"""The object store on S3 (AWS, MinIO, SeaweedFS, ...) through the ``minio`` SDK.

* All keys live under ``location.prefix``; ``list`` returns keys relative to it.
  S3 limits full object names to 1024 bytes, so under a prefix ``P`` a key may
  have at most ``1024 - len(P) - 1`` bytes (``InvalidKeyError`` otherwise).
* Streaming: ``put_stream`` with an unknown length uploads multipart in parts of
  ``part_size`` (8 MiB: the SDK holds about three parts' worth of bytes at
  once, so memory stays near 24 MiB; with S3's limit of 10,000 parts an
  unknown-length object can reach 80 GB). Parts are uploaded one at a time.
  A known length uses the same parts unless 10,000 would not hold it.
  ``iter_chunks`` streams the body as stored (gzip-encoded bytes stay encoded).
* Content-Type and Content-Encoding are object headers. S3 listings do not
  carry them, so ``list`` asks for each object's headers (one HEAD per object);
  ``delete_prefix`` does not.
* Bucket policy: ``ping`` raises ``BackendUnavailableError`` when the bucket
  does not exist (as when the endpoint is unreachable or the credentials are
  refused); the first write of a store creates a missing bucket. Reads from a
  missing bucket behave as reads from an empty store.
* Picklable: the pickled state is the configuration only; the Minio client
  (which holds a connection pool) is created lazily in each process.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Iterator
from datetime import timedelta
from typing import Any, BinaryIO
from urllib.parse import quote

import certifi
import urllib3
from minio import Minio
from minio.deleteobjects import DeleteObject
from minio.error import S3Error
from minio.helpers import check_bucket_name

from storage.objects._s3errors import translated
from storage.objects.keys import MAX_KEY_BYTES, validate_key, validate_prefix
from storage.objects.protocol import ObjectInfo
from twin.errors import (
    BackendUnavailableError,
    ConfigError,
    InvalidInputError,
    InvalidKeyError,
    ObjectNotFoundError,
    StorageError,
)
from twin.settings import S3Location

DEFAULT_PART_SIZE = 8 << 20
READ_CHUNK = 1 << 20
MAX_PARTS = 10_000
MAX_PRESIGN_S = 7 * 24 * 3600
DELETE_BATCH = 1000


class S3ObjectStore:
    """An ``ObjectStore`` in an S3 bucket, optionally under a key prefix."""

    def __init__(
        self,
        location: S3Location,
        *,
        access_key: str,
        secret_key: str,
        part_size: int = DEFAULT_PART_SIZE,
    ) -> None:
        try:
            check_bucket_name(location.bucket)
        except ValueError:
            raise ConfigError("the S3 bucket name is not valid") from None
        try:
            self._prefix = validate_prefix(location.prefix + "/") if location.prefix else ""
        except ValueError:
            raise ConfigError("the S3 key prefix is not valid") from None
        if not 5 << 20 <= part_size <= 5 << 30:
            raise ConfigError("the S3 part size must be between 5 MiB and 5 GiB")
        self.location = location
        self._access_key = access_key
        self._secret_key = secret_key
        self._part_size = part_size
        self._client: Minio | None = None
        self._bucket_ready = False
        query = f"endpoint={quote(location.endpoint, safe=':')}"
        query += f"&secure={str(location.secure).lower()}&region={quote(location.region)}"
        self.url = f"s3://{location.bucket}/{quote(location.prefix)}?{query}"

    def __repr__(self) -> str:
        return f"S3ObjectStore({self.url!r})"

    def __getstate__(self) -> dict[str, Any]:
        return {
            "location": self.location.model_dump(),
            "access_key": self._access_key,
            "secret_key": self._secret_key,
            "part_size": self._part_size,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        S3ObjectStore.__init__(
            self,
            S3Location(**state["location"]),
            access_key=state["access_key"],
            secret_key=state["secret_key"],
            part_size=state["part_size"],
        )

    # -- client ----------------------------------------------------------

    @property
    def _minio(self) -> Minio:
        if self._client is None:
            http = urllib3.PoolManager(
                timeout=urllib3.Timeout(connect=10, read=120),
                maxsize=10,
                cert_reqs="CERT_REQUIRED",
                ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where(),
                retries=urllib3.Retry(
                    total=3, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]
                ),
            )
            self._client = Minio(
                self.location.endpoint,
                access_key=self._access_key,
                secret_key=self._secret_key,
                secure=self.location.secure,
                region=self.location.region,
                http_client=http,
            )
        return self._client

    def _ensure_bucket(self) -> None:
        if self._bucket_ready:
            return
        bucket = self.location.bucket
        with translated():
            if not self._minio.bucket_exists(bucket):
                try:
                    self._minio.make_bucket(bucket)
                except S3Error as exc:
                    if exc.code not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
                        raise
        self._bucket_ready = True

    def _name(self, key: str) -> str:
        name = self._prefix + validate_key(key)
        if len(name.encode("utf-8")) > MAX_KEY_BYTES:
            raise InvalidKeyError(
                f"invalid object key: with the store's prefix it is longer than {MAX_KEY_BYTES}"
                " bytes",
                problem="too long for the store's prefix",
            )
        return name

    # -- writing ---------------------------------------------------------

    def put_bytes(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str = "application/octet-stream",
        content_encoding: str | None = None,
    ) -> ObjectInfo:
        return self.put_stream(
            key,
            io.BytesIO(data),
            length=len(data),
            content_type=content_type,
            content_encoding=content_encoding,
        )

    def put_stream(
        self,
        key: str,
        stream: BinaryIO,
        *,
        length: int | None = None,
        content_type: str = "application/octet-stream",
        content_encoding: str | None = None,
    ) -> ObjectInfo:
        name = self._name(key)
        if length is not None and length < 0:
            raise InvalidInputError("length must not be negative")
        part_size = self._part_size
        if length is not None and length > part_size * MAX_PARTS:
            part_size = 0  # let the SDK pick a part size that fits the part count limit
        self._ensure_bucket()
        counted = _CountingReader(stream)
        metadata = {"Content-Encoding": content_encoding} if content_encoding else None
        try:
            with translated(key):
                result = self._minio.put_object(
                    self.location.bucket,
                    name,
                    counted,  # type: ignore[arg-type]
                    -1 if length is None else length,
                    content_type=content_type,
                    metadata=metadata,  # type: ignore[arg-type]
                    part_size=part_size,
                    num_parallel_uploads=1,
                )
        except OSError:
            if length is not None and counted.count < length:
                raise InvalidInputError(
                    f"the stream ended after {counted.count} of {length} bytes"
                ) from None
            raise
        return ObjectInfo(
            key=key,
            size=counted.count,
            etag=result.etag or "",
            content_type=content_type,
            content_encoding=content_encoding,
            last_modified=result.last_modified,
        )

    # -- reading ---------------------------------------------------------

    def get_bytes(self, key: str) -> bytes:
        name = self._name(key)
        with translated(key):
            response = self._minio.get_object(self.location.bucket, name)
            try:
                return bytes(response.read(decode_content=False))
            finally:
                response.close()
                response.release_conn()

    def iter_chunks(self, key: str, chunk_size: int = 1 << 20) -> Iterator[bytes]:
        name = self._name(key)
        if chunk_size <= 0:
            raise InvalidInputError("chunk_size must be positive")
        with translated(key):
            response = self._minio.get_object(self.location.bucket, name)
        return _stream(response, key, chunk_size)

    def head(self, key: str) -> ObjectInfo:
        name = self._name(key)
        with translated(key):
            obj = self._minio.stat_object(self.location.bucket, name)
        headers = obj.metadata or {}
        encoding = headers.get("Content-Encoding") or headers.get("content-encoding")
        return ObjectInfo(
            key=key,
            size=int(obj.size or 0),
            etag=obj.etag or "",
            content_type=obj.content_type or "application/octet-stream",
            content_encoding=encoding or None,
            last_modified=obj.last_modified,
        )

    def exists(self, key: str) -> bool:
        try:
            self.head(key)
        except ObjectNotFoundError:
            return False
        return True

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Objects under ``prefix``, with one HEAD each for their content type and encoding.

        The order is the server's: byte order of the names on AWS and MinIO,
        directory by directory on SeaweedFS.
        """
        validate_prefix(prefix)
        return self._list(prefix)

    def _list(self, prefix: str) -> Iterator[ObjectInfo]:
        for name in self._names(prefix):
            key = name[len(self._prefix) :]
            try:
                validate_key(key)
                yield self.head(key)
            except (ValueError, ObjectNotFoundError):  # a foreign name, or deleted meanwhile
                continue

    def _names(self, prefix: str) -> Iterator[str]:
        """Full object names under ``prefix`` (relative to the store), in key order."""
        with translated():
            try:
                for obj in self._minio.list_objects(
                    self.location.bucket, prefix=self._prefix + prefix, recursive=True
                ):
                    if obj.object_name and not obj.is_dir:
                        yield obj.object_name
            except S3Error as exc:
                if exc.code != "NoSuchBucket":
                    raise

    def presigned_get_url(self, key: str, expires_s: int = 900) -> str | None:
        name = self._name(key)
        if not 1 <= expires_s <= MAX_PRESIGN_S:
            raise InvalidInputError(f"expires_s must be between 1 and {MAX_PRESIGN_S}")
        with translated(key):
            return self._minio.presigned_get_object(
                self.location.bucket, name, expires=timedelta(seconds=expires_s)
            )

    def ping(self) -> None:
        with translated():
            found = self._minio.bucket_exists(self.location.bucket)
        if not found:
            raise BackendUnavailableError("the object store bucket does not exist")

    # -- deleting --------------------------------------------------------

    def delete(self, key: str) -> None:
        name = self._name(key)
        with translated():
            try:
                self._minio.remove_object(self.location.bucket, name)
            except S3Error as exc:
                if exc.code not in {"NoSuchBucket", "NoSuchKey"}:
                    raise

    def delete_prefix(self, prefix: str) -> int:
        """Delete every object under ``prefix``; return how many there were."""
        validate_prefix(prefix)
        count = 0
        batch: list[str] = []
        for name in self._names(prefix):
            batch.append(name)
            if len(batch) == DELETE_BATCH:
                count += self._delete_batch(batch)
                batch = []
        if batch:
            count += self._delete_batch(batch)
        return count

    def _delete_batch(self, names: Iterable[str]) -> int:
        objects = [DeleteObject(name) for name in names]
        with translated():
            errors = list(self._minio.remove_objects(self.location.bucket, objects))
        failed = [e for e in errors if e.code not in {"NoSuchKey", "NoSuchBucket"}]
        if failed:
            raise StorageError(f"object storage failed to delete {len(failed)} objects")
        return len(objects)


class _CountingReader:
    """A read()-only view of a stream that counts the bytes handed out.

    ``read(n)`` returns exactly ``n`` bytes unless the stream ends, gathering
    them with reads of at most ``READ_CHUNK`` bytes: a raw stream asked for a
    whole part at once would first allocate a buffer of the part's size.
    """

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        chunks: list[bytes] = []
        remaining = size
        while remaining != 0:
            want = READ_CHUNK if remaining < 0 else min(remaining, READ_CHUNK)
            chunk = self._stream.read(want)
            if not chunk:
                break
            chunks.append(chunk if isinstance(chunk, bytes) else bytes(chunk))
            if remaining > 0:
                remaining -= len(chunk)
        data = b"".join(chunks)
        self.count += len(data)
        return data


def _stream(response: Any, key: str, chunk_size: int) -> Iterator[bytes]:
    try:
        with translated(key):
            yield from response.stream(chunk_size, decode_content=False)
    finally:
        response.close()
        response.release_conn()
