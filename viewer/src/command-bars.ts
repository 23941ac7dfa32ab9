// The maths of the command centre's bar charts (counts per district): a "nice"
// axis maximum, its ticks, and the rectangles of grouped horizontal bars. Pure:
// command-panels.ts turns the layout into SVG.

import type { Counts, DistrictCounts } from "./health-api";

/** The smallest 1, 2, 2.5 or 5 × 10^k that is at least `value` (at least 1). */
export function niceMax(value: number): number {
  if (!Number.isFinite(value) || value <= 1) {
    return 1;
  }
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * power >= value - 1e-9) {
      return step * power;
    }
  }
  return 10 * power;
}

/**
 * Axis ticks from 0 to `max` in whole, round steps (1, 2 or 5 × 10^k) that divide
 * `max`, at most `count` + 1 intervals: 0 5 10 15 20 25 for 25, not 0 7 14 21.
 */
export function ticks(max: number, count = 4): number[] {
  let step = Math.max(1, Math.ceil(max / count));
  search: for (let power = 1; power <= Math.max(1, max); power *= 10) {
    for (const m of [1, 2, 5]) {
      const s = m * power;
      if (Number.isInteger(max / s) && max / s <= count + 1) {
        step = s;
        break search;
      }
    }
  }
  const out: number[] = [];
  for (let tick = 0; tick <= max + 1e-9; tick += step) {
    out.push(tick);
  }
  return out;
}

export interface Series {
  readonly key: keyof Counts;
  readonly colour: string;
}

export const PROBLEM_SERIES: readonly Series[] = [
  { key: "problemsOpen", colour: "#f97316" },
  { key: "problemsOverdue", colour: "#ef4444" },
];
export const PROJECT_SERIES: readonly Series[] = [
  { key: "projectsActive", colour: "#38bdf8" },
  { key: "projectsOverdue", colour: "#ef4444" },
  { key: "projectsIdle", colour: "#94a3b8" },
];

export interface Bar {
  readonly district: string;
  readonly key: keyof Counts;
  readonly value: number;
  readonly colour: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface ChartLayout {
  readonly width: number;
  readonly height: number;
  readonly max: number;
  readonly ticks: ReadonlyArray<{ readonly value: number; readonly x: number }>;
  readonly rows: ReadonlyArray<{ readonly district: string; readonly y: number; readonly height: number }>;
  readonly bars: readonly Bar[];
}

export interface ChartBox {
  /** The whole chart's width (pixels). */
  readonly width: number;
  /** Room for the district names on the left. */
  readonly labelWidth: number;
  /** Room for the value after the longest bar. */
  readonly valueWidth: number;
  readonly barHeight: number;
  readonly barGap: number;
  readonly rowGap: number;
  /** Room for the axis ticks at the bottom. */
  readonly axisHeight: number;
}

export const DEFAULT_BOX: ChartBox = {
  width: 420,
  labelWidth: 96,
  valueWidth: 36,
  barHeight: 12,
  barGap: 2,
  rowGap: 10,
  axisHeight: 20,
};

/**
 * Grouped horizontal bars: one row per district (in the order given), one bar
 * per series in it, lengths proportional to the count on a shared axis from 0
 * to niceMax(largest count).
 */
export function layoutBars(
  districts: readonly DistrictCounts[],
  series: readonly Series[],
  box: ChartBox = DEFAULT_BOX,
): ChartLayout {
  const largest = Math.max(0, ...districts.flatMap((d) => series.map((s) => d[s.key])));
  const max = niceMax(largest);
  const plot = Math.max(1, box.width - box.labelWidth - box.valueWidth);
  const rowHeight = series.length * box.barHeight + Math.max(0, series.length - 1) * box.barGap;
  const rows: Array<{ district: string; y: number; height: number }> = [];
  const bars: Bar[] = [];
  districts.forEach((d, row) => {
    const y = row * (rowHeight + box.rowGap);
    rows.push({ district: d.district, y, height: rowHeight });
    series.forEach((s, i) => {
      const value = d[s.key];
      bars.push({
        district: d.district,
        key: s.key,
        value,
        colour: s.colour,
        x: box.labelWidth,
        y: y + i * (box.barHeight + box.barGap),
        width: (Math.max(0, value) / max) * plot,
        height: box.barHeight,
      });
    });
  });
  const plotHeight = districts.length === 0 ? 0 : districts.length * (rowHeight + box.rowGap) - box.rowGap;
  return {
    width: box.width,
    height: plotHeight + box.axisHeight,
    max,
    ticks: ticks(max).map((value) => ({ value, x: box.labelWidth + (value / max) * plot })),
    rows,
    bars,
  };
}

/** Districts with the most to do first (open + overdue problems, then overdue + idle projects). */
export function sortDistricts(districts: readonly DistrictCounts[]): DistrictCounts[] {
  const weight = (d: DistrictCounts): number =>
    d.problemsOverdue * 2 + d.problemsOpen + d.projectsOverdue * 2 + d.projectsIdle;
  return [...districts].sort((a, b) => weight(b) - weight(a) || a.district.localeCompare(b.district, "zh-CN"));
}
