import { describe, expect, it } from "vitest";

import type { Intrusion, Obstruction, SightlineRun, SunlightRun } from "./analysis-api";
import {
  EYE_HEIGHT_M,
  HOURS_STOPS,
  INTRUSION_STOPS,
  chosen,
  corridorVerdict,
  cssColour,
  eyePoint,
  firstObstructingFeature,
  hoursColour,
  hoursLegend,
  hoursScaleMax,
  hoursText,
  intrusionColour,
  intrusionColours,
  intrusionLegend,
  intrusionRows,
  isClock,
  isDate,
  isProposalKind,
  legendGradient,
  metresText,
  obstructionRows,
  parseNumberField,
  parseWindow,
  ramp,
  scenarioFor,
  sightlineDrawing,
  sightlineVerdict,
  sunSummaryView,
  volumeText,
  wedgeTriangles,
} from "./analysis-format";
import { ANALYSIS_EN, analysisKeys, analysisText } from "./analysis-i18n";

const building = (id: string, distance: number, kind = "buildings"): Obstruction => ({
  featureId: id,
  layer: kind === "terrain" ? "demo-terrain" : "demo-buildings",
  kind,
  distanceM: distance,
  point: [114 + distance / 1e5, 22.5, 20],
});

function intrusion(id: string, metres: number, kind = "buildings"): Intrusion {
  return { featureId: id, layer: "demo-buildings", kind, maxIntrusionM: metres, volumeM3: metres * 100, point: [114, 22.5, 50] };
}

describe("analysis strings", () => {
  it("both languages have the same keys and no empty text", () => {
    expect(analysisKeys("en")).toEqual(analysisKeys("zh-CN"));
    for (const key of Object.keys(ANALYSIS_EN)) {
      expect(ANALYSIS_EN[key as keyof typeof ANALYSIS_EN].trim()).not.toBe("");
    }
  });

  it("placeholders are filled and Chinese is the default", () => {
    expect(analysisText("zh-CN", "analysis.failed", { reason: "x" })).toBe("分析失败：x");
    expect(analysisText("en", "analysis.failed", { reason: "x" })).toBe("The analysis failed: x");
    expect(analysisText("en", "analysis.sightline.obstructions")).toBe("Obstructions ({count})");
    expect(analysisText("zh-CN", "analysis.open")).toBe("分析");
    expect(analysisText("en", "analysis.open")).toBe("Analysis");
  });
});

describe("numbers with units", () => {
  it("metres, volumes and hours read in each language", () => {
    expect(metresText("en", 12.345)).toBe("12.3 m");
    expect(metresText("en", 12.345, 2)).toBe("12.35 m");
    expect(metresText("zh-CN", null)).toBe("—");
    expect(volumeText("en", 12345.6)).toBe("12,346 m³");
    expect(volumeText("en", 0.42)).toBe("0.4 m³");
    expect(volumeText("en", 0)).toBe("0 m³");
    expect(hoursText("zh-CN", 2.5)).toBe("2.5 小时");
    expect(hoursText("en", 2.456)).toBe("2.46 h");
    expect(hoursText("en", null)).toBe("—");
  });
});

describe("picked points and scenarios", () => {
  it("a point on the ground is raised by the eye height, one on a building is not", () => {
    expect(eyePoint([114, 22, 10], true)).toEqual([114, 22, 10 + EYE_HEIGHT_M]);
    expect(eyePoint([114, 22, 10], true, 2)).toEqual([114, 22, 12]);
    expect(eyePoint([114, 22, 10], false)).toEqual([114, 22, 10]);
  });

  it("a proposal layer becomes a compared scenario", () => {
    expect(scenarioFor(null)).toBeNull();
    expect(scenarioFor("")).toBeNull();
    expect(scenarioFor("demo-proposal")).toEqual({ add: ["demo-proposal"], compare: true });
    expect(isProposalKind("ifc")).toBe(true);
    expect(isProposalKind(" BIM ")).toBe(true);
    expect(isProposalKind("buildings")).toBe(false);
  });

  it("the side shown falls back to after when there is no before", () => {
    expect(chosen({ after: "a", before: "b" }, "before")).toBe("b");
    expect(chosen({ after: "a", before: "b" }, "after")).toBe("a");
    expect(chosen({ after: "a", before: null }, "before")).toBe("a");
  });
});

