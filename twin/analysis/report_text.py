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


RENDERERS: dict[str, Renderer] = {"sightline": _sightline}
