// How a point cloud layer is coloured: by its own colours (RGB), by ASPRS class
// or by intensity. Pure module: it writes the JSON of a Cesium3DTileStyle whose
// expressions Cesium compiles into the point shader. Point tiles carry
// `classification` and `intensity` as EXT_structural_metadata property
// attributes, which point styles read by name (`${classification}`); `${COLOR}`
// is the point's own colour (COLOR_0).

export const POINT_STYLE_MODES = ["rgb", "classification", "intensity"] as const;
export type PointStyleMode = (typeof POINT_STYLE_MODES)[number];
export const DEFAULT_POINT_STYLE: PointStyleMode = "rgb";

/** The property attributes of a point tile. */
export const CLASSIFICATION_PROPERTY = "classification";
export const INTENSITY_PROPERTY = "intensity";

/** LAS intensity is an unsigned 16-bit value. */
export const INTENSITY_MAX = 65535;

/** Points are drawn this many pixels wide. */
export const POINT_SIZE = 2;

/** One entry of the class colour table: ASPRS codes and their CSS colour. */
export interface ClassColour {
  readonly codes: readonly number[];
  readonly colour: string;
}

/** Colours of the ASPRS LAS classes (LAS 1.4 R15, table 17). */
export const CLASSIFICATION_COLOURS: readonly ClassColour[] = [
  { codes: [2], colour: "#8b5a2b" },
  { codes: [3], colour: "#b5e08c" },
  { codes: [4], colour: "#5cb85c" },
  { codes: [5], colour: "#1e7b34" },
  { codes: [6], colour: "#e8552d" },
  { codes: [9], colour: "#2f7fd8" },
  { codes: [11], colour: "#8c8c8c" },
];

/** Every other class (unclassified, noise, poles, user classes…). */
export const OTHER_CLASS_COLOUR = "#d9c8f0";

function isMode(value: unknown): value is PointStyleMode {
  return typeof value === "string" && (POINT_STYLE_MODES as readonly string[]).includes(value);
}

/** The mode named by `value`, or the default for anything else. */
export function parsePointStyleMode(value: unknown): PointStyleMode {
  return isMode(value) ? value : DEFAULT_POINT_STYLE;
}

/** A number as a style literal ("1.0", "0.5"): always with a decimal point. */
function literal(value: number): string {
  const text = String(value);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

function clampAlpha(alpha: number): number {
  return Number.isFinite(alpha) ? Math.min(Math.max(alpha, 0), 1) : 1;
}

/** `color('#rrggbb', alpha)`. */
function colourCall(css: string, alpha: number): string {
  return `color('${css}', ${literal(alpha)})`;
}

/** The conditions that colour a point by its ASPRS class (first match wins). */
export function classificationConditions(alpha = 1): Array<[string, string]> {
  const a = clampAlpha(alpha);
  const conditions = CLASSIFICATION_COLOURS.map((entry): [string, string] => [
    entry.codes.map((code) => `\${${CLASSIFICATION_PROPERTY}} === ${literal(code)}`).join(" || "),
    colourCall(entry.colour, a),
  ]);
  conditions.push(["true", colourCall(OTHER_CLASS_COLOUR, a)]);
  return conditions;
}

/** Black for intensity 0 to white for INTENSITY_MAX, linear; values outside are clamped. */
export function intensityColourExpression(alpha = 1): string {
  const grey = `clamp(\${${INTENSITY_PROPERTY}} / ${literal(INTENSITY_MAX)}, 0.0, 1.0) * 255.0`;
  return `rgba(${grey}, ${grey}, ${grey}, ${literal(clampAlpha(alpha))})`;
}

/** The point's own colour, made translucent when `alpha` < 1 (null: the colour as it is). */
export function rgbColourExpression(alpha = 1): string | null {
  const a = clampAlpha(alpha);
  return a >= 1 ? null : `\${COLOR} * ${colourCall("#ffffff", a)}`;
}

/** The JSON of the Cesium3DTileStyle of a point cloud layer (`alpha`: the layer's opacity). */
export interface PointStyleJson {
  color?: string | { conditions: Array<[string, string]> };
  show?: string;
  pointSize: string;
}

export function pointStyleJson(mode: PointStyleMode, alpha = 1): PointStyleJson {
  const json: PointStyleJson = { pointSize: literal(POINT_SIZE) };
  if (clampAlpha(alpha) <= 0) {
    json.show = "false";
  }
  if (mode === "classification") {
    json.color = { conditions: classificationConditions(alpha) };
  } else if (mode === "intensity") {
    json.color = intensityColourExpression(alpha);
  } else {
    const rgb = rgbColourExpression(alpha);
    if (rgb !== null) {
      json.color = rgb;
    }
  }
  return json;
}
