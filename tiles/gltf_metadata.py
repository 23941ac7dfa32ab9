"""Feature properties of a tile as an EXT_structural_metadata property table.

Type mapping (one class property per column; the binary layout is the 3D Metadata
"binary table format", little-endian):

* ``string``  -> ``STRING`` (UTF-8 bytes + UINT32 offsets; UINT64 past 4 GiB);
* ``integer`` -> ``SCALAR INT32`` when every value fits, else ``INT64``; a value
  beyond INT64 turns the column into ``STRING`` holding the decimal digits;
* ``number``  -> ``SCALAR FLOAT64``;
* ``boolean`` -> ``BOOLEAN`` (bitstream, least significant bit first). The
  metadata spec allows no ``noData`` for booleans, so a boolean column with nulls
  is written as ``STRING`` ``"true"`` / ``"false"`` with ``""`` as no data.

Nulls: ``None`` and float NaN are null. Every column but ``id`` is declared
``required: false`` with a ``noData`` sentinel: ``""`` (string), INT32 / INT64
minimum (integer: the real values never include it, the type widens instead),
:data:`FLOAT64_NO_DATA` (number; infinities count as null too, since glTF
forbids non-finite values). ``id`` is ``required: true`` and may not be null.

Property IDs must match ``^[a-zA-Z_][a-zA-Z0-9_]*$``; :func:`property_id` maps
any column name onto one deterministically, and the original name is kept in
the class property's ``name``.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from twin.errors import InvalidInputError

INT32_NO_DATA = -(2**31)
INT64_NO_DATA = -(2**63)
#: ``noData`` of FLOAT64 properties: the most negative finite double
FLOAT64_NO_DATA = -1.7976931348623157e308

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_NOT_IDENTIFIER_CHARS = re.compile(r"[^A-Za-z0-9_]+")


@dataclass(frozen=True)
class PropertyColumn:
    type: Literal["string", "integer", "number", "boolean"]
    values: Sequence[Any]  # len == feature count; None means no data


@dataclass(frozen=True)
class PropertyTable:
    class_name: str  # e.g. "building"
    columns: Mapping[str, PropertyColumn]  # must include "id" (string, the stable feature id)
    count: int


@dataclass(frozen=True)
class EncodedColumn:
    """One class property: its JSON definition and its binary buffer views."""

    property_id: str
    definition: dict[str, Any]
    values: bytes
    string_offsets: bytes | None = None
    string_offset_type: Literal["UINT32", "UINT64"] = "UINT32"


def property_id(name: str) -> str:
    """A valid metadata identifier for ``name``; the same name always gives the same ID.

    Valid identifiers are kept. Others keep their ASCII letters and digits
    (other runs become ``_``) plus 8 hex digits of a hash of the whole name, so
    two names that differ only in non-ASCII characters (e.g. Chinese) stay apart.
    """
    if _IDENTIFIER.match(name):
        return name
    stem = _NOT_IDENTIFIER_CHARS.sub("_", name).strip("_")
    digest = hashlib.blake2s(name.encode("utf-8"), digest_size=4).hexdigest()
    if not stem or stem[0].isdigit():
        stem = "p_" + stem if stem else "p"
    return f"{stem}_{digest}"


def encode_table(table: PropertyTable) -> list[EncodedColumn]:
    """Encode every column of ``table`` (``id`` first), checking lengths and types."""
    if table.count < 1:
        raise InvalidInputError("a property table needs at least one feature")
    id_col = table.columns.get("id")
    if id_col is None or id_col.type != "string":
        raise InvalidInputError("the property table needs a string column 'id'")
    names = ["id", *(n for n in table.columns if n != "id")]
    out: list[EncodedColumn] = []
    seen: dict[str, str] = {}
    for name in names:
        col = table.columns[name]
        if len(col.values) != table.count:
            raise InvalidInputError(
                f"column {name!r} has {len(col.values)} values, not {table.count}"
            )
        pid = property_id(name)
        if pid in seen:
            raise InvalidInputError(f"columns {seen[pid]!r} and {name!r} map to the same property")
        seen[pid] = name
        out.append(_encode_column(pid, name, col, required=name == "id"))
    return out


def _encode_column(pid: str, name: str, col: PropertyColumn, *, required: bool) -> EncodedColumn:
    if col.type == "string":
        return _strings(pid, name, col.values, required=required)
    if required:
        raise InvalidInputError("the 'id' column must hold strings")
    if col.type == "integer":
        return _integers(pid, name, col.values)
    if col.type == "number":
        return _numbers(pid, name, col.values)
    if col.type == "boolean":
        return _booleans(pid, name, col.values)
    raise InvalidInputError(f"column {name!r} has an unknown type")


def _definition(name: str, required: bool, **fields: Any) -> dict[str, Any]:
    d: dict[str, Any] = {"name": name} if name else {}
    d.update(fields)
    d["required"] = required
    return d


def _is_null(v: Any) -> bool:
    return v is None or (isinstance(v, float | np.floating) and math.isnan(v))


def _strings(pid: str, name: str, values: Sequence[Any], *, required: bool) -> EncodedColumn:
    if required and any(_is_null(v) for v in values):
        raise InvalidInputError(f"column {name!r} may not hold nulls")
    texts = ["" if _is_null(v) else v if isinstance(v, str) else str(v) for v in values]
    return _string_column(pid, name, texts, required=required)


def _string_column(pid: str, name: str, texts: Sequence[str], *, required: bool) -> EncodedColumn:
    encoded = [t.encode("utf-8") for t in texts]
    offsets = np.zeros(len(encoded) + 1, dtype=np.uint64)
    np.cumsum(np.fromiter(map(len, encoded), dtype=np.uint64, count=len(encoded)), out=offsets[1:])
    wide = int(offsets[-1]) > 0xFFFFFFFF
    fields: dict[str, Any] = {"type": "STRING"}
    if not required:
        fields["noData"] = ""
    return EncodedColumn(
        property_id=pid,
        definition=_definition(name, required, **fields),
        # a bufferView holds at least one byte, even when every string is empty
        values=b"".join(encoded) or b"\x00",
        string_offsets=offsets.astype("<u8" if wide else "<u4").tobytes(),
        string_offset_type="UINT64" if wide else "UINT32",
    )


def _integers(pid: str, name: str, values: Sequence[Any]) -> EncodedColumn:
    arr = np.asarray(values) if not isinstance(values, np.ndarray) else values
    if arr.dtype.kind in "iub" and arr.ndim == 1:
        ints: list[int] | npt.NDArray[np.int64] = arr.astype(np.int64)
        present = [int(arr.min()), int(arr.max())] if len(arr) else []
        nulls = False
    else:
        py = [None if _is_null(v) else _as_int(name, v) for v in values]
        present = [v for v in py if v is not None]
        nulls = len(present) < len(py)
        ints = [INT64_NO_DATA if v is None else v for v in py]
    lo, hi = (min(present), max(present)) if present else (0, 0)
    if lo > INT32_NO_DATA and hi < 2**31:
        data = np.array(ints, dtype=np.int64)
        if nulls:
            data[data == INT64_NO_DATA] = INT32_NO_DATA
        return EncodedColumn(
            property_id=pid,
            definition=_definition(
                name, False, type="SCALAR", componentType="INT32", noData=INT32_NO_DATA
            ),
            values=data.astype("<i4").tobytes(),
        )
    if lo > INT64_NO_DATA and hi < 2**63:
        return EncodedColumn(
            property_id=pid,
            definition=_definition(
                name, False, type="SCALAR", componentType="INT64", noData=INT64_NO_DATA
            ),
            values=np.array(ints, dtype="<i8").tobytes(),
        )
    texts = ["" if _is_null(v) else str(_as_int(name, v)) for v in values]
    return _string_column(pid, name, texts, required=False)


def _as_int(name: str, v: Any) -> int:
    if isinstance(v, int | np.integer):
        return int(v)
    if isinstance(v, float | np.floating) and float(v).is_integer():
        return int(v)
    raise InvalidInputError(f"column {name!r} holds a value that is not an integer")


def _numbers(pid: str, name: str, values: Sequence[Any]) -> EncodedColumn:
    try:
        data = np.array(values, dtype="<f8")  # None becomes NaN
    except (TypeError, ValueError):
        raise InvalidInputError(f"column {name!r} holds a value that is not a number") from None
    if data.shape != (len(values),):
        raise InvalidInputError(f"column {name!r} holds a value that is not a number")
    data[~np.isfinite(data)] = FLOAT64_NO_DATA
    return EncodedColumn(
        property_id=pid,
        definition=_definition(
            name, False, type="SCALAR", componentType="FLOAT64", noData=FLOAT64_NO_DATA
        ),
        values=data.tobytes(),
    )


def _booleans(pid: str, name: str, values: Sequence[Any]) -> EncodedColumn:
    flags = [None if _is_null(v) else _as_bool(name, v) for v in values]
    if any(f is None for f in flags):
        texts = ["" if f is None else "true" if f else "false" for f in flags]
        return _string_column(pid, name, texts, required=False)
    bits = np.packbits(np.array(flags, dtype=bool), bitorder="little")
    return EncodedColumn(
        property_id=pid,
        definition=_definition(name, False, type="BOOLEAN"),
        values=bits.tobytes(),
    )


def _as_bool(name: str, v: Any) -> bool:
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, int | np.integer) and int(v) in (0, 1):
        return bool(v)
    raise InvalidInputError(f"column {name!r} holds a value that is not a boolean")
