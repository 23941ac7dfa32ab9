from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ifcopenshell
import ifcopenshell.api
import ifcopenshell.geom
import numpy as np
import pytest

import bim_ingest.geometry as geometry
from bim_ingest.geometry import SpilledGeometry, default_colour, stream_geometry
from twin.errors import IngestError, InvalidInputError

SAMPLES = sorted(
    [
        "AC20-FZK-Haus.ifc",
        "Duplex_A_20110907_georeferenced.ifc",
        "IfcOpenHouse_IFC4.ifc",
        "Office_A_20110811.ifc",
        "SimpleWall.ifc",
        "bouwkunde_georeferenced.ifc",
        "example_project_location.ifc",
    ]
)


def rigid(angle_deg: float, tilt_deg: float, offset: tuple[float, float, float]) -> np.ndarray:
    """A rotation about z then about x, then a translation: row-major 4x4."""
    a, t = np.radians(angle_deg), np.radians(tilt_deg)
    rz = np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])
    rx = np.array([[1, 0, 0], [0, np.cos(t), -np.sin(t)], [0, np.sin(t), np.cos(t)]])
    m = np.eye(4)
    m[:3, :3] = rx @ rz
    m[:3, 3] = offset
    return m


MATRIX = rigid(33.0, 4.0, (812.5, -2_345.25, 17.0))


@dataclass
class Reference:
    """A plain iterator pass: per GlobalId, model-space vertices, faces and normals."""

    verts: dict[str, np.ndarray]
    faces: dict[str, np.ndarray]
    normals: dict[str, np.ndarray]
    classes: dict[str, str]


def reference_pass(model: Any, library: str = geometry.GEOMETRY_LIBRARY) -> Reference:
    make_settings: Any = ifcopenshell.geom.settings
    settings = make_settings()
    settings.set("use-world-coords", True)
    settings.set("weld-vertices", False)
    make_iterator: Any = ifcopenshell.geom.iterator
    it = make_iterator(settings, model, 2, exclude=["IfcOpeningElement"], geometry_library=library)
    ref = Reference({}, {}, {}, {})
    if it.initialize():
        while True:
            shape = it.get()
            geo = shape.geometry
            ref.verts[shape.guid] = np.frombuffer(geo.verts_buffer, dtype=np.float64).reshape(-1, 3)
            ref.faces[shape.guid] = np.frombuffer(geo.faces_buffer, dtype=np.int32).reshape(-1, 3)
            ref.normals[shape.guid] = np.frombuffer(geo.normals_buffer, np.float64).reshape(-1, 3)
            ref.classes[shape.guid] = shape.type
            if not it.next():
                break
    return ref


def apply(matrix: np.ndarray, xyz: np.ndarray) -> np.ndarray:
    out: np.ndarray = xyz @ matrix[:3, :3].T + matrix[:3, 3]
    return out


def triangle_areas(positions: np.ndarray, faces: np.ndarray) -> np.ndarray:
    a, b, c = positions[faces[:, 0]], positions[faces[:, 1]], positions[faces[:, 2]]
    out: np.ndarray = np.linalg.norm(np.cross(b - a, c - a), axis=1) / 2
    return out


@dataclass
class Run:
    model: Any
    result: SpilledGeometry
    reference: Reference
    progress: list[tuple[int, int]]


class Runs:
    """One streaming run (with :data:`MATRIX`) and one reference pass per sample, on demand."""

    def __init__(self, data: Path, spill_dir: Path) -> None:
        self._data, self._spill_dir = data, spill_dir
        self._cache: dict[str, Run] = {}

    def __getitem__(self, name: str) -> Run:
        if name not in self._cache:
            model = ifcopenshell.open(str(self._data / "ifc" / name))
            calls: list[tuple[int, int]] = []
            result = stream_geometry(
                model,
                matrix=MATRIX,
                spill_dir=self._spill_dir,
                threads=2,
                progress=lambda done, total: calls.append((done, total)),
            )
            self._cache[name] = Run(model, result, reference_pass(model), calls)
        return self._cache[name]

    def close(self) -> None:
        for run in self._cache.values():
            run.result.spill.close()


