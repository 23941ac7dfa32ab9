"""Short human-readable reports of analysis results (zh-CN by default, or English)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Renderer = Callable[[dict[str, Any], bool], list[str]]

_WORDS = {
    "visible": ("可见", "visible"),
    "blocked": ("被遮挡", "blocked"),
    "distance": ("距离", "distance"),
    "obstructions": ("遮挡物", "obstructions"),
    "before": ("现状", "before"),
    "after": ("方案", "after"),
    "layers": ("图层", "layers"),
}


def word(key: str, zh: bool) -> str:
    pair = _WORDS[key]
    return pair[0] if zh else pair[1]


def render(method: str, result: dict[str, Any], lang: str) -> str:
    zh = lang != "en"
    renderer = RENDERERS[method]
    lines = [f"{word('layers', zh)}: {', '.join(result.get('layers', []))}"]
    if "before" in result and "after" in result:
        for side in ("before", "after"):
            lines.append(f"[{word(side, zh)}]")
            lines.extend("  " + line for line in renderer(result[side], zh))
    else:
        lines.extend(renderer(result, zh))
    return "\n".join(lines) + "\n"


def _sightline(r: dict[str, Any], zh: bool) -> list[str]:
    state = word("visible" if r["visible"] else "blocked", zh)
    lines = [f"{state} · {word('distance', zh)} {r['distance_m']:.1f} m"]
    for o in r["obstructions"]:
        lines.append(f"  {o['distance_m']:9.1f} m  {o['feature_id']}  ({o['layer']})")
    return lines


def _sunlight(r: dict[str, Any], zh: bool) -> list[str]:
    s = r["summary"]
    head = (
        f"点数 {s['count']} · 满足 {s['passing']} · 不满足 {s['failing']} · "
        f"最少 {s['min_hours']} h · 最多 {s['max_hours']} h"
        if zh
        else f"points {s['count']} · passing {s['passing']} · failing {s['failing']} · "
        f"min {s['min_hours']} h · max {s['max_hours']} h"
    )
    lines = [head]
    for p in r["points"][:200]:
        mark = {True: "✓", False: "✗", None: " "}[p["passes"]]
        spans = ", ".join(f"{a}-{b}" for a, b in p["periods"])
        lines.append(
            f"  {mark} {p['hours']:5.2f} h  ({p['longest_continuous_min']:.0f} min)  "
            f"{p['point'][0]:.6f},{p['point'][1]:.6f},{p['point'][2]:.1f}  {spans}"
        )
    return lines


def _sky_view(r: dict[str, Any], zh: bool) -> list[str]:
    label = "天空开阔度" if zh else "sky view factor"
    return [
        f"  {label} {p['svf']:.3f}  {p['point'][0]:.6f},{p['point'][1]:.6f},{p['point'][2]:.1f}"
        for p in r["points"]
    ]


def _skyline(r: dict[str, Any], zh: bool) -> list[str]:
    label = "山脊线可见比例" if zh else "ridgeline visible"
    lines = [f"{label} {100 * r['visible_share']:.1f}%"]
    for b in r["blocked_by"][:20]:
        lines.append(f"  {100 * b['share']:5.1f}%  {b['feature_id']}  ({b['layer']})")
    return lines


def _streets(r: dict[str, Any], zh: bool) -> list[str]:
    head = (
        "街道 宽度m 高度m 高宽比 天空开阔度 绿视率"
        if zh
        else "street width_m height_m H/W SVF green"
    )
    lines = [head]
    for s in r["streets"]:
        lines.append(
            f"  {s['id']}  {s['width_m']}  {s['mean_height_m']}  {s['height_width_ratio']}  "
            f"{s['svf']:.3f}  {s['green_ratio']:.3f}"
        )
    return lines


def _corridor(r: dict[str, Any], zh: bool) -> list[str]:
    rows = r["intrusions"]
    if not rows:
        return ["视廊未受侵入" if zh else "nothing intrudes into the corridor"]
    head = "要素 最大侵入m 侵入体积m³" if zh else "feature max_intrusion_m volume_m3"
    return [head] + [
        f"  {i['feature_id']}  {i['max_intrusion_m']:.2f}  {i['volume_m3']:.0f}" for i in rows
    ]


RENDERERS: dict[str, Renderer] = {
    "corridor": _corridor,
    "sightline": _sightline,
    "sunlight": _sunlight,
    "sky_view": _sky_view,
    "skyline": _skyline,
    "streets": _streets,
}
