"""Validation of object keys and prefixes, shared by every object store backend.

A key is a '/'-separated relative path such as ``layers/roads/v3/tiles/0/0/0.glb``.
The same rules hold on every backend, so a key valid on the local directory is
valid on S3 and the other way round. Refused, with ``InvalidKeyError``:

* the empty key, keys longer than ``MAX_KEY_BYTES`` bytes of UTF-8, and
  segments longer than ``MAX_SEGMENT_BYTES`` (the file name limit of common
  file systems);
* absolute keys (leading ``/``), trailing ``/``, empty segments (``a//b``);
* ``.`` and ``..`` segments;
* backslashes, NUL and every other control character (Unicode category Cc);
* text that is not encodable as UTF-8 (lone surrogates);
* segments starting with ``RESERVED_SEGMENT_PREFIX`` (``.twin-``): the local
  backend keeps its temporary files and metadata under such names, so a valid
  key can never collide with them.

A prefix is either ``""`` (everything) or a valid key followed by ``/``.
"""

from __future__ import annotations

import unicodedata

from twin.errors import InvalidKeyError

MAX_KEY_BYTES = 1024
MAX_SEGMENT_BYTES = 255
RESERVED_SEGMENT_PREFIX = ".twin-"


def _shown(key: str) -> str:
    """A short, printable rendering of a refused key for error messages."""
    text = ascii(key)
    return text if len(text) <= 80 else text[:77] + "..."


def _refuse(key: str, problem: str) -> InvalidKeyError:
    return InvalidKeyError(f"invalid object key {_shown(key)}: {problem}", problem=problem)


def validate_key(key: str) -> str:
    """Return ``key`` unchanged when it is a valid object key; raise ``InvalidKeyError``."""
    if not isinstance(key, str):
        raise InvalidKeyError("invalid object key: a key must be a string", problem="not a string")
    if not key:
        raise _refuse(key, "the key is empty")
    try:
        size = len(key.encode("utf-8"))
    except UnicodeEncodeError:
        raise _refuse(key, "the key is not valid UTF-8 text") from None
    if size > MAX_KEY_BYTES:
        raise _refuse(key, f"the key is longer than {MAX_KEY_BYTES} bytes")
    if "\\" in key:
        raise _refuse(key, "backslashes are not allowed")
    if any(unicodedata.category(ch) == "Cc" for ch in key):
        raise _refuse(key, "control characters are not allowed")
    if key.startswith("/"):
        raise _refuse(key, "the key must be relative (no leading '/')")
    if key.endswith("/"):
        raise _refuse(key, "the key must not end with '/'")
    for segment in key.split("/"):
        _check_segment(key, segment)
    return key


def _check_segment(key: str, segment: str) -> None:
    if not segment:
        raise _refuse(key, "empty path segments ('//') are not allowed")
    if segment in {".", ".."}:
        raise _refuse(key, "'.' and '..' segments are not allowed")
    if segment.startswith(RESERVED_SEGMENT_PREFIX):
        raise _refuse(key, f"segments starting with {RESERVED_SEGMENT_PREFIX!r} are reserved")
    if len(segment.encode("utf-8")) > MAX_SEGMENT_BYTES:
        raise _refuse(key, f"a path segment is longer than {MAX_SEGMENT_BYTES} bytes")


def validate_prefix(prefix: str) -> str:
    """Return ``prefix`` when it is ``""`` or a valid key followed by ``/``."""
    if not isinstance(prefix, str):
        raise InvalidKeyError("invalid prefix: a prefix must be a string", problem="not a string")
    if prefix == "":
        return prefix
    if not prefix.endswith("/"):
        raise InvalidKeyError(
            f"invalid prefix {_shown(prefix)}: a prefix must be empty or end with '/'",
            problem="the prefix must be empty or end with '/'",
        )
    validate_key(prefix[:-1])
    return prefix
