"""Uploaded files spooled to disk with a size limit (never held whole in memory)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from fastapi import UploadFile

from twin.errors import InvalidInputError, TwinError

CHUNK = 1 << 20


class TooLargeError(TwinError):
    code = "too_large"
    http_status = 413
    default_message = "the upload is too large"


async def spool(upload: UploadFile, folder: Path, name: str, max_bytes: int) -> Path:
    """Write ``upload`` to ``folder/name``; 413 beyond ``max_bytes``."""
    target = folder / name
    written = 0
    with target.open("wb") as out:
        while chunk := await upload.read(CHUNK):
            written += len(chunk)
            if written > max_bytes:
                raise TooLargeError(f"{name}: larger than {max_bytes // (1 << 20)} MB")
            out.write(chunk)
    if written == 0:
        raise InvalidInputError(f"{name}: the uploaded file is empty")
    return target


def work_dir(parent: Path) -> Path:
    parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="twin-upload-", dir=parent))


def remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
