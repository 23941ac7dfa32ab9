import { describe, expect, it } from "vitest";

import { parseSubmission, parseSubmissionSummary, type SubmissionSummary } from "./review-api";
import { CHECKED } from "./review-sample.test-data";
import {
  areaText,
  diffText,
  hashOpensReview,
  idsRows,
  indicatorRows,
  isBeingChecked,
  otherVersionLayers,
  panelShiftMetres,
  percentText,
  readReviewFromHash,
  resultLabel,
  ruleLabel,
  ruleRows,
  shiftWest,
  sourceText,
  stateLabel,
  storeyRows,
  unionExtent,
  versionsOf,
  writeReviewToHash,
} from "./review-format";

function checked() {
  const sub = parseSubmission(CHECKED);
  if (sub === null || sub.report === null || sub.report.indicators === null) {
    throw new Error("the sample submission does not parse");
  }
  return { sub, report: sub.report, ind: sub.report.indicators };
}

function summary(id: string, state = "checked", extra: Record<string, unknown> = {}): SubmissionSummary {
  const s = parseSubmissionSummary({ id, state, layer: `sub-${id}`, ...extra });
  if (s === null) {
    throw new Error(id);
  }
  return s;
}

describe("review panel text", () => {
  it("indicators read in Chinese with their sources, counted floor area first", () => {
    const rows = indicatorRows("zh-CN", checked().ind);
    const byKey = Object.fromEntries(rows.map((r) => [r.key, r]));
    expect(rows[0]?.label).toBe("计容建筑面积");
    expect(byKey["counted_floor_area_m2"]?.value).toBe("150.00 m²");
    expect(byKey["counted_floor_area_m2"]?.source).toBe("楼板（IfcSlab）投影面积");
    expect(byKey["far"]).toMatchObject({ label: "容积率", value: "0.375", source: "计容建筑面积 ÷ 用地面积" });
    expect(byKey["height_m"]).toMatchObject({ label: "建筑高度", value: "10.20 m" });
    expect(byKey["height_m"]?.source).toBe("最高的屋面构件（IfcRoof、屋面板），自模型 ±0.00 标高起算");
    expect(byKey["storeys"]).toMatchObject({ label: "层数", value: "地上 2 层，地下 0 层" });
    expect(byKey["coverage"]).toMatchObject({ label: "建筑密度", value: "25.00%" });
    expect(byKey["green_ratio"]).toMatchObject({ label: "绿地率", value: "—", source: "不适用：模型中没有绿地" });
  });

  it("the same indicators in English keep the review's own wording", () => {
    const rows = indicatorRows("en", checked().ind);
    expect(rows[0]).toMatchObject({ label: "Counted floor area", value: "150.00 m²", source: "IfcSlab footprints" });
    expect(rows.find((r) => r.key === "storeys")?.value).toBe("2 above ground, 0 below");
  });

  it("a storey under 2.20 m with floor area is marked as counted at half", () => {
    const rows = storeyRows("zh-CN", checked().ind);
    expect(rows.map((r) => [r.name, r.half, r.counted])).toEqual([
      ["+0.00", false, "100.00 m²"],
      ["+6.00", true, "50.00 m²"],
    ]);
    expect(rows[1]?.height).toBe("2.00 m");
    expect(rows[1]?.source).toBe("楼板（IfcSlab）投影面积");
  });

  it("rules read with their Chinese labels, value and limit", () => {
    const rows = ruleRows("zh-CN", checked().report.rules);
    expect(rows.map((r) => [r.label, r.statusLabel, r.value, r.limit])).toEqual([
      ["建筑高度上限", "不通过", "10.20 m", "8.00 m"],
      ["容积率上限", "通过", "0.375", "2.000"],
      ["绿地率下限", "不适用", "—", "30.00%"],
    ]);
    expect(rows[0]?.elements).toEqual(["29zqJFQFf5cgvxPcjYKWpI"]);
    expect(rows[0]?.note).toBe("算至屋面");
    expect(ruleRows("en", checked().report.rules)[0]).toMatchObject({ label: "Maximum height", statusLabel: "Fail" });
    expect(ruleLabel("zh-CN", "max_storeys")).toBe("层数上限");
    expect(ruleLabel("zh-CN", "future_rule")).toBe("future_rule");
  });

  it("storey counts and unknown units read sensibly", () => {
    const rows = ruleRows("zh-CN", [
      { key: "max_storeys", status: "fail", value: 4, limit: 3, unit: "storeys", elements: ["s4", "s4"], note: "" },
      { key: "odd", status: "pass", value: 1.23456, limit: 2, unit: "kg", elements: [], note: "" },
    ]);
    expect(rows.map((r) => [r.value, r.limit, r.elements])).toEqual([
      ["4 层", "3 层", ["s4"]],
      ["1.235 kg", "2 kg", []],
    ]);
  });

  it("IDS specifications show their status, applicable count and unique failures", () => {
    const [row] = idsRows("zh-CN", checked().report.ids);
    expect(row).toMatchObject({ name: "墙体须有耐火等级", statusLabel: "不通过", applicable: "4", failedCount: "2", elements: ["1a", "1b"] });
    expect(idsRows("en", [{ name: "", status: "pass", applicable: 1200, failed: [], description: "", reasons: [] }])[0]).toMatchObject({
      name: "#1",
      statusLabel: "Pass",
      applicable: "1,200",
      failedCount: "0",
    });
  });

  it("sources: composite ones are translated part by part, unknown parts stay", () => {
    expect(sourceText("zh-CN", "IfcSlab footprints; IfcSpace footprints")).toBe("楼板（IfcSlab）投影面积；空间（IfcSpace）投影面积");
    expect(sourceText("zh-CN", "counted floor area / site area: not applicable (no site area)")).toBe(
      "计容建筑面积 ÷ 用地面积：不适用（没有用地面积）",
    );
    expect(sourceText("zh-CN", "something new")).toBe("something new");
    expect(sourceText("en", "IfcSlab footprints")).toBe("IfcSlab footprints");
    expect(sourceText("zh-CN", "  ")).toBe("—");
  });

  it("numbers: areas with two decimals and grouping, ratios as percentages", () => {
    expect(areaText("en", 12345.678)).toBe("12,345.68 m²");
    expect(areaText("zh-CN", null)).toBe("—");
    expect(percentText("en", 0.3)).toBe("30.00%");
  });

  it("states: a submission being checked, one whose check failed, one reviewed", () => {
    const checking = summary("du07-v2", "submitted");
    const failed = summary("du07-v3", "submitted", { check_error: "IDS 无效" });
    expect(stateLabel("zh-CN", checking)).toBe("检查中");
    expect(isBeingChecked(checking)).toBe(true);
    expect(stateLabel("zh-CN", failed)).toBe("检查失败");
    expect(stateLabel("en", failed)).toBe("Check failed");
    expect(isBeingChecked(failed)).toBe(false);
    expect(stateLabel("zh-CN", summary("du07-v1", "under_review"))).toBe("审查中");
    expect(stateLabel("en", summary("du07-v1", "nonsense"))).toBe("Unknown state");
    expect(resultLabel("zh-CN", false)).toBe("不合规");
    expect(resultLabel("en", true)).toBe("Passes");
    expect(resultLabel("en", null)).toBe("—");
  });

  it("versions of a project are listed by version; switching hides the others' layers", () => {
    const list = [summary("du07-v2"), summary("ab-v1"), summary("du07-v1"), summary("du07-v3", "submitted", { layer: null })];
    expect(versionsOf(list, "du07").map((s) => s.version)).toEqual([1, 2, 3]);
    expect(otherVersionLayers(list, { id: "du07-v2", project: "du07" })).toEqual(["sub-du07-v1"]);
  });

  it("the diff against the previous version reads as counts", () => {
    expect(diffText("en", { added: 2, removed: 0, changed: 5 })).toBe(
      "Against the previous version: 2 added, 0 removed, 5 changed elements",
    );
    expect(diffText("en", null)).toBeNull();
  });

  it("the extent of a failure's elements is the union of their boxes", () => {
    expect(
      unionExtent([
        { bbox: [114, 22, 114.001, 22.001], zmin: 0, zmax: 9 },
        { bbox: null, zmin: 100, zmax: 200 },
        { bbox: [113.999, 22.0005, 114.0005, 22.002], zmin: 9, zmax: 10.4 },
      ]),
    ).toEqual({ bbox: [113.999, 22, 114.001, 22.002], zmin: 0, zmax: 10.4 });
    expect(unionExtent([{ bbox: null, zmin: 1, zmax: 2 }])).toBeNull();
  });
});