describe("sightline", () => {
  const from = [114, 22.5, 20] as const;
  const to = [114.01, 22.5, 20] as const;

  it("is green up to the first obstruction and red from there, with a marker at each", () => {
    const run: SightlineRun = { visible: false, distanceM: 1000, obstructions: [building("a", 100), building("b", 300)] };
    const drawing = sightlineDrawing(from, to, run);
    expect(drawing.clear).toEqual([from, run.obstructions[0]?.point]);
    expect(drawing.blocked).toEqual([run.obstructions[0]?.point, to]);
    expect(drawing.markers).toHaveLength(2);
  });

  it("is green all the way when nothing is in the way", () => {
    const drawing = sightlineDrawing(from, to, { visible: true, distanceM: 1000, obstructions: [] });
    expect(drawing.clear).toEqual([from, to]);
    expect(drawing.blocked).toBeNull();
    expect(drawing.markers).toEqual([]);
  });

  it("the building highlighted is the first obstruction that is not the ground", () => {
    const obstructions = [building("", 10, "terrain"), building("ridge", 20, "terrain"), building("b1", 40), building("b2", 60)];
    expect(firstObstructingFeature(obstructions)?.featureId).toBe("b1");
    expect(firstObstructingFeature([building("r", 5, "terrain")])).toBeNull();
    const rows = obstructionRows("en", obstructions);
    expect(rows.map((r) => [r.featureId, r.first])).toEqual([
      ["—", false],
      ["ridge", false],
      ["b1", true],
      ["b2", false],
    ]);
    expect(rows[2]?.distance).toBe("40.0 m");
  });

  it("says visible or blocked", () => {
    expect(sightlineVerdict("zh-CN", { visible: true, distanceM: 1, obstructions: [] })).toBe("通视");
    expect(sightlineVerdict("en", { visible: false, distanceM: 1, obstructions: [] })).toBe("Blocked");
  });
});

describe("colours", () => {
  it("ramps between stops and writes #rrggbb", () => {
    expect(cssColour(ramp(["#000000", "#ffffff"], 0))).toBe("#000000");
    expect(cssColour(ramp(["#000000", "#ffffff"], 1))).toBe("#ffffff");
    expect(cssColour(ramp(["#000000", "#ffffff"], 0.5))).toBe("#808080");
    expect(cssColour(ramp(["#000000", "#ffffff"], 7))).toBe("#ffffff");
    expect(cssColour(ramp(["#000000", "#ffffff"], Number.NaN))).toBe("#000000");
    expect(cssColour(ramp(["#123456"], 0.5))).toBe("#123456");
  });

  it("intrusions go from amber (slight) to red (10 m and more)", () => {
    expect(intrusionColour(0)).toBe(INTRUSION_STOPS[0]);
    expect(intrusionColour(10)).toBe(INTRUSION_STOPS[2]);
    expect(intrusionColour(50)).toBe(INTRUSION_STOPS[2]);
    expect(intrusionColour(5)).toBe(INTRUSION_STOPS[1]);
    const green = (css: string): number => Number.parseInt(css.slice(3, 5), 16);
    // greener when slight: the green channel falls as the intrusion grows
    expect(green(intrusionColour(1))).toBeGreaterThan(green(intrusionColour(8)));
  });

  it("sunlight hours go from blue (0 h) to red (twice the requirement)", () => {
    expect(hoursScaleMax(2)).toBe(4);
    expect(hoursScaleMax(null)).toBe(4);
    expect(hoursScaleMax(3)).toBe(6);
    expect(hoursColour(0, 2)).toBe(HOURS_STOPS[0]);
    expect(hoursColour(4, 2)).toBe(HOURS_STOPS[4]);
    expect(hoursColour(9, 2)).toBe(HOURS_STOPS[4]);
    expect(hoursColour(2, 2)).toBe(HOURS_STOPS[2]);
  });

  it("legends label their stops", () => {
    expect(hoursLegend("en", 2).map((s) => s.label)).toEqual(["0 h", "1 h", "2 h", "3 h", "≥ 4 h"]);
    expect(hoursLegend("en", 2).map((s) => s.colour)).toEqual([...HOURS_STOPS]);
    expect(intrusionLegend("en").map((s) => s.label)).toEqual(["0 m", "5 m", "≥ 10 m"]);
    expect(legendGradient(["#000", "#fff"])).toBe("linear-gradient(to right, #000, #fff)");
  });
});

