import { describe, expect, it } from "vitest";

import type { IndicatorValue } from "./health-api";
import {
  KNOWN_STAGES,
  SEVERITY_COLOURS,
  formatTarget,
  formatValue,
  hashString,
  indicatorStatus,
  knownStageLabel,
  latestIndicators,
  missShare,
  projectAttention,
  ragColour,
  ragStatus,
  ragTally,
  severityColour,
  sortIndicators,
  stageColour,
  stageOptions,
} from "./health-format";

function indicator(over: Partial<IndicatorValue>): IndicatorValue {
  return {
    code: "green_ratio",
    name: "绿地率",
    unit: "%",
    target: 30,
    comparison: ">=",
    year: 2025,
    area: "鼓楼区",
    areaKind: "district",
    value: 31,
    source: "survey",
    status: null,
    ...over,
  };
}

describe("ragStatus", () => {
  it("is green when an at-least target is met or beaten", () => {
    expect(ragStatus(30, 30, ">=")).toBe("green");
    expect(ragStatus(45, 30, ">=")).toBe("green");
  });

  it("is amber when an at-least target is missed by at most a tenth of the target", () => {
    expect(ragStatus(27, 30, ">=")).toBe("amber");
    expect(ragStatus(29.9, 30, ">=")).toBe("amber");
  });

  it("is red when an at-least target is missed by more than a tenth", () => {
    expect(ragStatus(26.9, 30, ">=")).toBe("red");
    expect(ragStatus(0, 30, ">=")).toBe("red");
  });

  it("turns the rule round for an at-most target", () => {
    expect(ragStatus(0.5, 0.5, "<=")).toBe("green");
    expect(ragStatus(0.55, 0.5, "<=")).toBe("amber");
    expect(ragStatus(0.56, 0.5, "<=")).toBe("red");
    expect(ragStatus(0.1, 0.5, "<=")).toBe("green");
  });

  it("is null without a value, a target or a comparison", () => {
    expect(ragStatus(null, 30, ">=")).toBeNull();
    expect(ragStatus(30, null, ">=")).toBeNull();
    expect(ragStatus(30, 30, null)).toBeNull();
  });
});

describe("indicatorStatus", () => {
  it("takes the server's status when it sends one", () => {
    expect(indicatorStatus(indicator({ value: 10, status: "amber" }))).toBe("amber");
  });

  it("computes the status from the figures when the server sends none", () => {
    expect(indicatorStatus(indicator({ value: 28 }))).toBe("amber");
    expect(indicatorStatus(indicator({ value: 10 }))).toBe("red");
    expect(indicatorStatus(indicator({ target: null }))).toBeNull();
  });
});

