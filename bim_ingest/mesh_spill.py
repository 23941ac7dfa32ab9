"""An append-only on-disk store of element meshes, read back tile by tile.

Streaming a large IFC model must not hold every mesh in memory, so each element's
mesh goes to disk as soon as the geometry engine yields it, and the tiler later
reads only the elements of one tile. Four flat files in a private temporary
directory, written sequentially:

* ``positions``: float32 xyz relative to the element's own bounds centre (the
  centre itself is kept in float64 per element: full precision at half the disk);
* ``normals``: int8 xyz, ``round(127 * n)``, renormalised when read;
* ``colors``: uint8 RGBA;
* ``indices``: uint32 triangle corners, local to the element.

Life cycle: ``MeshSpill(directory)`` does no I/O; ``open()`` creates the files;
``append()`` per element; ``finish()`` closes the writers and makes the spill
readable; ``read(rows)``; ``close()`` deletes everything. A finished spill can be
pickled to worker processes on the same machine: the copies read the same files and
never delete them.
"""

from __future__ import annotations

import shutil
import tempfile
from array import array
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

import numpy as np
import numpy.typing as npt

from twin.errors import InvalidInputError

F64 = npt.NDArray[np.float64]
F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint8]
U32 = npt.NDArray[np.uint32]

_STREAMS = {"positions": (np.float32, 3), "normals": (np.int8, 3), "colors": (np.uint8, 4)}
_BUFFER = 1 << 20


@dataclass(frozen=True)
class ElementMeshes:
    """Meshes of some elements, concatenated; ``feature_ids`` is the element's position in
    the requested rows. Positions are ENU metres in float64 (the tiler subtracts its own
    origin); colours are display RGBA 0-255."""

    positions: F64  # (n, 3)
    normals: F32  # (n, 3) unit
    colors: U8  # (n, 4)
    feature_ids: U32  # (n,)
    indices: U32  # (m * 3,) counter-clockwise seen from outside

    @property
    def triangle_count(self) -> int:
        return len(self.indices) // 3