describe("corridor", () => {
  it("rows list every intrusion with its colour; the ground is not coloured", () => {
    const list = [intrusion("b1", 12.5), intrusion("b2", 0.4), intrusion("ridge", 3, "terrain")];
    const rows = intrusionRows("en", list);
    expect(rows.map((r) => [r.featureId, r.maxIntrusion, r.volume])).toEqual([
      ["b1", "12.50 m", "1,250 m³"],
      ["b2", "0.40 m", "40 m³"],
      ["ridge", "3.00 m", "300 m³"],
    ]);
    const colours = intrusionColours(list);
    expect([...colours.keys()]).toEqual(["b1", "b2"]);
    expect(colours.get("b1")).toBe(INTRUSION_STOPS[2]);
    expect(corridorVerdict("en", [])).toBe("Corridor clear");
    expect(corridorVerdict("zh-CN", list)).toBe("视廊受侵入");
  });

  it("a wide view's threshold surface is one triangle per pair of target edges", () => {
    const eye = [114, 22.5, 11.6] as const;
    const left = [114.01, 22.5, 80] as const;
    const middle = [114.01, 22.505, 82] as const;
    const right = [114.01, 22.51, 80] as const;
    expect(wedgeTriangles({ eye, targets: [left, right] }, undefined)).toEqual([[eye, left, right]]);
    expect(wedgeTriangles({ eye, targets: [left, middle, right] }, undefined)).toEqual([
      [eye, left, middle],
      [eye, middle, right],
    ]);
    expect(wedgeTriangles(null, undefined)).toEqual([]);
  });

  it("a landmark's threshold surface lifts the corridor triangle onto the plane from the eye", () => {
    const eye = [114, 22.5, 11.6] as const;
    const target = [114, 22.51, 91.6] as const; // 1113 m north, 80 m higher
    const dLon = 25 / (111_320 * Math.cos((22.5 * Math.PI) / 180));
    const ring: Array<[number, number]> = [
      [114, 22.5],
      [114 - dLon, 22.51],
      [114 + dLon, 22.51],
      [114, 22.5],
    ];
    const triangles = wedgeTriangles({ eye, targets: [target] }, ring);
    expect(triangles).toHaveLength(1);
    const [apex, a, b] = triangles[0] ?? [];
    expect(apex).toEqual([114, 22.5, 11.6]);
    expect(a?.[2]).toBeCloseTo(91.6, 6);
    expect(b?.[2]).toBeCloseTo(91.6, 6);
    // a point half way up the view is half way up
    const half: Array<[number, number]> = [
      [114, 22.5],
      [114 - dLon, 22.505],
      [114 + dLon, 22.505],
    ];
    expect(wedgeTriangles({ eye, targets: [target] }, half)[0]?.[1]?.[2]).toBeCloseTo(51.6, 6);
    expect(wedgeTriangles({ eye, targets: [eye] }, ring)).toEqual([]);
    expect(wedgeTriangles({ eye, targets: [target] }, ring.slice(0, 2))).toEqual([]);
  });
});

describe("sunlight summary", () => {
  const run = (failing: number): SunlightRun => ({
    points: [],
    summary: { count: 120, passing: 120 - failing, failing, minHours: 0.5, maxHours: 6.25 },
  });

  it("reads counts, the range of hours and the verdict", () => {
    const view = sunSummaryView("en", run(12));
    expect(view).toMatchObject({ count: "120", passing: "108", failing: "12", range: "0.5 h – 6.25 h", passed: false });
    expect(view.verdict).toBe("12 points lack sunlight");
    expect(sunSummaryView("zh-CN", run(0)).verdict).toBe("全部采样点满足日照要求");
    const empty: SunlightRun = { points: [], summary: { count: 0, passing: 0, failing: 0, minHours: null, maxHours: null } };
    expect(sunSummaryView("en", empty).range).toBe("—");
  });
});

describe("form fields", () => {
  it("numbers are read within bounds", () => {
    expect(parseNumberField("25")).toBe(25);
    expect(parseNumberField(" 1.6 ")).toBe(1.6);
    expect(parseNumberField("1,6")).toBe(1.6);
    expect(parseNumberField("-3")).toBe(-3);
    expect(parseNumberField("")).toBeNull();
    expect(parseNumberField("abc")).toBeNull();
    expect(parseNumberField("1e3")).toBeNull();
    expect(parseNumberField("5", 10)).toBeNull();
    expect(parseNumberField("50", 0, 24)).toBeNull();
  });

  it("dates and times of day are checked", () => {
    expect(isDate("2026-01-20")).toBe(true);
    expect(isDate("2026-02-30")).toBe(false);
    expect(isDate("2026-1-20")).toBe(false);
    expect(isClock("08:00")).toBe(true);
    expect(isClock("24:00")).toBe(true);
    expect(isClock("24:30")).toBe(false);
    expect(isClock("8:00")).toBe(false);
    expect(parseWindow("08:00", "16:00")).toEqual(["08:00", "16:00"]);
    expect(parseWindow("16:00", "08:00")).toBeNull();
    expect(parseWindow("08:00", "x")).toBeNull();
  });
});