@pytest.fixture(scope="module")
def runs(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    cache = Runs(shared_data, tmp_path_factory.mktemp("spills"))
    yield cache
    cache.close()


@pytest.mark.parametrize("name", SAMPLES)
def test_every_element_the_iterator_meshes_is_spilled_once(runs: Runs, name: str) -> None:
    run = runs[name]
    ids = run.result.global_ids
    assert len(ids) == len(set(ids))
    assert set(ids) == set(run.reference.verts)
    assert run.result.failures == ()
    assert list(run.result.ifc_classes) == [run.reference.classes[g] for g in ids]
    assert not {c for c in run.result.ifc_classes if c.startswith("IfcOpening")}


@pytest.mark.parametrize("name", SAMPLES)
def test_bounds_contain_every_vertex_read_back(runs: Runs, name: str) -> None:
    result = runs[name].result
    rows = np.arange(len(result.global_ids))
    meshes = result.spill.read(rows)
    b = result.bounds[meshes.feature_ids]
    assert (meshes.positions >= b[:, :3]).all() and (meshes.positions <= b[:, 3:]).all()
    assert np.bincount(meshes.feature_ids, minlength=len(rows)).tolist() == (
        result.vertex_counts.tolist()
    )
    lengths = np.linalg.norm(meshes.normals, axis=1)
    assert np.isfinite(meshes.normals).all() and np.abs(lengths - 1).max() < 1e-5


@pytest.mark.parametrize("name", SAMPLES)
def test_a_subset_reads_back_the_transformed_triangles_of_exactly_those_elements(
    runs: Runs, name: str
) -> None:
    """Compared with a separate plain iterator pass, transformed here. ifcopenshell does
    not triangulate curved mapped items identically from run to run (a grab bar's
    vertices move by ~0.1 mm), so shapes are compared to 1 mm; float32 precision is
    checked in test_mesh_spill."""
    run = runs[name]
    result = run.result
    rows = np.arange(len(result.global_ids))[::-3]  # every third element, in reverse
    meshes = result.spill.read(rows)
    tri_feature = meshes.feature_ids[meshes.indices[::3]]
    assert np.bincount(tri_feature, minlength=len(rows)).tolist() == (
        result.triangle_counts[rows].tolist()
    )
    faces = meshes.indices.reshape(-1, 3)
    rng = np.random.default_rng(7)
    for k, row in enumerate(rows):
        guid = result.global_ids[row]
        ref_pos = apply(MATRIX, run.reference.verts[guid])
        ref_faces = run.reference.faces[guid]
        ref_areas = triangle_areas(ref_pos, ref_faces)
        ref_faces, ref_areas = ref_faces[ref_areas > 5e-13], ref_areas[ref_areas > 5e-13]
        ours = faces[tri_feature == k]
        assert len(ours) == len(ref_faces)
        areas = triangle_areas(meshes.positions, ours)
        assert np.isclose(areas.sum(), ref_areas.sum(), rtol=1e-3)
        centroid = (meshes.positions[ours].mean(axis=1) * areas[:, None]).sum(0) / areas.sum()
        ref_mid = ref_pos[ref_faces].mean(axis=1)
        ref_centroid = (ref_mid * ref_areas[:, None]).sum(0) / ref_areas.sum()
        assert np.allclose(centroid, ref_centroid, atol=1e-3)
        # a sample of vertices: each sits on a reference vertex with the same normal
        mine = np.flatnonzero(meshes.feature_ids == k)
        ref_normals = run.reference.normals[guid] @ MATRIX[:3, :3].T
        for v in rng.choice(mine, size=min(12, len(mine)), replace=False):
            d = np.linalg.norm(ref_pos - meshes.positions[v], axis=1)
            assert d.min() < 1e-3
            same_place = ref_normals[d < 1e-3]
            assert (same_place @ meshes.normals[v]).max() > 0.99


@pytest.mark.parametrize("name", SAMPLES)
def test_triangles_wind_counter_clockwise_around_their_normals(runs: Runs, name: str) -> None:
    result = runs[name].result
    meshes = result.spill.read(np.arange(len(result.global_ids)))
    faces = meshes.indices.reshape(-1, 3)
    p = meshes.positions
    cross = np.cross(p[faces[:, 1]] - p[faces[:, 0]], p[faces[:, 2]] - p[faces[:, 0]])
    big = np.linalg.norm(cross, axis=1) > 1e-6
    vertex_normals = meshes.normals[faces].sum(axis=1)
    assert (np.einsum("ij,ij->i", cross[big], vertex_normals[big]) > 0).mean() > 0.999


def test_progress_is_reported_at_every_percent_up_to_the_total(runs: Runs) -> None:
    calls = runs["Office_A_20110811.ifc"].progress
    total = calls[0][1]
    assert total > 100 and calls[0] == (0, total) and calls[-1] == (total, total)
    done = [d for d, _ in calls]
    assert all(t == total for _, t in calls)
    assert max(np.diff(done)) <= -(-total // 100) and min(np.diff(done)) >= 0


def surface_renderings(model: Any, element: Any) -> set[Any]:
    found: set[Any] = set()
    for rep in element.Representation.Representations:
        for item in model.traverse(rep):
            for styled in getattr(item, "StyledByItem", None) or ():
                found.update(
                    x for x in model.traverse(styled) if x.is_a("IfcSurfaceStyleRendering")
                )
    return found


def element_colours(run: Run, guid: str) -> np.ndarray:
    row = run.result.global_ids.index(guid)
    return run.result.spill.read(np.array([row])).colors


def test_glass_is_as_translucent_as_the_file_says_and_walls_are_opaque(
    runs: Runs,
) -> None:
    run = runs["AC20-FZK-Haus.ifc"]
    windows = run.model.by_type("IfcWindow")
    assert windows
    for window in windows:
        renderings = surface_renderings(run.model, window)
        glass = [r for r in renderings if (r.Transparency or 0) > 0]
        assert glass, "the file gives its windows a transparent style"
        colours = element_colours(run, window.GlobalId)
        for r in glass:
            alpha = round(255 * (1 - r.Transparency))
            pane = colours[colours[:, 3] == alpha]
            assert len(pane) > 0 and alpha < 128
            factor = r.DiffuseColour.wrappedValue  # ArchiCAD: a ratio of the surface colour
            s = r.SurfaceColour
            rgb = np.round(255 * factor * np.array([s.Red, s.Green, s.Blue]))
            assert (np.abs(pane[:, :3].astype(int) - rgb) <= 1).all()
    for wall in run.model.by_type("IfcWall"):
        assert all((r.Transparency or 0) == 0 for r in surface_renderings(run.model, wall))
        assert (element_colours(run, wall.GlobalId)[:, 3] == 255).all()


def test_spaces_are_translucent_even_when_the_file_paints_them_opaque(
    runs: Runs,
) -> None:
    run = runs["AC20-FZK-Haus.ifc"]
    spaces = run.model.by_type("IfcSpace")
    assert spaces
    for space in spaces:
        assert all((r.Transparency or 0) == 0 for r in surface_renderings(run.model, space))
        alpha = element_colours(run, space.GlobalId)[:, 3]
        assert (alpha <= geometry.SPACE_ALPHA).all() and (alpha > 0).all()


def test_unstyled_elements_take_their_class_colour(runs: Runs) -> None:
    run = runs["Office_A_20110811.ifc"]
    coverings = [
        g for g, c in zip(run.result.global_ids, run.result.ifc_classes) if c == "IfcCovering"
    ]
    assert coverings
    expected = default_colour(run.model.schema_identifier, "IfcCovering")
    for guid in coverings:
        assert not surface_renderings(run.model, run.model.by_guid(guid))
        assert (element_colours(run, guid) == expected).all()


def test_subclasses_inherit_the_colour_of_their_nearest_listed_class() -> None:
    table = geometry.DEFAULT_COLOURS
    assert default_colour("IFC2X3", "IfcWallStandardCase") == table["IfcWall"]
    assert default_colour("IFC4", "IfcSanitaryTerminal") == table["IfcFlowTerminal"]
    assert default_colour("IFC4", "IfcFurniture") == table["IfcFurnishingElement"]
    assert default_colour("IFC4", "IfcAnnotation") == table["IfcProduct"]


@pytest.mark.parametrize("name", ["IfcOpenHouse_IFC4.ifc", "Duplex_A_20110907_georeferenced.ifc"])
def test_the_faster_kernel_meshes_the_same_elements_as_open_cascade(runs: Runs, name: str) -> None:
    run = runs[name]
    plain = reference_pass(run.model, "opencascade")
    assert set(run.result.global_ids) == set(plain.verts)
    for guid in run.result.global_ids:
        a, b = plain.verts[guid], run.reference.verts[guid]
        assert np.allclose(a.min(0), b.min(0), atol=2e-3)
        assert np.allclose(a.max(0), b.max(0), atol=2e-3)


def test_a_mirroring_matrix_keeps_triangles_facing_out(shared_data: Path, tmp_path: Path) -> None:
    model = ifcopenshell.open(str(shared_data / "ifc" / "IfcOpenHouse_IFC4.ifc"))
    mirror = np.diag([-1.0, 1.0, 1.0, 1.0])
    result = stream_geometry(model, matrix=mirror, spill_dir=tmp_path, threads=1)
    with result.spill as spill:
        meshes = spill.read(np.arange(len(result.global_ids)))
    p, faces = meshes.positions, meshes.indices.reshape(-1, 3)
    cross = np.cross(p[faces[:, 1]] - p[faces[:, 0]], p[faces[:, 2]] - p[faces[:, 0]])
    big = np.linalg.norm(cross, axis=1) > 1e-6
    agree = np.einsum("ij,ij->i", cross[big], meshes.normals[faces].sum(axis=1)[big]) > 0
    assert agree.mean() > 0.999


# -- models built here ------------------------------------------------------------------


def small_model() -> tuple[Any, dict[str, Any]]:
    """A good wall, a wall with a zero-depth extrusion, a space and an opening."""
    model = ifcopenshell.file(schema="IFC4")
    run = ifcopenshell.api.run
    run("root.create_entity", model, ifc_class="IfcProject", name="p")
    run("unit.assign_unit", model)
    ctx = run("context.add_context", model, context_type="Model")
    body = run(
        "context.add_context",
        model,
        context_type="Model",
        context_identifier="Body",
        target_view="MODEL_VIEW",
        parent=ctx,
    )
    made = {}
    for name, cls in [
        ("good", "IfcWall"),
        ("bad", "IfcWall"),
        ("room", "IfcSpace"),
        ("hole", "IfcOpeningElement"),
    ]:
        element = run("root.create_entity", model, ifc_class=cls, name=name)
        run("geometry.edit_object_placement", model, product=element)
        rep = run(
            "geometry.add_wall_representation",
            model,
            context=body,
            length=4.0,
            height=3.0,
            thickness=0.2,
        )
        run("geometry.assign_representation", model, product=element, representation=rep)
        made[name] = element
    item: Any
    for item in model.traverse(made["bad"].Representation):
        if item.is_a("IfcExtrudedAreaSolid"):
            item.Depth = 0.0
    return model, made


def test_an_element_whose_body_fails_is_listed_with_the_engines_reason(tmp_path: Path) -> None:
    model, made = small_model()
    result = stream_geometry(model, matrix=np.eye(4), spill_dir=tmp_path, threads=2)
    result.spill.close()
    assert sorted(result.global_ids) == sorted([made["good"].GlobalId, made["room"].GlobalId])
    assert [(f.global_id, f.ifc_class) for f in result.failures] == [
        (made["bad"].GlobalId, "IfcWall")
    ]
    assert "IfcExtrudedAreaSolid" in result.failures[0].message


def test_a_model_whose_every_body_fails_is_refused(tmp_path: Path) -> None:
    model, made = small_model()
    for name in ("good", "room"):
        model.remove(made[name])
    with pytest.raises(IngestError, match="none of the 1 elements"):
        stream_geometry(model, matrix=np.eye(4), spill_dir=tmp_path, threads=1)
    assert not any(tmp_path.iterdir())


def test_a_geometry_engine_that_cannot_start_is_an_ingest_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model, _ = small_model()
    monkeypatch.setattr(geometry, "GEOMETRY_LIBRARY", "no-such-kernel")
    with pytest.raises(IngestError, match="could not start"):
        stream_geometry(model, matrix=np.eye(4), spill_dir=tmp_path, threads=1)
    assert not any(tmp_path.iterdir())


def test_a_model_without_geometry_yields_an_empty_spill(tmp_path: Path) -> None:
    model = ifcopenshell.file(schema="IFC4")
    ifcopenshell.api.run("root.create_entity", model, ifc_class="IfcProject", name="p")
    result = stream_geometry(model, matrix=np.eye(4), spill_dir=tmp_path, threads=1)
    with result.spill as spill:
        assert result.global_ids == () and result.bounds.shape == (0, 6)
        assert spill.read(np.zeros(0, dtype=np.int64)).triangle_count == 0


@pytest.mark.parametrize(
    "matrix",
    [np.eye(3), np.diag([1.0, 1.0, 0.0, 1.0]), np.full((4, 4), np.nan), rigid(0, 0, (0, 0, 0)) + 1],
)
def test_a_matrix_that_is_not_an_invertible_affine_map_is_refused(
    matrix: np.ndarray, tmp_path: Path
) -> None:
    model, _ = small_model()
    with pytest.raises(InvalidInputError):
        stream_geometry(model, matrix=matrix, spill_dir=tmp_path)


def test_zero_threads_are_refused(tmp_path: Path) -> None:
    model, _ = small_model()
    with pytest.raises(InvalidInputError):
        stream_geometry(model, matrix=np.eye(4), spill_dir=tmp_path, threads=0)


def test_a_flat_row_major_matrix_reads_as_its_4x4_form() -> None:
    flat = geometry.Transform.from_matrix(tuple(MATRIX.reshape(-1)))
    square = geometry.Transform.from_matrix(MATRIX)
    assert (flat.linear == square.linear).all() and (flat.offset == MATRIX[:3, 3]).all()
    assert np.allclose(flat.normal, MATRIX[:3, :3])  # a rotation is its own inverse transpose


def square(normals: np.ndarray | None) -> tuple[Any, ...]:
    verts = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0], [2, 0, 0]], dtype=float)
    faces = np.array([[0, 1, 2], [0, 2, 3], [0, 1, 4]], dtype=np.int32)  # the last is a sliver
    palette = np.array([[9, 9, 9, 255], [200, 0, 0, 255], [0, 0, 200, 100]], dtype=np.uint8)
    return verts, faces, normals, np.array([0, 1, 0], dtype=np.int32), palette


