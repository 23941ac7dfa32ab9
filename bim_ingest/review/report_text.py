"""The review report for people: zh-CN labels by default, English on request."""

from __future__ import annotations

from typing import Literal

from bim_ingest.review.indicators import Figure
from bim_ingest.review.review_model import ReviewReport

Lang = Literal["zh-CN", "en"]

LABELS: dict[str, tuple[str, str]] = {
    "title": ("BIM 报建审查报告", "BIM submission review"),
    "indicators": ("技术指标", "Indicators"),
    "storey": ("楼层", "Storey"),
    "elevation": ("标高 m", "Elevation m"),
    "storey_height": ("层高 m", "Height m"),
    "area": ("面积 m²", "Area m²"),
    "counted": ("计算面积 m²", "Counted m²"),
    "source": ("来源", "Source"),
    "below": ("地下", "below ground"),
    "half": ("层高不足 2.20 m，计一半", "under 2.20 m: half"),
    "gross_floor_area_m2": ("总建筑面积 m²", "Gross floor area m²"),
    "counted_floor_area_m2": ("计容建筑面积 m²", "Counted floor area m²"),
    "site_area_m2": ("用地面积 m²", "Site area m²"),
    "far": ("容积率", "Floor-area ratio"),
    "height_m": ("建筑高度 m", "Building height m"),
    "height_to_parapet_m": ("至女儿墙顶高度 m", "Height to parapet m"),
    "storeys_above_ground": ("地上层数", "Storeys above ground"),
    "storeys_below_ground": ("地下层数", "Storeys below ground"),
    "base_area_m2": ("建筑基底面积 m²", "Building base area m²"),
    "coverage": ("建筑密度", "Site coverage"),
    "green_area_m2": ("绿地面积 m²", "Green area m²"),
    "green_ratio": ("绿地率", "Green ratio"),
    "rules": ("规划条件", "Planning conditions"),
    "ids": ("信息交付要求 (IDS)", "Information requirements (IDS)"),
    "pass": ("通过", "pass"),
    "fail": ("不通过", "FAIL"),
    "not-applicable": ("不适用", "not applicable"),
    "limit": ("限值", "limit"),
    "value": ("实测", "value"),
    "elements": ("个构件", "elements"),
    "applicable": ("适用构件", "applicable"),
    "failed": ("不合格", "failed"),
    "max_height_m": ("建筑高度上限", "Maximum height"),
    "max_far": ("容积率上限", "Maximum FAR"),
    "min_far": ("容积率下限", "Minimum FAR"),
    "max_coverage": ("建筑密度上限", "Maximum coverage"),
    "min_green_ratio": ("绿地率下限", "Minimum green ratio"),
    "setback_m": ("退线距离", "Setback from the red line"),
    "max_storeys": ("层数上限", "Maximum storeys"),
    "overall_pass": ("结论：全部通过", "Result: passes"),
    "overall_fail": ("结论：存在不通过项", "Result: does not pass"),
}


def label(key: str, lang: Lang) -> str:
    zh, en = LABELS.get(key, (key, key))
    return zh if lang == "zh-CN" else en


def _num(v: float | None, digits: int = 2) -> str:
    return "—" if v is None else f"{v:,.{digits}f}"


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.2f}%"


def render_text(report: ReviewReport, lang: Lang = "zh-CN") -> str:
    ind = report.indicators

    def t(key: str) -> str:
        return label(key, lang)

    lines = [f"{t('title')}: {report.model_name} ({report.schema})", "", f"== {t('indicators')} =="]
    lines.append(
        f"  {t('storey'):<16}{t('elevation'):>10}{t('storey_height'):>10}"
        f"{t('area'):>14}{t('counted'):>14}  {t('source')}"
    )
    for a in ind.storeys:
        marks = []
        if a.storey.below_ground:
            marks.append(t("below"))
        if a.storey.area_factor < 1 and a.area_m2 > 0:
            marks.append(t("half"))
        note = f" [{', '.join(marks)}]" if marks else ""
        lines.append(
            f"  {a.storey.name[:16]:<16}{a.storey.elevation_m:>10.2f}{_num(a.storey.height_m):>10}"
            f"{a.area_m2:>14,.2f}{a.counted_m2:>14,.2f}  {a.area_source}{note}"
        )
    figures: list[tuple[str, Figure, str]] = [
        ("gross_floor_area_m2", ind.gross_floor_area, "n"),
        ("counted_floor_area_m2", ind.counted_floor_area, "n"),
        ("site_area_m2", ind.site_area, "n"),
        ("far", ind.far, "r"),
        ("height_m", ind.height, "n"),
        ("height_to_parapet_m", ind.height_to_parapet, "n"),
        ("base_area_m2", ind.base_area, "n"),
        ("coverage", ind.coverage, "%"),
        ("green_area_m2", ind.green_area, "n"),
        ("green_ratio", ind.green_ratio, "%"),
    ]
    for key, fig, kind in figures:
        shown = _pct(fig.value) if kind == "%" else _num(fig.value, 3 if kind == "r" else 2)
        lines.append(f"  {t(key)}: {shown}  ({fig.source})")
    lines.append(f"  {t('storeys_above_ground')}: {ind.storeys_above}")
    lines.append(f"  {t('storeys_below_ground')}: {ind.storeys_below}")
    if report.rules:
        lines += ["", f"== {t('rules')} =="]
        for r in report.rules:
            ratio = r.key in {"max_coverage", "min_green_ratio"}
            value = _pct(r.value) if ratio else _num(r.value, 3)
            limit = _pct(r.limit) if ratio else _num(r.limit, 3)
            extra = f", {len(r.elements)} {t('elements')}" if r.elements else ""
            unit = f" {r.unit}" if r.unit else ""
            lines.append(
                f"  [{t(r.status)}] {t(r.key)} ({r.key}): {t('value')} {value}{unit} / "
                f"{t('limit')} {limit}{unit}{extra}"
            )
    if report.ids:
        lines += ["", f"== {t('ids')} =="]
        for s in report.ids:
            lines.append(
                f"  [{t(s.status)}] {s.name}: {t('applicable')} {s.applicable}, "
                f"{t('failed')} {len(s.failed)}"
            )
    lines += ["", t("overall_pass") if report.passed else t("overall_fail")]
    return "\n".join(lines) + "\n"
