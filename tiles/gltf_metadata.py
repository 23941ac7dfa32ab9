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
    if _IDENTIFIER.fullmatch(name):
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


_NONE = type(None)


def _strings(pid: str, name: str, values: Sequence[Any], *, required: bool) -> EncodedColumn:
    types = set(map(type, values))
    if types <= {str}:
        texts: list[str] = list(values)
    elif types <= {str, _NONE} and not required:
        texts = ["" if v is None else v for v in values]
    else:
        if required and any(map(_is_null, values)):
            raise InvalidInputError(f"column {name!r} may not hold nulls")
        texts = ["" if _is_null(v) else v if isinstance(v, str) else str(v) for v in values]
    return _string_column(pid, name, texts, required=required)


def _string_column(pid: str, name: str, texts: list[str], *, required: bool) -> EncodedColumn:
    joined = "".join(texts)
    if joined.isascii():  # one byte per character: no need to encode one by one
        data, lengths = joined.encode("ascii"), map(len, texts)
    else:
        encoded = [t.encode("utf-8") for t in texts]
        data, lengths = b"".join(encoded), map(len, encoded)
    offsets = np.zeros(len(texts) + 1, dtype=np.uint64)
    np.cumsum(np.fromiter(lengths, dtype=np.uint64, count=len(texts)), out=offsets[1:])
    wide = len(data) > 0xFFFFFFFF
    fields: dict[str, Any] = {"type": "STRING"}
    if not required:
        fields["noData"] = ""
    return EncodedColumn(
        property_id=pid,
        definition=_definition(name, required, **fields),
        # a bufferView holds at least one byte, even when every string is empty
        values=data or b"\x00",
        string_offsets=offsets.astype("<u8" if wide else "<u4").tobytes(),
        string_offset_type="UINT64" if wide else "UINT32",
    )


def _integers(pid: str, name: str, values: Sequence[Any]) -> EncodedColumn:
    ints, nulls = _int_array(name, values)
    present = ints[~nulls] if nulls is not None else ints
    if ints.dtype.kind in "iu" and len(present):
        lo, hi = int(present.min()), int(present.max())
    elif ints.dtype.kind in "iu":
        lo = hi = 0
    else:  # object array of Python ints, some beyond 64 bits
        lo, hi = min(present.tolist(), default=0), max(present.tolist(), default=0)
    if lo > INT32_NO_DATA and hi < 2**31:
        data = ints.astype("<i4")
        if nulls is not None:
            data[nulls] = INT32_NO_DATA
        return EncodedColumn(
            property_id=pid,
            definition=_definition(
                name, False, type="SCALAR", componentType="INT32", noData=INT32_NO_DATA
            ),
            values=data.tobytes(),
        )
    if lo > INT64_NO_DATA and hi < 2**63:
        data = ints.astype("<i8")
        if nulls is not None:
            data[nulls] = INT64_NO_DATA
        return EncodedColumn(
            property_id=pid,
            definition=_definition(
                name, False, type="SCALAR", componentType="INT64", noData=INT64_NO_DATA
            ),
            values=data.tobytes(),
        )
    as_text = [str(v) for v in ints.tolist()]
    if nulls is not None:
        for i in np.flatnonzero(nulls).tolist():
            as_text[i] = ""
    return _string_column(pid, name, as_text, required=False)


def _int_array(
    name: str, values: Sequence[Any]
) -> tuple[npt.NDArray[Any], npt.NDArray[np.bool_] | None]:
    """The values as an integer (or, past 64 bits, object) array, and the null mask."""
    arr = values if isinstance(values, np.ndarray) else None
    if arr is None and set(map(type, values)) <= {int, bool}:
        arr = np.asarray(values)  # int64, or uint64 / object past int64
    if arr is not None and arr.ndim == 1 and arr.dtype.kind in "iub":
        return arr, None
    py = [None if _is_null(v) else _as_int(name, v) for v in values]
    nulls = np.fromiter((v is None for v in py), dtype=bool, count=len(py))
    filled = [0 if v is None else v for v in py]
    try:
        return np.array(filled, dtype=np.int64), nulls
    except OverflowError:
        return np.array(filled, dtype=object), nulls


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
    if set(map(type, values)) <= {bool, np.bool_}:
        flags: list[bool | None] = [bool(v) for v in values]
    else:
        flags = [None if _is_null(v) else _as_bool(name, v) for v in values]
    if None in flags:
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