describe("framing past the panel", () => {
  it("aims west by the share of the canvas the panel covers", () => {
    // a panel over the left 40% of the canvas: the middle of the rest is 20% right of centre,
    // i.e. 0.4 of the half width at the target's distance
    expect(panelShiftMetres(400, 1000, 200, 0.5)).toBeCloseTo(40);
    expect(panelShiftMetres(0, 1000, 200, 0.5)).toBe(0);
    expect(panelShiftMetres(900, 1000, 200, 0.5)).toBe(0);
    expect(panelShiftMetres(100, 0, 200, 0.5)).toBe(0);
  });

  it("moves a sphere west along its parallel", () => {
    const moved = shiftWest({ lon: 114, lat: 60, height: 5, radius: 30 }, 55_660);
    expect(moved.lon).toBeCloseTo(113, 6);
    expect(moved).toMatchObject({ lat: 60, height: 5, radius: 30 });
  });
});

describe("the review in the URL hash", () => {
  it("is read next to the camera, and a malformed id is ignored", () => {
    expect(readReviewFromHash("#review=du07-v1")).toBe("du07-v1");
    expect(readReviewFromHash("#cam=1,2,3&review=du07-v1")).toBe("du07-v1");
    expect(readReviewFromHash("#review=DROP%20TABLE")).toBeNull();
    expect(readReviewFromHash("#review=%E0%A4%A")).toBeNull();
    expect(readReviewFromHash("#cam=1,2,3")).toBeNull();
    expect(hashOpensReview("#review")).toBe(true);
    expect(hashOpensReview("#cam=1,2,3&review=x-v1")).toBe(true);
    expect(hashOpensReview("#reviewer=x")).toBe(false);
  });

  it("is written without touching the camera", () => {
    expect(writeReviewToHash("#cam=1,2,3", "du07-v2")).toBe("#cam=1,2,3&review=du07-v2");
    expect(writeReviewToHash("#review=du07-v1&cam=1,2,3", "du07-v2")).toBe("#cam=1,2,3&review=du07-v2");
    expect(writeReviewToHash("#cam=1,2,3&review=du07-v1", null)).toBe("#cam=1,2,3");
    expect(writeReviewToHash("#review=du07-v1", null)).toBe("");
    expect(writeReviewToHash("", "")).toBe("#review");
  });
});
