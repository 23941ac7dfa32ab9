// The Cesium3DTileStyle of a point cloud layer. Its expressions (point-style.ts)
// are meant for the GPU: Cesium compiles them into the point shader, where
// `${classification}` reads the tile's property attribute. But for point tiles
// that are glTF (not .pnts) Cesium also evaluates the colour once on the CPU,
// with no feature, and multiplies the whole tile by the result; there the
// properties are undefined (`undefined / 65535` even throws). So the colour is
// wrapped: without a feature it is plain white (no tint, no error), with one
// and in the shader it is the expression itself.

import { type Cesium3DTileFeature, Cesium3DTileStyle, Color } from "cesium";

import { type PointStyleMode, pointStyleJson } from "../point-style";

/** What Cesium calls on a style's colour (documented members plus the shader compiler). */
interface StyleColour {
  evaluate(feature: Cesium3DTileFeature | undefined, result?: Color): unknown;
  evaluateColor(feature: Cesium3DTileFeature | undefined, result?: Color): Color;
  getShaderFunction?(...args: unknown[]): string | undefined;
}

/** The colour for the GPU only: white when Cesium evaluates it for a whole tile. */
export function gpuOnlyColour(colour: StyleColour): StyleColour {
  const evaluateColor = (feature: Cesium3DTileFeature | undefined, result?: Color): Color =>
    feature === undefined ? Color.clone(Color.WHITE, result) : colour.evaluateColor(feature, result);
  const wrapped: StyleColour = { evaluate: evaluateColor, evaluateColor };
  const compile = colour.getShaderFunction;
  if (compile !== undefined) {
    wrapped.getShaderFunction = (...args: unknown[]) => compile.apply(colour, args);
  }
  return wrapped;
}

/** The style of a point cloud layer coloured by `mode`, `alpha` its opacity. */
export function pointCloudStyle(mode: PointStyleMode, alpha: number): Cesium3DTileStyle {
  const style = new Cesium3DTileStyle(pointStyleJson(mode, alpha));
  const colour = style.color as StyleColour | undefined;
  if (colour !== undefined) {
    style.color = gpuOnlyColour(colour) as never;
  }
  return style;
}
