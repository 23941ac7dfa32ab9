"""The object store on a local directory.

* Key ``a/b.glb`` is the file ``ROOT/a/b.glb``; its content type, content
  encoding and ETag are in a JSON sidecar under ``ROOT/.twin-meta/`` (see
  ``storage.objects._sidecar``).
* Writes are atomic: the bytes go to a temporary file in the target directory
  (named ``.twin-tmp-*``, a name no valid key can take) and are renamed over the
  key with ``os.replace``. A reader never sees half an object; a killed writer
  leaves at most an invisible temporary file. Files are not fsynced: the
  guarantee is against killed processes, not power loss.
* The ETag is the SHA-256 hex of the stored bytes, computed while writing.
* Nothing is touched until the first call; the root is created on first write.
* A file system cannot hold both ``a`` and ``a/b``: such a put raises
  ``ConflictError`` (S3 would accept both).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urlsplit

from storage.objects import _sidecar as sc
from storage.objects.keys import RESERVED_SEGMENT_PREFIX, validate_key, validate_prefix
from storage.objects.protocol import ObjectInfo
from twin.errors import (
    BackendUnavailableError,
    ConfigError,
    ConflictError,
    InvalidInputError,
    ObjectNotFoundError,
    StorageError,
    TwinError,
)

WRITE_CHUNK = 1 << 20
_ABSENT = (FileNotFoundError, NotADirectoryError, IsADirectoryError)


class LocalObjectStore:
    """An ``ObjectStore`` in a directory of the local file system."""

    def __init__(self, root: Path) -> None:
        self.root = Path(os.path.abspath(root))
        self.url = self.root.as_uri()

    @classmethod
    def from_url(cls, url: str) -> LocalObjectStore:
        parts = urlsplit(url)
        path = unquote(parts.path)
        if (
            parts.scheme != "file"
            or parts.netloc not in {"", "localhost"}
            or parts.query
            or parts.fragment
            or not path.startswith("/")
        ):
            raise ConfigError("a local storage URL must look like file:///absolute/directory")
        return cls(Path(path))

    def __repr__(self) -> str:
        return f"LocalObjectStore({self.url!r})"

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
        validate_key(key)
        if length is not None and length < 0:
            raise InvalidInputError("length must not be negative")
        path = self._path(key)
        fd, tmp = self._open_temp(key, path.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                etag, written = _copy(stream, out, length)
            if length is not None and written != length:
                raise InvalidInputError(f"the stream ended after {written} of {length} bytes")
            identity = sc.Identity.of(os.stat(tmp))
            try:
                os.replace(tmp, path)
            except IsADirectoryError:
                raise ConflictError(
                    f"object key {key!r} conflicts with existing keys under {key + '/'!r}"
                ) from None
        except BaseException as exc:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            if isinstance(exc, OSError) and not isinstance(exc, TwinError):
                raise _write_failed(exc, "could not write to the object store") from exc
            raise
        try:
            sc.write_sidecar(
                self.root,
                key,
                identity,
                etag=etag,
                content_type=content_type,
                content_encoding=content_encoding,
            )
        except OSError as exc:
            raise _write_failed(exc, "could not store the object's metadata") from exc
        return ObjectInfo(
            key=key,
            size=identity.size,
            etag=etag,
            content_type=content_type,
            content_encoding=content_encoding,
            last_modified=_mtime(identity.mtime_ns),
        )

    def _open_temp(self, key: str, directory: Path) -> tuple[int, str]:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
        for _ in range(5):  # a concurrent delete may prune the directory in between
            try:
                directory.mkdir(parents=True, exist_ok=True)
            except (FileExistsError, NotADirectoryError):
                raise ConflictError(
                    f"object key {key!r} conflicts with an existing object on its path"
                ) from None
            except OSError as exc:
                raise StorageError("could not write to the object store") from exc
            tmp = str(directory / sc.temp_name())
            try:
                return os.open(tmp, flags, 0o666), tmp
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise StorageError("could not write to the object store") from exc
        raise StorageError("could not write to the object store")

    # -- reading ---------------------------------------------------------

    def get_bytes(self, key: str) -> bytes:
        with self._open(key) as f:
            return f.read()

    def iter_chunks(self, key: str, chunk_size: int = 1 << 20) -> Iterator[bytes]:
        if chunk_size <= 0:
            raise InvalidInputError("chunk_size must be positive")
        return _chunks(self._open(key), chunk_size)

    def head(self, key: str) -> ObjectInfo:
        validate_key(key)
        return self._info(key, self._path(key))

    def exists(self, key: str) -> bool:
        validate_key(key)
        return self._path(key).is_file()

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Objects under ``prefix``, in byte order of their keys."""
        validate_prefix(prefix)
        return self._list(prefix)

    def _list(self, prefix: str) -> Iterator[ObjectInfo]:
        for key, path in self._walk(prefix):
            try:
                yield self._info(key, path)
            except ObjectNotFoundError:  # deleted while listing
                continue

    def presigned_get_url(self, key: str, expires_s: int = 900) -> str | None:
        validate_key(key)
        return None

    def ping(self) -> None:
        probe = self.root
        while not probe.exists():
            if probe.parent == probe:
                break
            probe = probe.parent
        if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
            raise BackendUnavailableError("the local object store directory is not writable")

    # -- deleting --------------------------------------------------------

    def delete(self, key: str) -> None:
        validate_key(key)
        self._delete(key, self._path(key))

    def delete_prefix(self, prefix: str) -> int:
        validate_prefix(prefix)
        count = 0
        for key, path in self._walk(prefix):
            if self._delete(key, path):
                count += 1
        return count

    def _delete(self, key: str, path: Path) -> bool:
        try:
            path.unlink()
        except _ABSENT:
            return False
        except OSError as exc:
            raise StorageError("could not delete from the object store") from exc
        sc.remove_sidecar(self.root, key)
        self._prune(path.parent)
        return True

    def _prune(self, directory: Path) -> None:
        """Remove empty directories from ``directory`` up to (not including) the root."""
        while directory != self.root and self.root in directory.parents:
            try:
                directory.rmdir()
            except OSError:
                return
            directory = directory.parent

    # -- helpers ---------------------------------------------------------

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*key.split("/"))

    def _open(self, key: str) -> BinaryIO:
        validate_key(key)
        try:
            return self._path(key).open("rb")
        except _ABSENT:
            raise ObjectNotFoundError(f"object {key!r} not found", key=key) from None
        except OSError as exc:
            raise StorageError("could not read from the object store") from exc

    def _info(self, key: str, path: Path) -> ObjectInfo:
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except _ABSENT:
            raise ObjectNotFoundError(f"object {key!r} not found", key=key) from None
        except OSError as exc:
            raise StorageError("could not read from the object store") from exc
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):  # a directory: the key is only a prefix
                raise ObjectNotFoundError(f"object {key!r} not found", key=key)
            identity = sc.Identity.of(st)
            meta = sc.read_sidecar(self.root, key)
            if meta is not None and sc.matches(meta, identity):
                etag, content_type, encoding = (
                    meta["etag"],
                    meta["content_type"],
                    meta["content_encoding"],
                )
            else:
                etag, identity = sc.hash_open_file(fd)
                content_type = meta["content_type"] if meta else "application/octet-stream"
                encoding = meta["content_encoding"] if meta else None
                with contextlib.suppress(OSError):
                    sc.write_sidecar(
                        self.root,
                        key,
                        identity,
                        etag=etag,
                        content_type=content_type,
                        content_encoding=encoding,
                    )
        except OSError as exc:
            raise StorageError("could not read from the object store") from exc
        finally:
            os.close(fd)
        return ObjectInfo(
            key=key,
            size=identity.size,
            etag=etag,
            content_type=content_type,
            content_encoding=encoding,
            last_modified=_mtime(identity.mtime_ns),
        )

    def _walk(self, prefix: str) -> Iterator[tuple[str, Path]]:
        """Valid keys under ``prefix`` with their files, in byte order of the keys."""
        start = self._path(prefix[:-1]) if prefix else self.root
        yield from _walk_dir(start, prefix)


