"""Procedural low-poly models of street furniture, one per type, for GPU instancing.

Every model is in glTF axes (y up, -z north), stands on y = 0, is 1 unit tall and
about 1 unit wide in x, so an instance's scale is ``(size, height, size)``: the
type's nominal size (crown diameter, arm reach, plate width, ...) and its height in
metres. A model's "front" (a lamp's arm, a sign's face, a bench's seat side, a
shelter's open side) points north (-z): an instance's orientation turns it
clockwise from there. Each model is a few coloured parts (one glTF primitive and
material each), flat shaded: every triangle has its own three vertices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]
U16 = npt.NDArray[np.uint16]

#: canonical type -> (default height m, default size m); size = crown diameter for trees
DEFAULTS: dict[str, tuple[float, float]] = {
    "tree": (8.0, 5.0),
    "street_lamp": (8.0, 1.5),
    "sign": (2.5, 0.8),
    "bench": (0.9, 1.8),
    "bus_stop": (2.7, 4.0),
    "bin": (1.0, 0.6),
}

#: accepted spellings (lower case, stripped) -> canonical type
SYNONYMS: dict[str, str] = {
    **{k: k for k in DEFAULTS},
    **dict.fromkeys(["trees", "street_tree", "street tree", "树", "行道树", "树木"], "tree"),
    **dict.fromkeys(
        ["lamp", "streetlight", "street_light", "street light", "street lamp", "light",
         "lamppost", "lamp_post", "路灯"],
        "street_lamp",
    ),
    **dict.fromkeys(
        ["traffic_sign", "traffic sign", "road_sign", "road sign", "signpost", "标志",
         "交通标志", "标志牌"],
        "sign",
    ),
    **dict.fromkeys(["seat", "bench_seat", "座椅", "长椅"], "bench"),
    **dict.fromkeys(
        ["bus stop", "busstop", "bus_shelter", "bus shelter", "shelter", "公交站", "公交车站",
         "公交站台"],
        "bus_stop",
    ),
    **dict.fromkeys(
        ["waste_basket", "waste basket", "litter_bin", "trash", "trash_can", "garbage",
         "rubbish_bin", "垃圾桶", "垃圾箱"],
        "bin",
    ),
}  # fmt: skip


def canonical_type(value: object) -> str | None:
    """The canonical street-object type of a source value, or None when unknown."""
    if value is None:
        return None
    text = str(value).strip().lower().replace("-", "_")
    return SYNONYMS.get(text) or SYNONYMS.get(text.replace("_", " "))


@dataclass(frozen=True)
class ModelPart:
    color: tuple[float, float, float, float]  # linear RGBA
    positions: F32  # (n, 3), glTF axes
    normals: F32  # (n, 3) unit
    indices: U16  # (m * 3,)


_TRUNK = (0.30, 0.18, 0.09, 1.0)
_LEAVES = (0.13, 0.42, 0.12, 1.0)
_METAL = (0.32, 0.34, 0.36, 1.0)
_LIGHT = (1.0, 0.92, 0.65, 1.0)
_PLATE = (0.05, 0.25, 0.65, 1.0)
_WOOD = (0.55, 0.35, 0.18, 1.0)
_GLASS = (0.55, 0.70, 0.78, 1.0)
_ROOF = (0.20, 0.45, 0.30, 1.0)
_BIN = (0.15, 0.40, 0.20, 1.0)


def _flat(tris: npt.NDArray[np.float64], color: tuple[float, float, float, float]) -> ModelPart:
    """A part from (m, 3, 3) triangles (counter-clockwise seen from outside)."""
    n = np.cross(tris[:, 1] - tris[:, 0], tris[:, 2] - tris[:, 0])
    n /= np.linalg.norm(n, axis=1, keepdims=True)
    positions = tris.reshape(-1, 3).astype(np.float32)
    normals = np.repeat(n, 3, axis=0).astype(np.float32)
    return ModelPart(color, positions, normals, np.arange(len(positions), dtype=np.uint16))


Tris = list[list[list[float]]]


def _outward(tris: Tris, centre: tuple[float, float, float]) -> Tris:
    """Wind every triangle of a convex solid counter-clockwise seen from outside."""
    t = np.asarray(tris, dtype=np.float64)
    n = np.cross(t[:, 1] - t[:, 0], t[:, 2] - t[:, 0])
    inward = np.einsum("ij,ij->i", n, t.mean(axis=1) - np.asarray(centre)) < 0
    t[inward] = t[inward][:, ::-1]
    out: Tris = t.tolist()
    return out


def _box(x0: float, x1: float, y0: float, y1: float, z0: float, z1: float) -> Tris:
    c = [[x, y, z] for x in (x0, x1) for y in (y0, y1) for z in (z0, z1)]
    quads = [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)]
    out: Tris = []
    for a, b, cc, d in quads:
        out += [[c[a], c[b], c[cc]], [c[a], c[cc], c[d]]]
    return _outward(out, ((x0 + x1) / 2, (y0 + y1) / 2, (z0 + z1) / 2))


def _prism(
    r: float, y0: float, y1: float, *, top_r: float | None = None, sides: int = 6,
    cx: float = 0.0, cz: float = 0.0,
) -> Tris:  # fmt: skip
    """A cylinder (or frustum / cone with ``top_r=0``) with caps."""
    tr = r if top_r is None else top_r
    ang = np.linspace(0.0, 2 * np.pi, sides, endpoint=False)
    lo = [[cx + r * np.cos(a), y0, cz - r * np.sin(a)] for a in ang]
    hi = [[cx + tr * np.cos(a), y1, cz - tr * np.sin(a)] for a in ang]
    out: Tris = []
    for i in range(sides):
        j = (i + 1) % sides
        out.append([lo[i], lo[j], hi[j]])
        if tr > 0:
            out.append([lo[i], hi[j], hi[i]])
            out.append([[cx, y1, cz], hi[i], hi[j]])
        out.append([[cx, y0, cz], lo[j], lo[i]])
    return _outward(out, (cx, (y0 + y1) / 2 if tr > 0 else (2 * y0 + y1) / 3, cz))


def _ico(cx: float, cy: float, cz: float, rx: float, ry: float) -> Tris:
    t = (1.0 + 5**0.5) / 2.0
    v = np.array(
        [[-1, t, 0], [1, t, 0], [-1, -t, 0], [1, -t, 0], [0, -1, t], [0, 1, t],
         [0, -1, -t], [0, 1, -t], [t, 0, -1], [t, 0, 1], [-t, 0, -1], [-t, 0, 1]],
        dtype=np.float64,
    )  # fmt: skip
    v /= np.abs(v).max(axis=0)  # reaches exactly +-1 along every axis
    faces = [
        (0, 11, 5), (0, 5, 1), (0, 1, 7), (0, 7, 10), (0, 10, 11), (1, 5, 9), (5, 11, 4),
        (11, 10, 2), (10, 7, 6), (7, 1, 8), (3, 9, 4), (3, 4, 2), (3, 2, 6), (3, 6, 8),
        (3, 8, 9), (4, 9, 5), (2, 4, 11), (6, 2, 10), (8, 6, 7), (9, 8, 1),
    ]  # fmt: skip
    p = v * np.array([rx, ry, rx]) + np.array([cx, cy, cz])
    return _outward([[list(p[a]), list(p[b]), list(p[c])] for a, b, c in faces], (cx, cy, cz))


def _part(tris: Tris, color: tuple[float, float, float, float]) -> ModelPart:
    return _flat(np.asarray(tris, dtype=np.float64), color)


def _tree() -> list[ModelPart]:
    return [
        _part(_prism(0.045, 0.0, 0.5, top_r=0.035), _TRUNK),
        _part(_ico(0.0, 0.66, 0.0, 0.5, 0.34), _LEAVES),
    ]


def _lamp() -> list[ModelPart]:
    pole = _prism(0.05, 0.0, 1.0, top_r=0.03) + _box(-0.02, 0.02, 0.97, 0.995, -1.0, 0.0)
    return [_part(pole, _METAL), _part(_box(-0.08, 0.08, 0.95, 0.975, -1.0, -0.75), _LIGHT)]


def _sign() -> list[ModelPart]:
    return [
        _part(_prism(0.04, 0.0, 0.95, sides=5), _METAL),
        _part(_box(-0.5, 0.5, 0.65, 1.0, -0.06, -0.04), _PLATE),
    ]


def _bench() -> list[ModelPart]:
    legs: Tris = []
    for x in (-0.42, 0.42):
        legs += _box(x - 0.02, x + 0.02, 0.0, 0.45, -0.18, 0.18)
    wood = _box(-0.5, 0.5, 0.45, 0.5, -0.2, 0.2) + _box(-0.5, 0.5, 0.55, 1.0, 0.17, 0.2)
    return [_part(legs, _METAL), _part(wood, _WOOD)]


def _bus_stop() -> list[ModelPart]:
    posts: Tris = []
    for x in (-0.48, 0.48):
        posts += _box(x - 0.01, x + 0.01, 0.0, 0.95, -0.3, -0.28)
        posts += _box(x - 0.01, x + 0.01, 0.0, 0.95, 0.28, 0.3)
    return [
        _part(posts, _METAL),
        _part(_box(-0.47, 0.47, 0.1, 0.95, 0.285, 0.295), _GLASS),
        _part(_box(-0.5, 0.5, 0.95, 1.0, -0.36, 0.36), _ROOF),
    ]


def _bin() -> list[ModelPart]:
    return [_part(_prism(0.5, 0.0, 1.0, top_r=0.45, sides=8), _BIN)]


_BUILDERS = {
    "tree": _tree,
    "street_lamp": _lamp,
    "sign": _sign,
    "bench": _bench,
    "bus_stop": _bus_stop,
    "bin": _bin,
}


def model(kind: str) -> list[ModelPart]:
    """The parts of the model of a canonical type (see :data:`DEFAULTS`)."""
    return _BUILDERS[kind]()