def test_faces_of_different_styles_get_their_own_vertices_and_colours() -> None:
    verts, faces, _, materials, palette = square(None)
    normals = np.tile([0.0, 0.0, 2.0], (5, 1))
    out = geometry.clean_mesh(
        verts, faces, normals, materials, palette, geometry.Transform.from_matrix(np.eye(4))
    )
    assert out is not None
    positions, out_normals, colours, indices = out
    tris = indices.reshape(-1, 3)
    assert len(tris) == 2  # the zero-area sliver is gone, and vertex 4 with it
    assert len(positions) == 6  # the diagonal's two vertices are split between the styles
    assert (colours[tris[0]] == palette[1]).all() and (colours[tris[1]] == palette[2]).all()
    assert np.allclose(out_normals, [0, 0, 1])
    assert np.allclose(positions[tris], verts[faces[:2]])


def test_missing_normals_fall_back_to_the_transformed_face_normal() -> None:
    verts, faces, normals, _, palette = square(None)
    unstyled = np.full(3, -1, dtype=np.int32)
    turn = rigid(0.0, 90.0, (5.0, 0.0, 0.0))  # the square now faces -y
    out = geometry.clean_mesh(
        verts, faces, normals, unstyled, palette, geometry.Transform.from_matrix(turn)
    )
    assert out is not None
    positions, out_normals, colours, _ = out
    assert np.allclose(out_normals, [0, -1, 0], atol=1e-6)
    assert (colours == palette[0]).all()
    assert np.allclose(positions, apply(turn, verts[:4]))
