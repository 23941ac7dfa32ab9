import { describe, expect, it } from "vitest";

import { formatValue } from "./format";

describe("formatting an attribute value", () => {
  it("writes booleans as yes/no in the language shown", () => {
    expect(formatValue("zh-CN", true)).toBe("是");
    expect(formatValue("zh-CN", false)).toBe("否");
    expect(formatValue("en", true)).toBe("Yes");
    expect(formatValue("en", false)).toBe("No");
  });

  it("keeps whole numbers as they are and groups other numbers with up to 3 decimals", () => {
    expect(formatValue("en", 2016)).toBe("2016");
    expect(formatValue("zh-CN", 120000)).toBe("120000");
    expect(formatValue("en", 23.5)).toBe("23.5");
    expect(formatValue("en", 12345.67891)).toBe("12,345.679");
    expect(formatValue("zh-CN", 12345.67891)).toBe("12,345.679");
  });

  it("shows a dash for empty values", () => {
    expect(formatValue("en", null)).toBe("—");
    expect(formatValue("zh-CN", undefined)).toBe("—");
    expect(formatValue("en", "")).toBe("—");
  });

  it("joins lists of plain values the way the language separates them", () => {
    expect(formatValue("zh-CN", ["混凝土", "保温层"])).toBe("混凝土、保温层");
    expect(formatValue("en", ["Concrete", 0.3, true])).toBe("Concrete, 0.3, Yes");
  });

  it("writes anything else as JSON", () => {
    expect(formatValue("en", { layer: "Concrete", thickness: 0.2 })).toBe('{"layer":"Concrete","thickness":0.2}');
    expect(formatValue("en", [])).toBe("[]");
    expect(formatValue("en", [{ a: 1 }])).toBe('[{"a":1}]');
  });

  it("leaves text as it is", () => {
    expect(formatValue("en", "EI 60")).toBe("EI 60");
  });
});