class MeshSpill:
    """Element meshes on disk; one row per appended element, in append order."""

    def __init__(self, directory: Path) -> None:
        self._parent = Path(directory)
        self._dir: Path | None = None
        self._owner = True
        self._writers: dict[str, IO[bytes]] = {}
        self._state = "new"  # new -> writing -> reading -> closed
        self._vertex_total = 0
        self._index_total = 0
        self._vcounts = array("q")
        self._tcounts = array("q")
        self._centres = array("d")
        self._bounds = array("d")
        self._maps: dict[str, npt.NDArray[Any]] | None = None

    # -- life cycle -------------------------------------------------------------------

    def open(self) -> Self:
        if self._state != "new":
            raise InvalidInputError(f"mesh spill cannot be opened: it is {self._state}")
        self._parent.mkdir(parents=True, exist_ok=True)
        self._dir = Path(tempfile.mkdtemp(prefix="mesh-spill-", dir=self._parent))
        for name in (*_STREAMS, "indices"):
            self._writers[name] = (self._dir / name).open("wb", buffering=_BUFFER)
        self._state = "writing"
        return self

    def finish(self) -> None:
        """Close the writers; from now on the spill is read-only."""
        self._require("writing")
        for fh in self._writers.values():
            fh.close()
        self._writers = {}
        self._state = "reading"

    def close(self) -> None:
        """Release the files; the owner (not a pickled copy) deletes them."""
        for fh in self._writers.values():
            fh.close()
        self._writers = {}
        self._maps = None
        if self._owner and self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
        self._state = "closed"

    def __enter__(self) -> Self:
        return self.open() if self._state == "new" else self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __getstate__(self) -> dict[str, Any]:
        self._require("reading")
        state = dict(self.__dict__)
        state.update(_owner=False, _maps=None, _writers={})
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def __len__(self) -> int:
        return len(self._vcounts)

    # -- writing ----------------------------------------------------------------------

    def append(self, positions: F64, normals: npt.NDArray[Any], colors: U8, indices: U32) -> int:
        """Store one element (positions ENU float64, unit normals, RGBA, local triangle
        indices); returns its row."""
        self._require("writing")
        pos = np.asarray(positions, dtype=np.float64).reshape(-1, 3)
        n = len(pos)
        nrm = np.asarray(normals, dtype=np.float64).reshape(-1, 3)
        col = np.asarray(colors, dtype=np.uint8).reshape(-1, 4)
        idx = np.asarray(indices, dtype=np.uint32).reshape(-1)
        if n == 0 or len(nrm) != n or len(col) != n or len(idx) == 0 or len(idx) % 3:
            raise InvalidInputError(
                "an element mesh needs vertices, normals, colours and triangles"
            )
        if int(idx.max()) >= n:
            raise InvalidInputError("an element mesh has a triangle index past its vertices")
        lo, hi = pos.min(axis=0), pos.max(axis=0)
        centre = (lo + hi) / 2.0
        rel = (pos - centre).astype(np.float32)
        # bounds of what read() returns (centre + float32 offsets), so they contain it exactly
        back = centre + rel.astype(np.float64)
        self._write("positions", rel)
        self._write("normals", np.rint(np.clip(nrm, -1.0, 1.0) * 127.0).astype(np.int8))
        self._write("colors", col)
        self._write("indices", idx)
        self._vcounts.append(n)
        self._tcounts.append(len(idx) // 3)
        self._centres.extend(centre.tolist())
        self._bounds.extend([*back.min(axis=0).tolist(), *back.max(axis=0).tolist()])
        self._vertex_total += n
        self._index_total += len(idx)
        return len(self._vcounts) - 1

    def _write(self, name: str, arr: npt.NDArray[Any]) -> None:
        self._writers[name].write(np.ascontiguousarray(arr).data)

    # -- reading ----------------------------------------------------------------------

    @property
    def vertex_counts(self) -> I64:
        return np.frombuffer(self._vcounts, dtype=np.int64).copy()

    @property
    def triangle_counts(self) -> I64:
        return np.frombuffer(self._tcounts, dtype=np.int64).copy()

    @property
    def bounds(self) -> F64:
        """(n, 6): min x, y, z, max x, y, z of each row's vertices as read."""
        return np.frombuffer(self._bounds, dtype=np.float64).reshape(-1, 6).copy()

    def read(self, rows: npt.ArrayLike) -> ElementMeshes:
        """The meshes of ``rows`` concatenated in that order; ``feature_ids`` index ``rows``."""
        self._require("reading")
        r = np.asarray(rows, dtype=np.int64).reshape(-1)
        if len(r) and (int(r.min()) < 0 or int(r.max()) >= len(self)):
            raise InvalidInputError(f"mesh spill has {len(self)} rows; asked for rows outside")
        vcounts = np.frombuffer(self._vcounts, dtype=np.int64)
        tcounts = np.frombuffer(self._tcounts, dtype=np.int64)
        vc, ic = vcounts[r], tcounts[r] * 3
        vsel = _ranges((np.cumsum(vcounts) - vcounts)[r], vc)
        isel = _ranges((np.cumsum(tcounts * 3) - tcounts * 3)[r], ic)
        maps = self._open_maps()
        centres = np.frombuffer(self._centres, dtype=np.float64).reshape(-1, 3)[r]
        positions = maps["positions"][vsel].astype(np.float64) + np.repeat(centres, vc, axis=0)
        normals = maps["normals"][vsel].astype(np.float32)
        normals /= np.linalg.norm(normals, axis=1, keepdims=True)
        base = np.cumsum(vc) - vc  # first output vertex of each requested element
        indices = maps["indices"][isel] + np.repeat(base, ic).astype(np.uint32)
        return ElementMeshes(
            positions=positions,
            normals=normals,
            colors=np.asarray(maps["colors"][vsel], dtype=np.uint8),
            feature_ids=np.repeat(np.arange(len(r), dtype=np.uint32), vc),
            indices=indices.astype(np.uint32, copy=False),
        )

    def _open_maps(self) -> dict[str, npt.NDArray[Any]]:
        if self._maps is None:
            assert self._dir is not None
            maps: dict[str, npt.NDArray[Any]] = {}
            for name, (dtype, width) in _STREAMS.items():
                maps[name] = _map(self._dir / name, dtype, (self._vertex_total, width))
            maps["indices"] = _map(self._dir / "indices", np.uint32, (self._index_total,))
            self._maps = maps
        return self._maps

    def _require(self, state: str) -> None:
        if self._state != state:
            raise InvalidInputError(f"mesh spill is {self._state}, not {state}")


def _map(path: Path, dtype: Any, shape: tuple[int, ...]) -> npt.NDArray[Any]:
    if shape[0] == 0:  # an empty file cannot be memory-mapped
        return np.zeros(shape, dtype=dtype)
    return np.memmap(path, dtype=dtype, mode="r", shape=shape)


def _ranges(starts: I64, counts: I64) -> I64:
    """Concatenated ``arange(s, s + c)`` for each start and count."""
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.cumsum(counts) - counts
    return np.repeat(starts - offsets, counts) + np.arange(total, dtype=np.int64)