def _walk_dir(directory: Path, rel: str) -> Iterator[tuple[str, Path]]:
    try:
        with os.scandir(directory) as it:
            entries = [e for e in it if not e.name.startswith(RESERVED_SEGMENT_PREFIX)]
    except (FileNotFoundError, NotADirectoryError):
        return
    except OSError as exc:
        raise StorageError("could not list the object store") from exc
    # a directory sorts as "name/" so that the walk yields keys in lexicographic order
    sortable = [(e.name + "/" if e.is_dir(follow_symlinks=False) else e.name, e) for e in entries]
    for name, entry in sorted(sortable, key=lambda item: item[0]):
        if name.endswith("/"):
            yield from _walk_dir(Path(entry.path), rel + name)
        elif entry.is_file():
            key = rel + name
            try:
                validate_key(key)
            except ValueError:  # a file put there by hand under a name no key can have
                continue
            yield key, Path(entry.path)


def _write_failed(exc: OSError, message: str) -> StorageError:
    """A write error for users: a full disk says so (the caller abandons what it wrote)."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageError("the object store is out of disk space (no space left on device)")
    return StorageError(message)


def _copy(stream: BinaryIO, out: BinaryIO, length: int | None) -> tuple[str, int]:
    digest = hashlib.sha256()
    written = 0
    while length is None or written < length:
        want = WRITE_CHUNK if length is None else min(WRITE_CHUNK, length - written)
        chunk = stream.read(want)
        if not chunk:
            break
        digest.update(chunk)
        out.write(chunk)
        written += len(chunk)
    return digest.hexdigest(), written


def _chunks(f: BinaryIO, chunk_size: int) -> Iterator[bytes]:
    with f:
        while chunk := f.read(chunk_size):
            yield chunk


def _mtime(mtime_ns: int) -> datetime:
    return datetime.fromtimestamp(mtime_ns / 1e9, tz=UTC)
