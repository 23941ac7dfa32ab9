"""Panorama images of a view (观山廊道): what the eye sees over a range of azimuths.

:func:`render_panorama` ray-casts one ray per pixel of a cylindrical panorama (columns
are azimuth, rows elevation, the same angle per pixel both ways so nothing is stretched),
all pixels in one call: open sky is a blue gradient, terrain green fading to brown with
distance, buildings (and other features) light grey shaded by their surfaces, features in
``highlight`` (a proposal's) red, and everything hazes toward the sky with distance. A
ridgeline is drawn over it in yellow and azimuths are labelled along the bottom.
:func:`panorama_pair` stacks a before and an after panorama with labels.
"""

from __future__ import annotations

import io
import math
import os
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

from twin.analysis.frame_points import lonlath_array, to_local
from twin.analysis.ray_scene import RayScene
from twin.analysis.skyline import Eye, azimuth_range, eye_point, view_angles, view_directions
from twin.errors import InvalidInputError

F64 = npt.NDArray[np.float64]
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

#: rows of the title strip (when there is a title), the azimuth axis and a pair's labels
TITLE_H = 26
AXIS_H = 22
PAIR_LABEL_H = 30
MAX_WIDTH = 8192
MAX_ROWS = 4096
MAX_PIXELS = 1 << 23

SKY_TOP = np.array([62.0, 112.0, 186.0])
SKY_HORIZON = np.array([178.0, 204.0, 232.0])
HAZE = np.array([190.0, 205.0, 222.0])
TERRAIN_NEAR = np.array([88.0, 132.0, 64.0])
TERRAIN_FAR = np.array([132.0, 112.0, 84.0])
BUILDING = np.array([222.0, 222.0, 220.0])
STREET = np.array([120.0, 120.0, 120.0])
HIGHLIGHT = np.array([226.0, 46.0, 40.0])
RIDGE_RGB = (255, 214, 0)
BACKGROUND_RGB = (32, 36, 44)
TEXT_RGB = (235, 235, 235)
#: the light, in the eye's east-north-up axes (from the south-east, high)
LIGHT_ENU = np.array([0.35, -0.45, 0.82])
#: metres over which terrain turns from green to brown, and haze thickens (1 - e^-d/FADE)
BROWN_M = 6000.0
FADE_M = 15000.0
TICK_STEPS_DEG = (1, 2, 5, 10, 15, 30, 45, 90)
COMPASS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")
CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/wenquanyi/wqy-zenhei/wqy-zenhei.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)


@dataclass(frozen=True)
class PanoramaLayout:
    """Where directions land in a panorama image: the view occupies rows ``top`` to
    ``top + rows`` (a title strip above it, the azimuth axis below)."""

    azimuth_from_deg: float  # in [0, 360)
    azimuth_span_deg: float
    elevation_from_deg: float
    elevation_to_deg: float
    width: int
    rows: int
    top: int
    degrees_per_pixel: float

    @property
    def height(self) -> int:
        return self.top + self.rows + AXIS_H

    def pixel(self, azimuth_deg: F64 | float, elevation_deg: F64 | float) -> tuple[F64, F64]:
        """Image (x, y) of directions (NaN x when outside the azimuth range)."""
        along = (np.asarray(azimuth_deg, dtype=np.float64) - self.azimuth_from_deg) % 360.0
        x = np.where(along <= self.azimuth_span_deg + 1e-9, along / self.degrees_per_pixel, np.nan)
        el = np.asarray(elevation_deg, dtype=np.float64)
        y = self.top + (self.elevation_to_deg - el) / self.degrees_per_pixel
        return x, y


def panorama_layout(
    azimuth_from_deg: float,
    azimuth_to_deg: float,
    *,
    elevation_from_deg: float = -5.0,
    elevation_to_deg: float = 25.0,
    width: int = 1440,
    title: str = "",
) -> PanoramaLayout:
    start, span = azimuth_range(azimuth_from_deg, azimuth_to_deg)
    if not (math.isfinite(elevation_from_deg) and math.isfinite(elevation_to_deg)):
        raise InvalidInputError("elevation angles must be finite numbers of degrees")
    if not -90.0 < elevation_from_deg < elevation_to_deg < 90.0:
        raise InvalidInputError("elevations must satisfy -90 < elevation_from < elevation_to < 90")
    if isinstance(width, bool) or not isinstance(width, int) or not 16 <= width <= MAX_WIDTH:
        raise InvalidInputError(f"width must be an integer between 16 and {MAX_WIDTH} pixels")
    dpp = span / width
    rows = max(1, round((elevation_to_deg - elevation_from_deg) / dpp))
    if rows > MAX_ROWS or rows * width > MAX_PIXELS:
        raise InvalidInputError(
            f"the panorama would be {width} x {rows} pixels; narrow the elevation range, "
            "widen the azimuth range or lower the width"
        )
    top = TITLE_H if _label_text(title, _font(14)[1]) else 0
    return PanoramaLayout(start, span, elevation_from_deg, elevation_to_deg, width, rows, top, dpp)


