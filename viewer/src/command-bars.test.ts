import { describe, expect, it } from "vitest";

import { DEFAULT_BOX, PROBLEM_SERIES, layoutBars, niceMax, sortDistricts, ticks } from "./command-bars";
import type { DistrictCounts } from "./health-api";

function district(name: string, open: number, overdue: number): DistrictCounts {
  return { district: name, problemsOpen: open, problemsOverdue: overdue, projectsActive: 0, projectsOverdue: 0, projectsIdle: 0 };
}

describe("niceMax", () => {
  it("rounds up to 1, 2, 2.5 or 5 times a power of ten", () => {
    expect([0, 1, 3, 7, 12, 23, 26, 480].map(niceMax)).toEqual([1, 1, 5, 10, 20, 25, 50, 500]);
  });
});

describe("ticks", () => {
  it("steps in whole counts from 0 to the maximum", () => {
    expect(ticks(20)).toEqual([0, 5, 10, 15, 20]);
    expect(ticks(1)).toEqual([0, 1]);
    expect(ticks(25)).toEqual([0, 5, 10, 15, 20, 25]);
    expect(ticks(5)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(ticks(50)).toEqual([0, 10, 20, 30, 40, 50]);
    expect(ticks(100)).toEqual([0, 20, 40, 60, 80, 100]);
  });
});

describe("layoutBars", () => {
  it("makes bar lengths proportional to the counts on a shared axis", () => {
    const layout = layoutBars([district("鼓楼区", 10, 5), district("玄武区", 20, 0)], PROBLEM_SERIES);
    const plot = DEFAULT_BOX.width - DEFAULT_BOX.labelWidth - DEFAULT_BOX.valueWidth;
    expect(layout.max).toBe(20);
    const widths = layout.bars.map((b) => b.width);
    expect(widths).toEqual([plot / 2, plot / 4, plot, 0]);
    expect(layout.bars.every((b) => b.x === DEFAULT_BOX.labelWidth)).toBe(true);
    expect(layout.ticks[layout.ticks.length - 1]?.x).toBe(DEFAULT_BOX.labelWidth + plot);
  });

  it("stacks one row per district without overlap", () => {
    const layout = layoutBars([district("a", 1, 1), district("b", 1, 1)], PROBLEM_SERIES);
    const [first, second] = layout.rows;
    expect(first?.y).toBe(0);
    expect(second?.y).toBe((first?.height ?? 0) + DEFAULT_BOX.rowGap);
    expect(layout.height).toBe((second?.y ?? 0) + (second?.height ?? 0) + DEFAULT_BOX.axisHeight);
  });

  it("draws an empty axis for no districts", () => {
    const layout = layoutBars([], PROBLEM_SERIES);
    expect(layout.bars).toEqual([]);
    expect(layout.max).toBe(1);
  });
});

describe("sortDistricts", () => {
  it("puts the district with the most overdue work first", () => {
    expect(sortDistricts([district("a", 5, 0), district("b", 1, 3)]).map((d) => d.district)).toEqual(["b", "a"]);
  });
});
