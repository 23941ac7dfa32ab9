"""Read LAS / LAZ / COPC point clouds into the layer's east-north-up frame, chunk by chunk.

* LAZ is decompressed with laspy's *single-threaded* lazrs backend: the parallel
  backend hangs in forked worker processes and buys nothing on two cores.
* The CRS comes from the header (WKT VLR or GeoTIFF keys, through laspy) or from
  ``--crs``. A file without one needs ``--crs``; a header CRS that contradicts the
  coordinates (degrees out of range, a geocentric label on map coordinates, a
  bounding box outside the CRS's area of use) is an error unless ``--crs`` overrides it.
* Heights: z is scaled to metres by the vertical (else horizontal) axis unit and taken
  as height above the ellipsoid, as every other layer of twin does (no geoid grid).
* :func:`read_points` streams the file in chunks (bounded memory while reading) and
  keeps only the compact columns the tiler needs: float32 ENU offsets from the frame
  origin (sub-millimetre within 10 km), 8-bit sRGB colour, intensity, classification.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import laspy
import numpy as np
import numpy.typing as npt
from laspy.errors import LaspyException
from pyproj import CRS, Transformer

from tiles.geodesy import EnuFrame, geodetic_to_ecef
from twin.errors import CRSError, IngestError, TwinError
from twin.readers.crs import crs_label, parse_crs

CHUNK_POINTS = 500_000
TRANSFORM_THREADS = 2
F64 = npt.NDArray[np.float64]
#: how far (degrees) the data may reach beyond the CRS's declared area of use
AREA_MARGIN_DEG = 1.0


@dataclass(frozen=True)
class PointCloudHeader:
    """What the header says, checked: CRS, extent, frame; no point read yet."""

    path: Path
    label: str
    crs: CRS
    crs_label: str
    crs_source: str  # "header" | "cli"
    point_count: int
    point_format: int
    has_rgb: bool
    mins: tuple[float, float, float]  # source units
    maxs: tuple[float, float, float]
    z_factor: float  # source z unit -> metres
    frame: EnuFrame
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class PointArrays:
    """Every point of a file, column-wise, in the header's ENU frame."""

    positions: npt.NDArray[np.float32]  # (n, 3) east, north, up offsets from the frame origin
    colors: npt.NDArray[np.uint16] | None  # (n, 3) sRGB as stored in the file
    intensity: npt.NDArray[np.uint16]
    classification: npt.NDArray[np.uint8]
    #: LAS colours are 16-bit, but many writers store 8-bit values unscaled (max <= 255)
    colors_16bit: bool = False

    def __len__(self) -> int:
        return len(self.intensity)

    def colors_8bit(self, rows: npt.NDArray[np.int64]) -> npt.NDArray[np.uint8] | None:
        """sRGB 0-255 of the given points, whichever way the file stored them."""
        if self.colors is None:
            return None
        c = self.colors[rows]
        if self.colors_16bit:
            return ((c.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)
        return c.astype(np.uint8)


def open_pointcloud(path: Path, crs_text: str | None = None) -> PointCloudHeader:
    """Read and check the header; ``crs_text`` (``--crs``) overrides the file's CRS."""
    if not path.is_file():
        raise IngestError(f"point cloud not found: {path.name}")
    try:
        with laspy.open(path, laz_backend=laspy.LazBackend.Lazrs) as reader:
            header = reader.header
            try:
                file_crs = header.parse_crs()
            except (LaspyException, ValueError) as exc:
                file_crs = None
                bad_crs: str | None = str(exc).splitlines()[0][:200]
            else:
                bad_crs = None
    except (LaspyException, OSError, ValueError) as exc:
        raise IngestError(f"{path.name}: not a readable LAS/LAZ file ({exc})") from exc
    mins = tuple(float(v) for v in header.mins)
    maxs = tuple(float(v) for v in header.maxs)
    count = int(header.point_count)
    if count == 0:
        raise IngestError(f"{path.name}: the file holds no points")
    if not all(np.isfinite(mins + maxs)):
        raise IngestError(f"{path.name}: the header's bounding box is not finite")
    warnings: list[str] = []
    if crs_text is not None:
        crs, source = parse_crs(crs_text), "cli"
        if file_crs is not None:
            problem = _contradiction(file_crs, mins, maxs)
            if problem:
                warnings.append(f"the header CRS ({_short(file_crs)}) was ignored: {problem}")
            elif not file_crs.equals(crs, ignore_axis_order=True):
                warnings.append(
                    f"--crs {crs_label(crs)} overrides the header CRS {_short(file_crs)}"
                )
    elif file_crs is None:
        why = f" (its CRS records are not understood: {bad_crs})" if bad_crs else ""
        raise CRSError(
            f"{path.name} has no coordinate reference system{why}: "
            "pass --crs, e.g. --crs EPSG:28992"
        )
    else:
        crs, source = file_crs, "header"
    problem = _contradiction(crs, mins, maxs)
    if problem:
        whose = "the header CRS" if source == "header" else "--crs"
        hint = " (pass --crs to override it)" if source == "header" else ""
        raise CRSError(
            f"{path.name}: {whose} {_short(crs)} contradicts the coordinates: {problem}{hint}"
        )
    horizontal, z_factor = _split(crs)
    to_lonlat = Transformer.from_crs(horizontal, "EPSG:4326", always_xy=True)
    lon, lat = to_lonlat.transform((mins[0] + maxs[0]) / 2, (mins[1] + maxs[1]) / 2)
    frame = EnuFrame(float(lon), float(lat), float(mins[2]) * z_factor)
    names = set(header.point_format.dimension_names)
    return PointCloudHeader(
        path=path,
        label=path.name,
        crs=crs,
        crs_label=crs_label(crs),
        crs_source=source,
        point_count=count,
        point_format=int(header.point_format.id),
        has_rgb={"red", "green", "blue"} <= names,
        mins=mins,  # type: ignore[arg-type]
        maxs=maxs,  # type: ignore[arg-type]
        z_factor=z_factor,
        frame=frame,
        warnings=tuple(warnings),
    )


def read_points(
    head: PointCloudHeader,
    *,
    chunk_points: int = CHUNK_POINTS,
    progress: Callable[[int], None] | None = None,
) -> PointArrays:
    """Stream every point into compact columns; a short or corrupt file is an ``IngestError``."""
    n = head.point_count
    pos = np.empty((n, 3), dtype=np.float32)
    rgb16 = np.empty((n, 3), dtype=np.uint16) if head.has_rgb else None
    intensity = np.empty(n, dtype=np.uint16)
    classification = np.empty(n, dtype=np.uint8)
    horizontal, _ = _split(head.crs)
    local = threading.local()  # a pyproj Transformer is not thread-safe: one per thread

    def place(sl: slice, x: F64, y: F64, z: F64) -> None:
        if not hasattr(local, "to_lonlat"):
            local.to_lonlat = Transformer.from_crs(horizontal, "EPSG:4326", always_xy=True)
        pos[sl] = _to_enu(x, y, z * head.z_factor, head.frame, local.to_lonlat)

    done = 0
    # decompression (this thread) overlaps the projection (pyproj and numpy release the GIL)
    with ThreadPoolExecutor(max_workers=TRANSFORM_THREADS) as pool:
        pending: list[Future[None]] = []
        try:
            for chunk in _chunks(head.path, chunk_points):
                k = len(chunk)
                if done + k > n:
                    raise IngestError(f"{head.label}: more points than the header's {n}")
                sl = slice(done, done + k)
                xyz = (np.asarray(chunk.x), np.asarray(chunk.y), np.asarray(chunk.z))
                pending.append(pool.submit(place, sl, *xyz))
                intensity[sl] = chunk.intensity
                classification[sl] = chunk.classification
                if rgb16 is not None:
                    rgb16[sl, 0], rgb16[sl, 1], rgb16[sl, 2] = chunk.red, chunk.green, chunk.blue
                del chunk, xyz
                done += k
                while len(pending) > TRANSFORM_THREADS:
                    pending.pop(0).result()
                if progress is not None:
                    progress(done)
            while pending:
                pending.pop(0).result()
        except TwinError:
            raise
        except (LaspyException, OSError, ValueError, RuntimeError) as exc:
            for f in pending:
                f.cancel()
            msg = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
            raise IngestError(f"{head.label}: the file is corrupt or truncated ({msg})") from exc
    if done != n:
        raise IngestError(
            f"{head.label}: the file is truncated: {done} points read, the header says {n}"
        )
    if not np.isfinite(pos).all():
        raise IngestError(f"{head.label}: some points could not be placed with {head.crs_label}")
    wide = rgb16 is not None and int(rgb16.max()) > 255
    return PointArrays(pos, rgb16, intensity, classification, colors_16bit=wide)


def _chunks(path: Path, chunk_points: int) -> Iterator[laspy.ScaleAwarePointRecord]:
    with laspy.open(path, laz_backend=laspy.LazBackend.Lazrs) as reader:
        yield from reader.chunk_iterator(chunk_points)


def _to_enu(x: F64, y: F64, h: F64, frame: EnuFrame, to_lonlat: Transformer) -> F64:
    lon, lat = to_lonlat.transform(x, y)
    return frame.from_ecef(geodetic_to_ecef(np.asarray(lon), np.asarray(lat), h))


def _split(crs: CRS) -> tuple[CRS, float]:
    """The horizontal CRS and the factor from z units to metres."""
    if crs.is_compound:
        horizontal, vertical = crs.sub_crs_list[0], crs.sub_crs_list[-1]
        return horizontal, float(vertical.axis_info[0].unit_conversion_factor)
    if crs.is_projected and crs.axis_info:
        return crs, float(crs.axis_info[0].unit_conversion_factor)
    if len(crs.axis_info) >= 3:
        return crs, float(crs.axis_info[2].unit_conversion_factor)
    return crs, 1.0


def _contradiction(crs: CRS, mins: tuple[float, ...], maxs: tuple[float, ...]) -> str | None:
    """Why the coordinates cannot be in ``crs`` (None when they plausibly are)."""
    if crs.is_geocentric:
        return "it is geocentric (earth-centred x, y, z) but the points are map coordinates"
    horizontal, _ = _split(crs)
    if horizontal.is_geographic:
        if not (mins[0] >= -180 and maxs[0] <= 360 and mins[1] >= -90 and maxs[1] <= 90):
            return (
                f"it is geographic (degrees) but x spans {mins[0]:.1f}..{maxs[0]:.1f} and "
                f"y {mins[1]:.1f}..{maxs[1]:.1f}, which look like projected units"
            )
        lons, lats = np.array([mins[0], maxs[0]]), np.array([mins[1], maxs[1]])
    else:
        to_lonlat = Transformer.from_crs(horizontal, "EPSG:4326", always_xy=True)
        xs = np.array([mins[0], maxs[0], mins[0], maxs[0]])
        ys = np.array([mins[1], mins[1], maxs[1], maxs[1]])
        lons, lats = to_lonlat.transform(xs, ys)
        if not (np.isfinite(lons).all() and np.isfinite(lats).all()):
            return "the bounding box cannot be projected to longitude/latitude"
    area = crs.area_of_use
    if area is not None:
        m = AREA_MARGIN_DEG
        west, east = area.west, area.east if area.east >= area.west else area.east + 360
        lon_ok = all(west - m <= (v if v >= west - m else v + 360) <= east + m for v in lons)
        lat_ok = all(area.south - m <= v <= area.north + m for v in lats)
        if not (lon_ok and lat_ok):
            return (
                f"the points (lon {float(np.min(lons)):.3f}..{float(np.max(lons)):.3f}, "
                f"lat {float(np.min(lats)):.3f}..{float(np.max(lats)):.3f}) lie outside its "
                f"area of use ({area.name})"
            )
    return None


def _short(crs: CRS) -> str:
    label = crs_label(crs)
    return label if len(label) < 80 else repr(crs.name)
