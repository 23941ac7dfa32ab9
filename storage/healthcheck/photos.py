"""Photos of problems and projects in the object store:
``healthcheck/{problems|projects}/{id}/photos/{name}``.

A photo is a JPEG, PNG or WebP image (recognised by its first bytes, not its name) no
larger than ``healthcheck.max_photo_mb``; its name is a plain file name whose extension
matches the image type.
"""

from __future__ import annotations

import re
import uuid
from typing import Literal

from twin.errors import InvalidInputError

Kind = Literal["problems", "projects"]
KINDS: tuple[Kind, ...] = ("problems", "projects")
_NAME = re.compile(r"^[0-9A-Za-z\u4e00-\u9fff][0-9A-Za-z\u4e00-\u9fff_.()-]{0,119}$")
_TYPES = {
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    "image/webp": (".webp",),
}


def sniff(data: bytes) -> str | None:
    """The image type of ``data`` from its magic bytes, or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_name(name: str) -> str:
    """``name`` if it is a plain photo file name (no path, no '..'), else 400."""
    if not _NAME.match(name) or ".." in name:
        raise InvalidInputError(
            f"photo name {name[:60]!r} is not allowed: letters, digits, '_', '-', '.', no path",
            column="file",
        )
    return name


def content_type_of(name: str) -> str:
    lower = name.lower()
    for content_type, extensions in _TYPES.items():
        if lower.endswith(extensions):
            return content_type
    raise InvalidInputError(f"photo {name[:60]!r}: the name must end in .jpg, .png or .webp")


def check_photo(name: str, data: bytes, max_mb: int) -> tuple[str, str]:
    """The stored name (unique) and content type of an uploaded photo, or 400."""
    check_name(name)
    if len(data) > max_mb * 1024 * 1024:
        raise InvalidInputError(f"photo {name!r} is larger than {max_mb} MB", column="file")
    found = sniff(data)
    if found is None:
        raise InvalidInputError(f"photo {name!r} is not a JPEG, PNG or WebP image", column="file")
    if content_type_of(name) != found:
        raise InvalidInputError(
            f"photo {name!r}: the name's extension does not match the image ({found})",
            column="file",
        )
    stored = f"{uuid.uuid4().hex[:8]}-{name}"
    return stored, found


def photo_key(kind: Kind, item_id: str, name: str) -> str:
    if kind not in KINDS:
        raise InvalidInputError(f"photos belong to problems or projects, not {kind!r}")
    return f"healthcheck/{kind}/{item_id}/photos/{check_name(name)}"
