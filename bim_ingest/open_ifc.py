"""Open an IFC submission (``.ifc`` STEP or ``.ifczip``) and refuse broken files clearly.

ifcopenshell parses a truncated STEP file without complaint (it keeps the
instances it could read), so a submission cut off in transfer would silently
lose elements. The file's framing is checked first: ``ISO-10303-21;`` at the
start, ``END-ISO-10303-21;`` at the end, a DATA section, a known schema.
"""

from __future__ import annotations

import logging
import re
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import ifcopenshell

from twin.errors import IngestError, InvalidInputError

log = logging.getLogger("twin.bim")

SUPPORTED_SCHEMAS = ("IFC2X3", "IFC4", "IFC4X3")
_HEAD = b"ISO-10303-21;"
_TAIL = re.compile(rb"END-ISO-10303-21;\s*\Z")
# A zip bomb guard: an IFC deflates 5-20x; more than 100x beyond 256 MiB is refused, and
# bytes are counted as they inflate (the archive's stated sizes can lie).
MAX_RATIO = 100
RATIO_FREE_BYTES = 256 << 20
MAX_INFLATED_BYTES = 8 << 30
_SCHEMA = re.compile(rb"FILE_SCHEMA\s*\(\s*\(\s*'([^']*)'", re.IGNORECASE)


def open_ifc(path: Path) -> Any:
    """The parsed model (an ``ifcopenshell.file``); ``InvalidInputError`` names what is wrong."""
    if not path.is_file():
        raise InvalidInputError(f"IFC file not found: {path.name}")
    suffix = path.suffix.lower()
    if suffix == ".ifczip":
        return _open_zip(path)
    if suffix != ".ifc":
        raise InvalidInputError(f"{path.name}: not an IFC file (expected .ifc or .ifczip)")
    return _open_step(path, path.name)


def inflate_limit(compressed_bytes: int) -> int:
    return min(MAX_INFLATED_BYTES, max(RATIO_FREE_BYTES, MAX_RATIO * compressed_bytes))


def _bomb(path: Path, limit: int) -> str:
    return (
        f"{path.name}: the archive inflates beyond {limit >> 20} MiB "
        f"(over {MAX_RATIO}x its size): refused as a possible zip bomb"
    )


def _open_zip(path: Path) -> Any:
    try:
        with zipfile.ZipFile(path) as zf:
            members = [n for n in zf.namelist() if n.lower().endswith(".ifc") and "/." not in n]
            if len(members) != 1:
                raise InvalidInputError(
                    f"{path.name}: an .ifczip must hold exactly one .ifc file "
                    f"(found {len(members)})"
                )
            limit = inflate_limit(path.stat().st_size)
            if zf.getinfo(members[0]).file_size > limit:
                raise InvalidInputError(_bomb(path, limit))
            with tempfile.TemporaryDirectory(prefix="twin-ifczip-") as tmp:
                target = Path(tmp) / "model.ifc"
                written = 0
                with zf.open(members[0]) as src, target.open("wb") as dst:
                    while chunk := src.read(1 << 20):
                        written += len(chunk)
                        if written > limit:
                            raise InvalidInputError(_bomb(path, limit))
                        dst.write(chunk)
                return _open_step(target, f"{path.name}!{Path(members[0]).name}")
    except zipfile.BadZipFile:
        raise InvalidInputError(f"{path.name}: not a readable zip archive") from None
    except (OSError, EOFError) as exc:
        raise InvalidInputError(f"{path.name}: the archive is damaged ({exc})") from None


def check_step_framing(path: Path, label: str) -> str:
    """The FILE_SCHEMA of a STEP file whose header and ending are intact."""
    size = path.stat().st_size
    with path.open("rb") as f:
        head = f.read(8192)
        f.seek(max(0, size - 4096))
        tail = f.read()
    if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(_HEAD):
        raise InvalidInputError(f"{label}: not an IFC STEP file (no ISO-10303-21 header)")
    if not _TAIL.search(tail):
        raise InvalidInputError(
            f"{label}: the file is truncated or damaged (it does not end with END-ISO-10303-21;)"
        )
    match = _SCHEMA.search(head)
    if match is None:
        raise InvalidInputError(f"{label}: the header names no FILE_SCHEMA")
    schema = match.group(1).decode("ascii", "replace").upper()
    if not schema.startswith(SUPPORTED_SCHEMAS):
        raise InvalidInputError(
            f"{label}: IFC schema {schema[:40]!r} is not supported "
            f"(supported: {', '.join(SUPPORTED_SCHEMAS)})"
        )
    return schema


def _open_step(path: Path, label: str) -> Any:
    check_step_framing(path, label)
    try:
        model = ifcopenshell.open(str(path))
    except ifcopenshell.Error as exc:
        raise InvalidInputError(
            f"{label}: the IFC file cannot be parsed ({_first_line(exc)})"
        ) from None
    except (OSError, RuntimeError, ValueError) as exc:
        raise IngestError(f"{label}: the IFC file cannot be read ({_first_line(exc)})") from None
    if not model.by_type("IfcProject"):
        raise InvalidInputError(f"{label}: the model has no IfcProject")
    log.info(
        "ifc opened", extra={"file": label, "schema": model.schema, "size": path.stat().st_size}
    )
    return model


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
