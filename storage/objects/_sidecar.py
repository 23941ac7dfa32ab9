"""Metadata sidecars of the local object store.

The bytes of key ``a/b.glb`` live in ``ROOT/a/b.glb``; its metadata (content
type, content encoding, ETag) lives in a small JSON file under
``ROOT/.twin-meta/``, named by the SHA-256 of the key. Key segments may not
start with ``.twin-`` (see ``storage.objects.keys``), so neither the metadata
tree nor the temporary files of writers can collide with a valid key, and a
listing of the data tree skips them by name.

A sidecar records the identity of the data file it describes (inode, size,
mtime in ns). Data and sidecar are replaced one after the other, so a reader
can find a sidecar that belongs to an older version (a writer killed between
the two renames, or a tree restored by a tool that does not keep inodes); such a
sidecar is detected, the ETag is recomputed from the bytes and the sidecar is
repaired.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

from storage.objects.keys import RESERVED_SEGMENT_PREFIX

META_DIR = RESERVED_SEGMENT_PREFIX + "meta"
TMP_PREFIX = RESERVED_SEGMENT_PREFIX + "tmp-"
HASH_CHUNK = 1 << 20


class SidecarJSON(TypedDict):
    v: int
    key: str
    ino: int
    size: int
    mtime_ns: int
    etag: str
    content_type: str
    content_encoding: str | None


@dataclass(frozen=True)
class Identity:
    """What distinguishes one version of a data file from the next."""

    ino: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, st: os.stat_result) -> Identity:
        return cls(ino=st.st_ino, size=st.st_size, mtime_ns=st.st_mtime_ns)


def sidecar_path(root: Path, key: str) -> Path:
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
    return root / META_DIR / digest[:2] / f"{digest}.json"


def temp_name() -> str:
    return TMP_PREFIX + secrets.token_hex(8)


def read_sidecar(root: Path, key: str) -> SidecarJSON | None:
    """The sidecar of ``key``, or None when it is missing or unreadable."""
    try:
        raw = json.loads(sidecar_path(root, key).read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(raw, dict) or raw.get("v") != 1 or raw.get("key") != key:
        return None
    ints = ("ino", "size", "mtime_ns")
    if not all(isinstance(raw.get(name), int) for name in ints):
        return None
    if not isinstance(raw.get("etag"), str) or not isinstance(raw.get("content_type"), str):
        return None
    encoding = raw.get("content_encoding")
    if encoding is not None and not isinstance(encoding, str):
        return None
    return SidecarJSON(
        v=1,
        key=key,
        ino=raw["ino"],
        size=raw["size"],
        mtime_ns=raw["mtime_ns"],
        etag=raw["etag"],
        content_type=raw["content_type"],
        content_encoding=encoding,
    )


def matches(meta: SidecarJSON, identity: Identity) -> bool:
    return (meta["ino"], meta["size"], meta["mtime_ns"]) == (
        identity.ino,
        identity.size,
        identity.mtime_ns,
    )


def write_sidecar(
    root: Path,
    key: str,
    identity: Identity,
    *,
    etag: str,
    content_type: str,
    content_encoding: str | None,
) -> None:
    """Atomically write the sidecar of ``key`` (temporary file + rename)."""
    meta = SidecarJSON(
        v=1,
        key=key,
        ino=identity.ino,
        size=identity.size,
        mtime_ns=identity.mtime_ns,
        etag=etag,
        content_type=content_type,
        content_encoding=content_encoding,
    )
    path = sidecar_path(root, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / temp_name()
    try:
        tmp.write_bytes(json.dumps(meta, separators=(",", ":")).encode("utf-8"))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def remove_sidecar(root: Path, key: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        sidecar_path(root, key).unlink()


def hash_open_file(fd: int) -> tuple[str, Identity]:
    """SHA-256 hex of the bytes behind ``fd`` and the identity of that file."""
    identity = Identity.of(os.fstat(fd))
    digest = hashlib.sha256()
    os.lseek(fd, 0, os.SEEK_SET)
    while chunk := os.read(fd, HASH_CHUNK):
        digest.update(chunk)
    return digest.hexdigest(), identity