describe("colours", () => {
  it("gives each severity its own colour, the worst red", () => {
    expect(new Set([severityColour(1), severityColour(2), severityColour(3)]).size).toBe(3);
    expect(severityColour(3)).toBe(SEVERITY_COLOURS[3]);
    expect(severityColour(7)).toBe(SEVERITY_COLOURS[3]);
    expect(severityColour(0)).toBe(SEVERITY_COLOURS[1]);
  });

  it("gives every known stage a distinct colour, whatever the key's case", () => {
    const colours = KNOWN_STAGES.map((s) => stageColour(s.key));
    expect(new Set(colours).size).toBe(KNOWN_STAGES.length);
    expect(stageColour("Construction")).toBe(stageColour("construction"));
  });

  it("keeps one colour per unknown stage, the same on every call", () => {
    expect(stageColour("征收")).toBe(stageColour("征收"));
    expect(stageColour("征收")).toMatch(/^#[0-9a-f]{6}$/);
    expect(hashString("a")).not.toBe(hashString("b"));
  });

  it("colours a status-less indicator grey", () => {
    expect(ragColour(null)).not.toBe(ragColour("green"));
    expect(ragColour("red")).toBe("#ef4444");
  });
});

describe("projectAttention", () => {
  it("puts overdue before idle", () => {
    expect(projectAttention({ overdue: true, idle: true })).toBe("overdue");
    expect(projectAttention({ overdue: false, idle: true })).toBe("idle");
    expect(projectAttention({ overdue: false, idle: false })).toBeNull();
  });
});

describe("stageOptions", () => {
  it("lists the known stages in order, then other stages seen, once each", () => {
    const options = stageOptions(["supply", "征收", "征收", ""]);
    expect(options.slice(0, KNOWN_STAGES.length)).toEqual(["acquisition", "supply", "construction", "completion", "acceptance"]);
    expect(options.slice(KNOWN_STAGES.length)).toEqual(["征收"]);
  });

  it("names the stages of stages.yaml in both languages, and no others", () => {
    expect(knownStageLabel("supply", "zh-CN")).toBe("供地");
    expect(knownStageLabel("Construction", "en")).toBe("Under construction");
    expect(knownStageLabel("征收", "zh-CN")).toBeNull();
  });
});

describe("value formatting", () => {
  it("writes percentages without a space and other units with one", () => {
    expect(formatValue(95.256, "%", "en")).toBe("95.26%");
    expect(formatValue(12, "km²", "en")).toBe("12 km²");
    expect(formatValue(1234.5, "", "en")).toBe("1,234.5");
    expect(formatValue(null, "%", "en")).toBe("—");
  });

  it("writes the target with its comparison sign", () => {
    expect(formatTarget(indicator({}), "en")).toBe("≥ 30%");
    expect(formatTarget(indicator({ comparison: "<=", target: 0.5, unit: "" }), "en")).toBe("≤ 0.5");
    expect(formatTarget(indicator({ target: null }), "en")).toBe("");
  });

  it("measures the miss as a share of the target, zero when met", () => {
    expect(missShare(indicator({ value: 27 }))).toBeCloseTo(0.1);
    expect(missShare(indicator({ value: 40 }))).toBe(0);
    expect(missShare(indicator({ comparison: "<=", target: 2, value: 3 }))).toBeCloseTo(0.5);
    expect(missShare(indicator({ target: 0 }))).toBeNull();
  });
});

describe("sortIndicators", () => {
  it("puts red first, then amber, green and those without a target", () => {
    const sorted = sortIndicators([
      indicator({ code: "a", value: 31 }),
      indicator({ code: "b", target: null }),
      indicator({ code: "c", value: 28 }),
      indicator({ code: "d", value: 1 }),
    ]);
    expect(sorted.map((i) => i.code)).toEqual(["d", "c", "a", "b"]);
  });
});

describe("latestIndicators and ragTally", () => {
  it("keeps each code and area at its latest year", () => {
    const rows = [
      indicator({ code: "a", area: "鼓楼区", year: 2024, value: 10 }),
      indicator({ code: "a", area: "鼓楼区", year: 2025, value: 20 }),
      indicator({ code: "a", area: "玄武区", year: 2023, value: 30 }),
      indicator({ code: "b", area: "鼓楼区", year: null, value: 40 }),
    ];
    const latest = latestIndicators(rows);
    expect(latest.map((i) => [i.code, i.area, i.value])).toEqual([
      ["a", "鼓楼区", 20],
      ["a", "玄武区", 30],
      ["b", "鼓楼区", 40],
    ]);
  });

  it("counts red, amber, green and status-less indicators", () => {
    const rows = [
      indicator({ target: 30, comparison: ">=", value: 35, status: null }),
      indicator({ target: 30, comparison: ">=", value: 28, status: null }),
      indicator({ target: 30, comparison: ">=", value: 10, status: null }),
      indicator({ target: 30, comparison: ">=", value: 10, status: "red" }),
      indicator({ target: null, comparison: null, value: 10, status: null }),
    ];
    expect(ragTally(rows)).toEqual({ red: 2, amber: 1, green: 1, none: 1 });
  });
});
