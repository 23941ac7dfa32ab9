import { describe, expect, it } from "vitest";

import {
  bcfUrl,
  elementsUrl,
  geometryBBox,
  isSubmissionId,
  parseElementExtents,
  parseFigure,
  parseReport,
  parseSubmission,
  parseSubmissionSummary,
  submissionUrl,
} from "./review-api";
import { CHECKED } from "./review-sample.test-data";

describe("review API shapes", () => {
  it("submission ids are checked the way the API checks its paths", () => {
    expect(isSubmissionId("du07-v1")).toBe(true);
    expect(isSubmissionId("a_b-c-v123456")).toBe(true);
    expect(isSubmissionId("DU07-v1")).toBe(false);
    expect(isSubmissionId("du07")).toBe(false);
    expect(isSubmissionId("du07-v1/../x")).toBe(false);
    expect(submissionUrl("du07-v1")).toBe("api/submissions/du07-v1");
    expect(bcfUrl("du07-v1")).toBe("api/submissions/du07-v1/bcf");
  });

  it("a checked submission is read with its report", () => {
    const sub = parseSubmission(CHECKED);
    expect(sub).not.toBeNull();
    if (sub === null) {
      return;
    }
    expect(sub).toMatchObject({
      id: "du07-v1",
      project: "du07",
      version: 1,
      state: "checked",
      layer: "sub-du07-v1",
      passed: false,
      hasBcf: true,
      checkError: null,
      previousId: null,
      diffCounts: null,
    });
    const report = sub.report;
    expect(report?.passed).toBe(false);
    expect(report?.indicators?.countedFloorArea).toEqual({ value: 150, source: "IfcSlab footprints" });
    expect(report?.indicators?.storeys.map((s) => [s.globalId, s.areaFactor, s.countedAreaM2])).toEqual([
      ["0REiMTy_f37AXlRLG9Lqq3", 1, 100],
      ["2LQe8rqvr2RBJxVK7gVFc5", 0.5, 50],
    ]);
    expect(report?.rules.map((r) => [r.key, r.status, r.value, r.limit])).toEqual([
      ["max_height_m", "fail", 10.2, 8],
      ["max_far", "pass", 0.375, 2],
      ["min_green_ratio", "not_applicable", null, 0.3],
    ]);
    expect(report?.ids[0]).toMatchObject({ name: "墙体须有耐火等级", status: "fail", applicable: 4, failed: ["1a", "1b", "1a"] });
  });

  it("a submission still being checked has no report and no verdict", () => {
    const sub = parseSubmission({ ...CHECKED, state: "submitted", passed: null, has_bcf: false, report: null });
    expect(sub?.report).toBeNull();
    expect(sub?.passed).toBeNull();
    expect(sub?.hasBcf).toBe(false);
  });

  it("a failed check keeps its error", () => {
    const sub = parseSubmissionSummary({ ...CHECKED, state: "submitted", check_error: "rules: not readable", report: null });
    expect(sub?.checkError).toBe("rules: not readable");
    expect(parseSubmissionSummary({ ...CHECKED, check_error: "" })?.checkError).toBeNull();
  });

  it("unusable entries are dropped and mistyped fields read as empty", () => {
    expect(parseSubmissionSummary(null)).toBeNull();
    expect(parseSubmissionSummary({ id: 7 })).toBeNull();
    expect(parseSubmissionSummary({ id: "<script>" })).toBeNull();
    const bare = parseSubmissionSummary({ id: "p1-v3", state: "weird", passed: "yes", layer: 5 });
    expect(bare).toMatchObject({ id: "p1-v3", project: "p1", version: 3, state: "unknown", passed: null, layer: null, hasBcf: false });
    const report = parseReport({
      rules: [{ key: "max_far", status: "maybe" }, "x", { key: "max_far", status: "pass", elements: ["a", 3, ""] }],
      ids: [{ name: "n", status: "fail", applicable: -2, failed: "a" }],
      indicators: { storeys: [{ name: "no id" }, { global_id: "g", area_factor: 0 }], far: 1.5 },
    });
    expect(report?.rules).toEqual([
      { key: "max_far", status: "pass", value: null, limit: null, unit: "", elements: ["a"], note: "" },
    ]);
    expect(report?.ids[0]).toMatchObject({ applicable: 0, failed: [] });
    expect(parseReport({ rules: [{ key: "setback_m", status: "not-applicable" }] })?.rules[0]?.status).toBe("not_applicable");
    expect(report?.indicators?.storeys).toHaveLength(1);
    expect(report?.indicators?.storeys[0]?.areaFactor).toBe(1);
    expect(report?.indicators?.far).toEqual({ value: 1.5, source: "" });
    expect(report?.indicators?.height).toEqual({ value: null, source: "" });
    expect(parseReport(null)).toBeNull();
  });

  it("figures take a value and a source; non-finite numbers are missing", () => {
    expect(parseFigure({ value: 3, source: "x" })).toEqual({ value: 3, source: "x" });
    expect(parseFigure({ value: "3" })).toEqual({ value: null, source: "" });
    expect(parseFigure(Number.NaN)).toEqual({ value: null, source: "" });
  });
});

describe("element extents", () => {
  it("are queried in the layer shown, GlobalIds only", () => {
    const url = elementsUrl("sub-du07-v1", ["29zqJFQFf5cgvxPcjYKWpI", "x') OR 1=1 --", "2$a_b"]);
    const query = new URLSearchParams(url.split("?")[1] ?? "");
    expect(url.startsWith("api/layers/sub-du07-v1/features?")).toBe(true);
    expect(query.get("filter")).toBe("id IN ('29zqJFQFf5cgvxPcjYKWpI','2$a_b')");
    expect(query.get("limit")).toBe("2");
  });

  it("are read from the features' geometry and height range", () => {
    const extents = parseElementExtents({
      type: "FeatureCollection",
      features: [
        {
          type: "Feature",
          id: "a",
          geometry: { type: "Polygon", coordinates: [[[114, 22], [114.001, 22], [114.001, 22.002], [114, 22]]] },
          properties: { id: "a", zmin: 9, zmax: 10.4 },
        },
        { type: "Feature", id: "b", geometry: null, properties: { zmin: null } },
        {
          type: "Feature",
          properties: { id: "c" },
          geometry: { type: "GeometryCollection", geometries: [{ type: "Point", coordinates: [113, 21] }, { type: "Point", coordinates: [113.5, 21.5] }] },
        },
        "junk",
      ],
    });
    expect(extents.get("a")).toEqual({ bbox: [114, 22, 114.001, 22.002], zmin: 9, zmax: 10.4 });
    expect(extents.get("b")).toEqual({ bbox: null, zmin: null, zmax: null });
    expect(extents.get("c")?.bbox).toEqual([113, 21, 113.5, 21.5]);
    expect(extents.size).toBe(3);
    expect(geometryBBox({ type: "Point", coordinates: [200, 0] })).toBeNull();
  });
});
