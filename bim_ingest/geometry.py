"""Stream element meshes out of an IFC model into a :class:`MeshSpill`.

ifcopenshell's geometry iterator triangulates the elements on ``threads`` cores
(in the model's engineering coordinates, metres, without IfcMapConversion); each
element is transformed by the given 4x4 affine into ENU metres, coloured from its
face styles, cleaned (degenerate triangles dropped, vertices split where faces of
different styles meet) and appended to the spill at once, so memory stays bounded
by the largest element, not the model.

Iterator choices (ifcopenshell 0.9):

* ``exclude=["IfcFeatureElementSubtraction"]``: openings and voiding features are
  voids, not things; IfcSpace is included (0.9 iterates spaces by default) and is
  always drawn translucent (alpha at most :data:`SPACE_ALPHA`).
* ``weld-vertices`` off: only then does the iterator return normals (one per
  vertex, faces not welded), which is what a flat-shaded BIM view needs anyway.
* ``apply-default-materials`` off: unstyled faces come back with material -1 and get
  this module's per-class colour (:data:`DEFAULT_COLOURS`).
* the ``hybrid-cgal-simple-opencascade`` kernel: CGAL for what it handles, Open
  CASCADE for the rest; 2.5-10x faster than Open CASCADE alone on the sample models
  with the same elements and bounds (curved surfaces get fewer triangles).
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

import ifcopenshell
import ifcopenshell.geom
import numpy as np
import numpy.typing as npt

from bim_ingest.mesh_spill import MeshSpill
from twin.errors import IngestError, InvalidInputError

log = logging.getLogger("twin.bim")

F64 = npt.NDArray[np.float64]
F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint8]
U32 = npt.NDArray[np.uint32]
RGBA = tuple[int, int, int, int]

GEOMETRY_LIBRARY: Final = "hybrid-cgal-simple-opencascade"
EXCLUDED_CLASSES = ("IfcFeatureElementSubtraction",)
BODY_IDENTIFIERS = frozenset({"body", "facetation"})
SPACE_ALPHA = 40
GLASS: RGBA = (173, 204, 224, 90)

#: colour of unstyled faces, by IFC class; a subclass uses its nearest listed supertype
DEFAULT_COLOURS: dict[str, RGBA] = {
    "IfcProduct": (190, 190, 190, 255),
    "IfcWall": (222, 222, 218, 255),
    "IfcCurtainWall": GLASS,
    "IfcSlab": (165, 165, 165, 255),
    "IfcRoof": (140, 50, 40, 255),
    "IfcCovering": (232, 230, 224, 255),
    "IfcWindow": GLASS,
    "IfcPlate": GLASS,
    "IfcDoor": (140, 95, 60, 255),
    "IfcSpace": (200, 225, 245, SPACE_ALPHA),
    "IfcRailing": (75, 75, 80, 255),
    "IfcMember": (85, 85, 90, 255),
    "IfcBeam": (150, 140, 130, 255),
    "IfcColumn": (175, 170, 165, 255),
    "IfcStair": (180, 175, 165, 255),
    "IfcStairFlight": (180, 175, 165, 255),
    "IfcRamp": (180, 175, 165, 255),
    "IfcRampFlight": (180, 175, 165, 255),
    "IfcFooting": (130, 130, 125, 255),
    "IfcPile": (130, 130, 125, 255),
    "IfcFurnishingElement": (180, 140, 95, 255),
    "IfcDistributionElement": (120, 160, 190, 255),
    "IfcFlowTerminal": (235, 235, 235, 255),
    "IfcTransportElement": (110, 110, 120, 255),
    "IfcSite": (125, 150, 95, 255),
    "IfcGeographicElement": (110, 150, 80, 255),
    "IfcBuildingElementProxy": (200, 185, 160, 255),
}

_REF = re.compile(r"#(\d+)\s*=\s*(\w+)")
_MAX_REASON = 300
_DEGENERATE = 1e-12  # |cross product| (twice the area, m²) at or below which a triangle is dropped
_NO_MESH = "geometry could not be triangulated"
_NO_TRIANGLES = "the body representation has no surface to show"


@dataclass(frozen=True)
class GeometryFailure:
    global_id: str
    ifc_class: str
    message: str  # user-safe reason


@dataclass(frozen=True)
class SpilledGeometry:
    """Column-wise, one row per element that has a mesh, in spill order."""

    global_ids: tuple[str, ...]
    ifc_classes: tuple[str, ...]
    bounds: F64  # (n, 6) min x, y, z, max x, y, z in ENU metres after the transform
    vertex_counts: I64  # (n,)
    triangle_counts: I64  # (n,)
    failures: tuple[GeometryFailure, ...]  # elements with a body representation and no mesh
    spill: MeshSpill


def stream_geometry(
    model: ifcopenshell.file,
    *,
    matrix: F64,
    spill_dir: Path,
    threads: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SpilledGeometry:
    """Triangulate every element with a body into a new spill under ``spill_dir``.

    ``matrix``: row-major 4x4, model metres -> ENU metres. The caller closes
    ``result.spill``. ``IngestError`` when the geometry engine cannot start or no
    element at all yields geometry.
    """
    transform = Transform.from_matrix(matrix)
    n_threads = (os.cpu_count() or 1) if threads is None else threads
    if n_threads < 1:
        raise InvalidInputError(f"threads must be at least 1 (got {threads})")
    started = time.perf_counter()
    expected = _body_elements(model)
    logger: Any = ifcopenshell.ifcopenshell_wrapper.logger()
    logger.output_format(logger.FMT_INMEMORY)
    logger.verbosity(logger.LOG_ERROR)
    spill = MeshSpill(spill_dir).open()
    try:
        it = _start(model, n_threads, logger, len(expected))
        drained = _drain(it, model.schema_identifier, transform, spill, len(expected), progress)
        spill.finish()
    except BaseException:
        spill.close()
        raise
    missing = set(expected) - drained.seen
    failures = _failures(model, sorted(missing), drained.empty, logger.log_messages())
    log.info(
        "triangulated %d elements (%d triangles, %d without a mesh) on %d threads in %.1f s",
        len(spill),
        int(spill.triangle_counts.sum()),
        len(failures),
        n_threads,
        time.perf_counter() - started,
    )
    return SpilledGeometry(
        global_ids=tuple(drained.global_ids),
        ifc_classes=tuple(drained.classes),
        bounds=spill.bounds,
        vertex_counts=spill.vertex_counts,
        triangle_counts=spill.triangle_counts,
        failures=failures,
        spill=spill,
    )


def _start(model: ifcopenshell.file, threads: int, logger: Any, expected: int) -> Any:
    make_settings: Any = ifcopenshell.geom.settings
    settings = make_settings()
    settings.set("use-world-coords", True)
    settings.set("weld-vertices", False)
    settings.set("apply-default-materials", False)
    try:
        it = ifcopenshell.geom.iterator(
            settings,
            model,
            threads,
            exclude=list(EXCLUDED_CLASSES),
            geometry_library=GEOMETRY_LIBRARY,
            logger=logger,
        )
        started = bool(it.initialize())
    except (RuntimeError, ValueError, TypeError) as exc:
        raise IngestError(f"the geometry engine could not start on this model: {exc}") from None
    if started:
        return it
    if expected:
        reason = next(iter(_logged(logger.log_messages()).values()), None)
        raise IngestError(
            f"none of the {expected} elements with a body representation could be "
            "triangulated" + (f" (first error: {reason[1]})" if reason else "")
        )
    return None


@dataclass
class _Drained:
    global_ids: list[str]
    classes: list[str]
    seen: set[int]  # step ids of every element the iterator yielded
    empty: list[int]  # step ids of those without a usable triangle


def _drain(
    it: Any,
    schema: str,
    transform: Transform,
    spill: MeshSpill,
    expected: int,
    progress: Callable[[int, int], None] | None,
) -> _Drained:
    out = _Drained([], [], set(), [])
    reported = -1
    if progress is not None:
        progress(0, expected)
    while it is not None:
        shape = it.get()
        ifc_class = str(shape.type)
        geometry = shape.geometry
        mesh = element_mesh(geometry, transform, _palette(geometry, schema, ifc_class))
        out.seen.add(int(shape.id))
        if mesh is None:
            out.empty.append(int(shape.id))
        else:
            spill.append(*mesh)
            out.global_ids.append(str(shape.guid))
            out.classes.append(ifc_class)
        done = min(len(out.seen), expected)
        if progress is not None and expected and done * 100 // expected > reported:
            reported = done * 100 // expected
            progress(done, expected)
        if not it.next():
            break
    if progress is not None and reported < 100:
        progress(expected, expected)
    return out


# -- one element ----------------------------------------------------------------------


@dataclass(frozen=True)
class Transform:
    """The affine map model metres -> ENU metres, and what normals and winding need."""

    linear: F64  # (3, 3)
    offset: F64  # (3,)
    normal: F64  # (3, 3) inverse transpose of ``linear``
    mirrors: bool  # negative determinant: triangles must be flipped to stay counter-clockwise

    @classmethod
    def from_matrix(cls, matrix: npt.ArrayLike) -> Transform:
        m = np.asarray(matrix, dtype=np.float64)
        if m.size == 16:  # also the flat row-major tuple a Georeference keeps
            m = m.reshape(4, 4)
        if m.shape != (4, 4) or not np.isfinite(m).all():
            raise InvalidInputError("the georeferencing matrix must be a finite 4x4 matrix")
        if not np.allclose(m[3], (0.0, 0.0, 0.0, 1.0)):
            raise InvalidInputError("the georeferencing matrix must be affine (last row 0 0 0 1)")
        det = float(np.linalg.det(m[:3, :3]))
        if not abs(det) > 1e-12:
            raise InvalidInputError("the georeferencing matrix is singular")
        linear = m[:3, :3].copy()
        normal = np.asarray(np.linalg.inv(linear).T, dtype=np.float64)
        return cls(linear, m[:3, 3].copy(), normal, det < 0)


def element_mesh(
    geometry: Any, transform: Transform, palette: U8
) -> tuple[F64, F32, U8, U32] | None:
    """One iterator triangulation as ENU positions, unit normals, RGBA colours and local
    indices; ``None`` when no usable triangle is left."""
    verts = np.frombuffer(geometry.verts_buffer, dtype=np.float64).reshape(-1, 3)
    faces = np.frombuffer(geometry.faces_buffer, dtype=np.int32).reshape(-1, 3)
    normals = np.frombuffer(geometry.normals_buffer, dtype=np.float64)
    materials = np.frombuffer(geometry.material_ids_buffer, dtype=np.int32)
    if len(materials) != len(faces):
        materials = np.full(len(faces), -1, dtype=np.int32)
    return clean_mesh(
        verts,
        faces,
        normals.reshape(-1, 3) if normals.size == verts.size else None,
        materials,
        palette,
        transform,
    )


def clean_mesh(
    verts: F64,
    faces: npt.NDArray[np.int32],
    normals: F64 | None,
    materials: npt.NDArray[np.int32],
    palette: U8,
    transform: Transform,
) -> tuple[F64, F32, U8, U32] | None:
    """Transform, drop degenerate triangles and unused vertices, give each vertex one
    material (a vertex shared by faces of different materials is duplicated), and make
    every normal unit length (the face normal where the given one is unusable)."""
    if not len(faces) or not len(verts) or int(faces.max()) >= len(verts) or int(faces.min()) < 0:
        return None
    pos = verts @ transform.linear.T + transform.offset
    tri = faces[:, [0, 2, 1]] if transform.mirrors else faces
    a = pos[tri[:, 0]]
    cross = np.cross(pos[tri[:, 1]] - a, pos[tri[:, 2]] - a)
    length = np.linalg.norm(cross, axis=1)
    keep = np.isfinite(length) & (length > _DEGENERATE)
    if not keep.any():
        return None
    tri, cross, length = tri[keep], cross[keep], length[keep]
    rows = len(palette)
    row = np.clip(materials[keep].astype(np.int64), -1, rows - 2) + 1
    key = tri.astype(np.int64).reshape(-1) * rows + np.repeat(row, 3)
    unique, inverse = np.unique(key, return_inverse=True)
    src = unique // rows
    out_normals = np.zeros((len(src), 3))
    usable = np.zeros(len(src), dtype=bool)
    if normals is not None:
        out_normals = normals[src] @ transform.normal.T
        size = np.linalg.norm(out_normals, axis=1)
        usable = np.isfinite(size) & (size > 1e-9)
        out_normals[usable] /= size[usable, None]
    if not usable.all():
        face = np.zeros((len(src), 3))
        face[inverse.reshape(-1)] = np.repeat(cross / length[:, None], 3, axis=0)
        out_normals[~usable] = face[~usable]
    return (
        pos[src],
        out_normals.astype(np.float32),
        palette[unique % rows],
        inverse.reshape(-1).astype(np.uint32),
    )


def _palette(geometry: Any, schema: str, ifc_class: str) -> U8:
    """RGBA per material index + 1 (row 0: the class default for unstyled faces)."""
    rows = [default_colour(schema, ifc_class)]
    for style in geometry.materials:
        t = float(style.transparency)
        alpha = 255 if not np.isfinite(t) else round(255 * (1.0 - min(max(t, 0.0), 1.0)))
        r, g, b = (round(255 * min(max(float(c), 0.0), 1.0)) for c in style.get_color().components)
        rows.append((r, g, b, alpha))
    palette = np.array(rows, dtype=np.uint8)
    if "IfcSpace" in _supertypes(schema, ifc_class):
        palette[:, 3] = np.minimum(palette[:, 3], SPACE_ALPHA)
    return palette


@cache
def default_colour(schema: str, ifc_class: str) -> RGBA:
    """The colour of an unstyled face of ``ifc_class`` (nearest listed supertype)."""
    for name in _supertypes(schema, ifc_class):
        if name in DEFAULT_COLOURS:
            return DEFAULT_COLOURS[name]
    return DEFAULT_COLOURS["IfcProduct"]


@cache
def _supertypes(schema: str, ifc_class: str) -> tuple[str, ...]:
    try:
        decl: Any = ifcopenshell.ifcopenshell_wrapper.schema_by_name(schema)
        decl = decl.declaration_by_name(ifc_class)
    except (RuntimeError, KeyError):
        return (ifc_class,)
    names: list[str] = []
    while decl is not None:
        names.append(str(decl.name()))
        decl = decl.supertype()
    return tuple(names)


# -- which elements, and why some failed ----------------------------------------------


def _body_elements(model: Any) -> dict[int, str]:
    """Step id -> class of every element the iterator should triangulate: a product
    (not a void) with a shape representation in a body (or facetation) context."""
    out: dict[int, str] = {}
    product: Any
    for product in model.by_type("IfcProduct"):
        if product.is_a("IfcFeatureElementSubtraction") or product.Representation is None:
            continue
        if any(_is_body(rep) for rep in product.Representation.Representations or ()):
            out[product.id()] = product.is_a()
    return out


def _is_body(rep: Any) -> bool:
    if not rep.is_a("IfcShapeRepresentation"):
        return False
    ctx = rep.ContextOfItems
    ctx_id = (getattr(ctx, "ContextIdentifier", None) or "").lower() if ctx is not None else ""
    ident = (rep.RepresentationIdentifier or "").lower()
    return ident in BODY_IDENTIFIERS or ctx_id in BODY_IDENTIFIERS


def _logged(messages: Iterable[Any]) -> dict[int, tuple[int, str]]:
    """Instance step id -> (order, text) of the first message about it."""
    out: dict[int, tuple[int, str]] = {}
    for order, msg in enumerate(messages):
        ref = _REF.match(str(msg.instance or "")) or _REF.match(str(msg.product or ""))
        if ref and int(ref.group(1)) not in out:
            text = str(msg.message).strip().rstrip(":").strip()
            out[int(ref.group(1))] = (order, f"{text} #{ref.group(1)} ({ref.group(2)})")
    return out


def _failures(
    model: Any, missing: list[int], empty: list[int], messages: Iterable[Any]
) -> tuple[GeometryFailure, ...]:
    """A reason per element without a mesh: for one the iterator skipped, the earliest
    error logged about it, one of its representations or their items."""
    if not missing and not empty:
        return ()
    logged = _logged(messages) if missing else {}
    out = []
    for step_id in missing:
        element: Any = model.by_id(step_id)
        related = {step_id}
        for rep in element.Representation.Representations or ():
            related.update(inst.id() for inst in model.traverse(rep))
        hits = sorted(logged[i] for i in related if i in logged)
        reason = f"{_NO_MESH}: {hits[0][1]}" if hits else _NO_MESH
        out.append(GeometryFailure(element.GlobalId, element.is_a(), reason[:_MAX_REASON]))
    for step_id in empty:
        element = model.by_id(step_id)
        out.append(GeometryFailure(element.GlobalId, element.is_a(), _NO_TRIANGLES))
    return tuple(out)