def render_panorama(
    scene: RayScene,
    eye: Eye,
    azimuth_from_deg: float,
    azimuth_to_deg: float,
    *,
    elevation_from_deg: float = -5.0,
    elevation_to_deg: float = 25.0,
    width: int = 1440,
    ridge: F64 | None = None,
    highlight: frozenset[int] = frozenset(),
    title: str = "",
    max_distance_m: float = 30000.0,
) -> bytes:
    """A PNG panorama seen from ``eye`` (lon, lat, h); see the module docstring."""
    layout = panorama_layout(
        azimuth_from_deg,
        azimuth_to_deg,
        elevation_from_deg=elevation_from_deg,
        elevation_to_deg=elevation_to_deg,
        width=width,
        title=title,
    )
    if not (math.isfinite(max_distance_m) and max_distance_m > 0.0):
        raise InvalidInputError("max_distance_m must be a positive number of metres")
    _, origin, axes = eye_point(scene.frame, eye)
    dpp = layout.degrees_per_pixel
    az = layout.azimuth_from_deg + (np.arange(layout.width) + 0.5) * dpp
    el = layout.elevation_to_deg - (np.arange(layout.rows) + 0.5) * dpp
    a, e = np.meshgrid(az, el)
    unit = view_directions(a.ravel(), e.ravel(), axes)
    hits = scene.first_hits(np.broadcast_to(origin, unit.shape), unit, max_distance_m)
    rgb = _shade(scene, hits.triangle, hits.feature, hits.distance, unit, e.ravel(), axes,
                 highlight)  # fmt: skip
    view = Image.fromarray(rgb.reshape(layout.rows, layout.width, 3), "RGB")
    image = Image.new("RGB", (layout.width, layout.height), BACKGROUND_RGB)
    image.paste(view, (0, layout.top))
    draw = ImageDraw.Draw(image)
    if ridge is not None:
        _draw_ridge(draw, layout, scene, origin, axes, ridge)
    _draw_axis(draw, layout)
    font, cjk = _font(14)
    text = _label_text(title, cjk)
    if text:
        draw.text((8, layout.top // 2), text, fill=TEXT_RGB, font=font, anchor="lm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def _shade(
    scene: RayScene,
    triangle: npt.NDArray[np.int64],
    feature: npt.NDArray[np.int64],
    distance: F64,
    unit: F64,
    elevation: F64,
    axes: F64,
    highlight: frozenset[int],
) -> npt.NDArray[np.uint8]:
    t = np.clip(elevation / 40.0, 0.0, 1.0)[:, None] ** 0.7
    rgb = SKY_HORIZON + (SKY_TOP - SKY_HORIZON) * t
    hit = triangle >= 0
    if hit.any():
        tri = scene.vertices[scene.triangles[triangle[hit]]]
        normal = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
        normal /= np.maximum(np.linalg.norm(normal, axis=1), 1e-12)[:, None]
        normal *= np.where(np.einsum("ij,ij->i", normal, unit[hit]) > 0, -1.0, 1.0)[:, None]
        light = LIGHT_ENU / np.linalg.norm(LIGHT_ENU) @ axes
        lambert = np.clip(normal @ light, 0.0, 1.0)[:, None]
        d = distance[hit][:, None]
        kinds = np.array([f.kind for f in scene.features] + [""], dtype=object)
        kind = kinds[feature[hit]]
        terrain = (kind == "terrain")[:, None]
        street = (kind == "streets")[:, None]
        marked = np.isin(feature[hit], np.fromiter(highlight, np.int64, len(highlight)))[:, None]
        ground = TERRAIN_NEAR + (TERRAIN_FAR - TERRAIN_NEAR) * np.clip(d / BROWN_M, 0.0, 1.0)
        base = np.where(terrain, ground, np.where(street, STREET, BUILDING))
        base = np.where(marked, HIGHLIGHT, base)
        shaded = base * np.where(terrain, 0.55 + 0.55 * lambert, 0.62 + 0.38 * lambert)
        fade = 1.0 - np.exp(-d / FADE_M)
        rgb[hit] = shaded * (1.0 - fade) + HAZE * fade
    out: npt.NDArray[np.uint8] = np.clip(np.rint(rgb), 0, 255).astype(np.uint8)
    return out


def _draw_ridge(
    draw: ImageDraw.ImageDraw,
    layout: PanoramaLayout,
    scene: RayScene,
    origin: F64,
    axes: F64,
    ridge: F64,
) -> None:
    pts = lonlath_array(ridge, "ridge")
    if len(pts) == 0:
        return
    az, el = view_angles(to_local(scene.frame, pts) - origin, axes)
    x, y = layout.pixel(az, el)
    ok = np.isfinite(x)
    # a polyline per run of points inside the range, broken where it wraps round the image
    jump = np.r_[True, ~ok[:-1] | ~ok[1:] | (np.abs(np.diff(x)) > layout.width / 2)]
    run: list[tuple[float, float]] = []
    for xi, yi, good, new in zip(x.tolist(), y.tolist(), ok.tolist(), jump.tolist(), strict=True):
        if new:
            _polyline(draw, run)
            run = []
        if good:
            run.append((xi, yi))
    _polyline(draw, run)


def _polyline(draw: ImageDraw.ImageDraw, run: list[tuple[float, float]]) -> None:
    if len(run) > 1:
        draw.line(run, fill=RIDGE_RGB, width=2, joint="curve")
    elif run:
        x, y = run[0]
        draw.ellipse((x - 1.5, y - 1.5, x + 1.5, y + 1.5), fill=RIDGE_RGB)


def _draw_axis(draw: ImageDraw.ImageDraw, layout: PanoramaLayout) -> None:
    font = _font(12)[0]
    step = next(
        (s for s in TICK_STEPS_DEG if s / layout.degrees_per_pixel >= 70), TICK_STEPS_DEG[-1]
    )
    bottom = layout.top + layout.rows
    first = math.ceil(layout.azimuth_from_deg / step - 1e-9) * step
    for tick in np.arange(first, layout.azimuth_from_deg + layout.azimuth_span_deg + 1e-9, step):
        x = (tick - layout.azimuth_from_deg) / layout.degrees_per_pixel
        name = round(float(tick)) % 360
        label = COMPASS[name // 45] if name % 45 == 0 else f"{name}°"
        draw.line([(x, bottom), (x, bottom + 5)], fill=TEXT_RGB, width=1)
        anchor = "lt" if x < 12 else "rt" if x > layout.width - 12 else "mt"
        draw.text((x, bottom + 6), label, fill=TEXT_RGB, font=font, anchor=anchor)


@lru_cache(maxsize=8)
def _font(size: int) -> tuple[Font, bool]:
    """A font of ``size`` px, and whether it has CJK glyphs (a system CJK font when there
    is one, Pillow's default otherwise)."""
    for path in CJK_FONTS:
        if os.path.exists(path):
            try:
                return ImageFont.truetype(path, size), True
            except OSError:
                continue
    return ImageFont.load_default(size), False


def _label_text(text: str, cjk: bool) -> str:
    """``text`` as drawable: all of it with a CJK font, else only its ASCII part."""
    if cjk:
        return text.strip()
    return " ".join("".join(c if ord(c) < 128 else " " for c in text).split())


def panorama_pair(
    before_png: bytes,
    after_png: bytes,
    labels: tuple[str, str] = ("现状 before", "方案 after"),
) -> bytes:
    """The two panoramas stacked, each under a label strip of ``PAIR_LABEL_H`` rows."""
    if len(labels) != 2:
        raise InvalidInputError("labels must be two strings: before, after")
    images: list[Image.Image] = []
    for what, data in (("before", before_png), ("after", after_png)):
        try:
            with Image.open(io.BytesIO(data)) as opened:
                images.append(opened.convert("RGB"))
        except (OSError, ValueError):
            raise InvalidInputError(f"the {what} panorama is not a readable image") from None
    width = max(im.width for im in images)
    height = sum(im.height for im in images) + 2 * PAIR_LABEL_H
    out = Image.new("RGB", (width, height), BACKGROUND_RGB)
    draw = ImageDraw.Draw(out)
    font, cjk = _font(16)
    y = 0
    for im, label in zip(images, labels, strict=True):
        text = _label_text(label, cjk)
        if text:
            draw.text((10, y + PAIR_LABEL_H // 2), text, fill=TEXT_RGB, font=font, anchor="lm")
        out.paste(im, (0, y + PAIR_LABEL_H))
        y += PAIR_LABEL_H + im.height
    buf = io.BytesIO()
    out.save(buf, format="PNG")
    return buf.getvalue()
