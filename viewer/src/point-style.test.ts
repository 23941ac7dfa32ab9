import { Cesium3DTileStyle, Color } from "cesium";
import { describe, expect, it } from "vitest";

import {
  CLASSIFICATION_COLOURS,
  INTENSITY_MAX,
  OTHER_CLASS_COLOUR,
  POINT_SIZE,
  parsePointStyleMode,
  pointStyleJson,
} from "./point-style";

/** A point as Cesium's expressions read it. */
function point(properties: Record<string, unknown>): never {
  return { getPropertyInherited: (name: string) => properties[name] } as never;
}

function colourOf(style: Cesium3DTileStyle, properties: Record<string, unknown>): Color {
  return style.color.evaluateColor(point(properties), new Color());
}

function css(value: string, alpha = 1): Color {
  return Color.fromCssColorString(value).withAlpha(alpha);
}

/** Cesium3DTileStyle's (undocumented) method that point cloud rendering uses to compile a style. */
interface ShaderSource {
  getColorShaderFunction(signature: string, substitution: Record<string, string>, state: object): string | undefined;
}

/**
 * The GLSL Cesium writes for the style, reading property attributes from `metadata` as its
 * PointCloudStylingPipelineStage does for a point tile with EXT_structural_metadata.
 */
function shaderOf(style: Cesium3DTileStyle): string {
  const substitution = { classification: "metadata.classification", intensity: "metadata.intensity" };
  const source = style as unknown as ShaderSource;
  return source.getColorShaderFunction("vec4 getColorFromStyle()", substitution, { translucent: false }) ?? "";
}

describe("the point cloud style by classification", () => {
  const style = new Cesium3DTileStyle(pointStyleJson("classification"));

  it("colours each ASPRS class of the table with its colour", () => {
    const ground = CLASSIFICATION_COLOURS.find((entry) => entry.codes.includes(2));
    const building = CLASSIFICATION_COLOURS.find((entry) => entry.codes.includes(6));
    expect(ground).toBeDefined();
    expect(building).toBeDefined();
    expect(colourOf(style, { classification: 2 }).equalsEpsilon(css(ground?.colour ?? ""), 1e-6)).toBe(true);
    expect(colourOf(style, { classification: 6 }).equalsEpsilon(css(building?.colour ?? ""), 1e-6)).toBe(true);
    for (const entry of CLASSIFICATION_COLOURS) {
      for (const code of entry.codes) {
        expect(colourOf(style, { classification: code }).equalsEpsilon(css(entry.colour), 1e-6)).toBe(true);
      }
    }
  });

  it("gives ground, vegetation, building, water and road distinct colours", () => {
    const colours = [2, 3, 4, 5, 6, 9, 11].map((code) => colourOf(style, { classification: code }).toCssHexString());
    expect(new Set(colours).size).toBe(colours.length);
  });

  it("colours unlisted classes (unclassified, poles, user classes) with the 'other' colour", () => {
    for (const code of [0, 1, 7, 64, 255]) {
      expect(colourOf(style, { classification: code }).equalsEpsilon(css(OTHER_CLASS_COLOUR), 1e-6)).toBe(true);
    }
  });

  it("compiles to a shader that reads the classification property attribute", () => {
    const glsl = shaderOf(style);
    expect(glsl).toContain("metadata.classification");
    expect(glsl).not.toContain("${");
  });

  it("carries the layer opacity in every colour", () => {
    const translucent = new Cesium3DTileStyle(pointStyleJson("classification", 0.4));
    expect(colourOf(translucent, { classification: 2 }).alpha).toBeCloseTo(0.4, 6);
    expect(colourOf(translucent, { classification: 99 }).alpha).toBeCloseTo(0.4, 6);
  });
});

describe("the point cloud style by intensity", () => {
  const style = new Cesium3DTileStyle(pointStyleJson("intensity"));

  it("ramps from black at 0 to white at the 16-bit maximum, linearly and grey", () => {
    expect(colourOf(style, { intensity: 0 }).equalsEpsilon(Color.BLACK, 1e-6)).toBe(true);
    expect(colourOf(style, { intensity: INTENSITY_MAX }).equalsEpsilon(Color.WHITE, 1e-6)).toBe(true);
    const quarter = colourOf(style, { intensity: INTENSITY_MAX / 4 });
    expect(quarter.red).toBeCloseTo(0.25, 6);
    expect(quarter.green).toBeCloseTo(quarter.red, 9);
    expect(quarter.blue).toBeCloseTo(quarter.red, 9);
  });

  it("is brighter for a stronger return", () => {
    const weak = colourOf(style, { intensity: 7000 });
    const strong = colourOf(style, { intensity: 48000 });
    expect(strong.red).toBeGreaterThan(weak.red);
  });

  it("clamps values beyond the range", () => {
    expect(colourOf(style, { intensity: 2 * INTENSITY_MAX }).equalsEpsilon(Color.WHITE, 1e-6)).toBe(true);
  });

  it("compiles to a shader that reads the intensity property attribute", () => {
    expect(shaderOf(style)).toContain("metadata.intensity");
  });
});

describe("the RGB point cloud style", () => {
  it("keeps the points' own colours: no colour expression when opaque", () => {
    expect(pointStyleJson("rgb").color).toBeUndefined();
  });

  it("multiplies the own colour by the opacity when translucent", () => {
    const style = new Cesium3DTileStyle(pointStyleJson("rgb", 0.5));
    const glsl = shaderOf(style);
    expect(glsl).toContain("0.5");
  });

  it("hides the points at opacity 0", () => {
    const style = new Cesium3DTileStyle(pointStyleJson("rgb", 0));
    expect(style.show.evaluate(point({}))).toBe(false);
    expect(pointStyleJson("rgb", 1).show).toBeUndefined();
  });
});

describe("every point cloud style", () => {
  it("draws points a little larger than one pixel", () => {
    for (const mode of ["rgb", "classification", "intensity"] as const) {
      const style = new Cesium3DTileStyle(pointStyleJson(mode));
      expect(style.pointSize.evaluate(point({}))).toBe(POINT_SIZE);
      expect(POINT_SIZE).toBeGreaterThan(1);
    }
  });

  it("reads unknown mode names as the default", () => {
    expect(parsePointStyleMode("classification")).toBe("classification");
    expect(parsePointStyleMode("bogus")).toBe("rgb");
    expect(parsePointStyleMode(null)).toBe("rgb");
  });
});
