import { Color } from "cesium";
import { describe, expect, it } from "vitest";

import { OTHER_CLASS_COLOUR } from "../point-style";
import { pointCloudStyle } from "./point-cloud-style";

function point(properties: Record<string, unknown>): never {
  return { getPropertyInherited: (name: string) => properties[name] } as never;
}

interface Compilable {
  getColorShaderFunction(signature: string, substitution: Record<string, string>, state: object): string | undefined;
}

function shaderOf(style: unknown): string {
  const substitution = { classification: "metadata.classification", intensity: "metadata.intensity" };
  return (style as Compilable).getColorShaderFunction("vec4 f()", substitution, { translucent: false }) ?? "";
}

describe("the style of a point cloud layer", () => {
  it("leaves a whole tile untinted and does not fail when Cesium evaluates it without a point", () => {
    for (const mode of ["classification", "intensity"] as const) {
      const style = pointCloudStyle(mode, 1);
      expect(style.color.evaluateColor(undefined as never, new Color()).equals(Color.WHITE)).toBe(true);
    }
    expect(pointCloudStyle("rgb", 0.5).color.evaluateColor(undefined as never, new Color()).equals(Color.WHITE)).toBe(true);
  });

  it("still colours a point by its properties", () => {
    const style = pointCloudStyle("classification", 1);
    const other = style.color.evaluateColor(point({ classification: 64 }), new Color());
    expect(other.equalsEpsilon(Color.fromCssColorString(OTHER_CLASS_COLOUR), 1e-6)).toBe(true);
    const grey = pointCloudStyle("intensity", 1).color.evaluateColor(point({ intensity: 65535 / 2 }), new Color());
    expect(grey.red).toBeCloseTo(0.5, 6);
  });

  it("compiles to the same shader as its expressions", () => {
    expect(shaderOf(pointCloudStyle("classification", 1))).toContain("metadata.classification");
    expect(shaderOf(pointCloudStyle("intensity", 0.5))).toContain("metadata.intensity");
  });

  it("keeps the points' own colours in RGB at full opacity and sets their size", () => {
    const style = pointCloudStyle("rgb", 1);
    expect(style.color).toBeUndefined();
    expect(style.pointSize.evaluate(point({}))).toBeGreaterThan(1);
  });
});
