// How the analysis panel reads and what colours its results take: numbers with
// units, table rows, the green/red split of a sightline, intrusion and
// sunlight-hour colours with their legends, the before/after pick and the
// checks of the panel's form fields. Pure module (no DOM, no Cesium).

import type { Intrusion, LonLatH, Obstruction, Scenario, SightlineRun, SunlightRun } from "./analysis-api";
import { type AnalysisKey, analysisText } from "./analysis-i18n";
import type { Lang } from "./i18n";

export type Tool = "sightline" | "corridor" | "sunlight";
export const TOOLS: readonly Tool[] = ["sightline", "corridor", "sunlight"];
export type Side = "before" | "after";

/** A point picked on the ground is raised this much: a standing person's eyes. */
export const EYE_HEIGHT_M = 1.6;
export const DEFAULT_HALF_WIDTH_M = 25;
export const DEFAULT_WINDOW: readonly [string, string] = ["08:00", "16:00"];
export const DEFAULT_REQUIRED_HOURS = 2;
export const DEFAULT_STEP_MIN = 1;
/** An intrusion of this many metres or more is drawn in the strongest red. */
export const STRONG_INTRUSION_M = 10;

const EMPTY = "—";

function t(lang: Lang, key: AnalysisKey, params: Readonly<Record<string, string | number>> = {}): string {
  return analysisText(lang, key, params);
}

function fixed(lang: Lang, value: number, digits: number): string {
  return new Intl.NumberFormat(lang, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
}

/** "12.3 m"; "—" for a missing value. */
export function metresText(lang: Lang, value: number | null, digits = 1): string {
  return value === null ? EMPTY : t(lang, "analysis.unit.m", { value: fixed(lang, value, digits) });
}

/** "1,234 m³" (whole cubic metres; "0.4 m³" under one). */
export function volumeText(lang: Lang, value: number | null): string {
  if (value === null) {
    return EMPTY;
  }
  return t(lang, "analysis.unit.m3", { value: fixed(lang, value, Math.abs(value) < 1 && value !== 0 ? 1 : 0) });
}

/** "2.5 小时" / "2.5 h", up to two decimals. */
export function hoursText(lang: Lang, value: number | null): string {
  if (value === null) {
    return EMPTY;
  }
  const text = new Intl.NumberFormat(lang, { maximumFractionDigits: 2 }).format(value);
  return t(lang, "analysis.unit.h", { value: text });
}

/** The point raised by the eye height when it was picked on the ground (simply h + 1.6). */
export function eyePoint(point: LonLatH, onGround: boolean, eye = EYE_HEIGHT_M): LonLatH {
  return onGround ? [point[0], point[1], point[2] + eye] : point;
}

/** The scenario to send for a chosen proposal layer (null: existing scene only). */
export function scenarioFor(layer: string | null): Scenario | null {
  return layer === null || layer === "" ? null : { add: [layer], compare: true };
}

/** Layer kinds a proposal can come in (BIM models: "ifc"; the catalog calls them "bim"). */
export function isProposalKind(kind: string): boolean {
  const k = kind.trim().toLowerCase();
  return k === "ifc" || k === "bim";
}

/** The result of one side: before when asked for and there, else after (the scenario's or the only one). */
export function chosen<T>(result: { readonly after: T; readonly before: T | null }, side: Side): T {
  return side === "before" && result.before !== null ? result.before : result.after;
}

// -- sightline --------------------------------------------------------------------

export interface SightlineDrawing {
  /** From the start to the first obstruction (to the end when nothing is in the way): green. */
  readonly clear: readonly [LonLatH, LonLatH];
  /** From the first obstruction to the end: red; null when visible. */
  readonly blocked: readonly [LonLatH, LonLatH] | null;
  /** One marker at each obstruction. */
  readonly markers: readonly LonLatH[];
}

export function sightlineDrawing(from: LonLatH, to: LonLatH, run: SightlineRun): SightlineDrawing {
  const first = run.obstructions[0];
  if (first === undefined) {
    return { clear: [from, to], blocked: null, markers: [] };
  }
  return { clear: [from, first.point], blocked: [first.point, to], markers: run.obstructions.map((o) => o.point) };
}

/** Kinds that are ground, not development: a sightline cut by the ridge highlights no building. */
function isGround(kind: string): boolean {
  return kind.trim().toLowerCase() === "terrain";
}

/** The first obstruction that is a feature other than the ground (the building to highlight). */
export function firstObstructingFeature(obstructions: readonly Obstruction[]): Obstruction | null {
  return obstructions.find((o) => o.featureId !== "" && !isGround(o.kind)) ?? null;
}

export interface ObstructionRow {
  readonly featureId: string;
  readonly layer: string;
  readonly kind: string;
  readonly distance: string;
  readonly first: boolean;
}

export function obstructionRows(lang: Lang, obstructions: readonly Obstruction[]): ObstructionRow[] {
  const first = firstObstructingFeature(obstructions);
  return obstructions.map((o) => ({
    featureId: o.featureId === "" ? EMPTY : o.featureId,
    layer: o.layer === "" ? EMPTY : o.layer,
    kind: o.kind,
    distance: metresText(lang, o.distanceM),
    first: o === first,
  }));
}

export function sightlineVerdict(lang: Lang, run: SightlineRun): string {
  return t(lang, run.visible ? "analysis.sightline.visible" : "analysis.sightline.blocked");
}

// -- colours ----------------------------------------------------------------------

export type Rgb = readonly [number, number, number];

function clamp01(value: number): number {
  return Number.isFinite(value) ? Math.min(Math.max(value, 0), 1) : 0;
}

function hexToRgb(hex: string): Rgb {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** "#rrggbb". */
export function cssColour(rgb: Rgb): string {
  return `#${rgb.map((c) => Math.round(c).toString(16).padStart(2, "0")).join("")}`;
}

/** The colour at `t` (0..1) along evenly spaced stops. */
export function ramp(stops: readonly string[], t: number): Rgb {
  const colours = stops.map(hexToRgb);
  const first = colours[0];
  if (first === undefined || colours.length === 1) {
    return first ?? [0, 0, 0];
  }
  const x = clamp01(t) * (colours.length - 1);
  const i = Math.min(Math.floor(x), colours.length - 2);
  const a = colours[i] ?? first;
  const b = colours[i + 1] ?? a;
  const f = x - i;
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

/** Slight (amber) → strong (red) intrusion. */
export const INTRUSION_STOPS = ["#f5b50b", "#f97316", "#dc2626"] as const;
/** Sunlight hours: blue (none) → cyan → green → yellow → red (twice the requirement or more). */
export const HOURS_STOPS = ["#2563eb", "#06b6d4", "#22c55e", "#eab308", "#dc2626"] as const;

/** The colour of an intruding feature: amber for a slight intrusion, red from STRONG_INTRUSION_M. */
export function intrusionColour(metres: number): string {
  return cssColour(ramp(INTRUSION_STOPS, metres / STRONG_INTRUSION_M));
}

/** The top of the sunlight colour scale: twice the requirement (4 h without one). */
export function hoursScaleMax(required: number | null): number {
  return required !== null && required > 0 ? required * 2 : 4;
}

/** Blue at 0 h → red at twice the required hours or more. */
export function hoursColour(hours: number, required: number | null): string {
  return cssColour(ramp(HOURS_STOPS, hours / hoursScaleMax(required)));
}

export interface LegendStop {
  readonly label: string;
  readonly colour: string;
}

/** The sunlight legend: five stops from 0 h to "≥ 2·required h". */
export function hoursLegend(lang: Lang, required: number | null): LegendStop[] {
  const max = hoursScaleMax(required);
  return HOURS_STOPS.map((colour, i) => {
    const hours = (max * i) / (HOURS_STOPS.length - 1);
    const value = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 }).format(hours);
    const label = t(lang, "analysis.unit.hShort", { value });
    return { colour, label: i === HOURS_STOPS.length - 1 ? `≥ ${label}` : label };
  });
}

/** The intrusion legend: amber (slight) … red (≥ STRONG_INTRUSION_M). */
export function intrusionLegend(lang: Lang): LegendStop[] {
  return INTRUSION_STOPS.map((colour, i) => {
    const metres = (STRONG_INTRUSION_M * i) / (INTRUSION_STOPS.length - 1);
    const label = metresText(lang, metres, 0);
    return { colour, label: i === INTRUSION_STOPS.length - 1 ? `≥ ${label}` : label };
  });
}

/** The CSS gradient of a legend bar. */
export function legendGradient(stops: readonly string[]): string {
  return `linear-gradient(to right, ${stops.join(", ")})`;
}

// -- corridor ---------------------------------------------------------------------

export interface IntrusionRow {
  readonly featureId: string;
  readonly layer: string;
  readonly maxIntrusion: string;
  readonly volume: string;
  readonly colour: string;
}

export function intrusionRows(lang: Lang, intrusions: readonly Intrusion[]): IntrusionRow[] {
  return intrusions.map((i) => ({
    featureId: i.featureId === "" ? EMPTY : i.featureId,
    layer: i.layer === "" ? EMPTY : i.layer,
    maxIntrusion: metresText(lang, i.maxIntrusionM, 2),
    volume: volumeText(lang, i.volumeM3),
    colour: intrusionColour(i.maxIntrusionM),
  }));
}

/** Feature id → colour of every intruding feature with an id. */
export function intrusionColours(intrusions: readonly Intrusion[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const i of intrusions) {
    if (i.featureId !== "" && !isGround(i.kind) && !out.has(i.featureId)) {
      out.set(i.featureId, intrusionColour(i.maxIntrusionM));
    }
  }
  return out;
}

export function corridorVerdict(lang: Lang, intrusions: readonly Intrusion[]): string {
  return t(lang, intrusions.length === 0 ? "analysis.corridor.clear" : "analysis.corridor.intruded");
}

const METRES_PER_DEGREE = 111_320;

/**
 * The threshold surface as triangles, for drawing the wedge. With two or more
 * targets (the edges of a wide view) each wedge eye → target i → target i+1 is
 * its own plane. With one target the surface is the plane through the eye and
 * the horizontal line through the target across the view: the corridor's ground
 * ring (the triangle viewpoint → target ± half width) is lifted onto it, each
 * vertex at the height of its distance along the view (curvature left out).
 */
export function wedgeTriangles(
  surface: { readonly eye: LonLatH; readonly targets: readonly LonLatH[] } | null,
  ring: ReadonlyArray<readonly [number, number]> | undefined,
): LonLatH[][] {
  if (surface === null) {
    return [];
  }
  const { eye, targets } = surface;
  if (targets.length >= 2) {
    return targets.slice(1).map((target, i) => [eye, targets[i] ?? target, target]);
  }
  const target = targets[0];
  if (target === undefined || ring === undefined) {
    return [];
  }
  const cos = Math.cos((eye[1] * Math.PI) / 180);
  const local = (lon: number, lat: number): [number, number] => [(lon - eye[0]) * cos * METRES_PER_DEGREE, (lat - eye[1]) * METRES_PER_DEGREE];
  const [ax, ay] = local(target[0], target[1]);
  const axis = ax * ax + ay * ay;
  if (!(axis > 0)) {
    return [];
  }
  const last = ring[ring.length - 1];
  const first = ring[0];
  const open = first !== undefined && last !== undefined && ring.length > 1 && first[0] === last[0] && first[1] === last[1] ? ring.slice(0, -1) : ring;
  const lifted = open.map(([lon, lat]): LonLatH => {
    const [x, y] = local(lon, lat);
    const along = Math.max((x * ax + y * ay) / axis, 0);
    return [lon, lat, eye[2] + along * (target[2] - eye[2])];
  });
  const apex = lifted[0];
  if (apex === undefined || lifted.length < 3) {
    return [];
  }
  return lifted.slice(2).map((vertex, i) => [apex, lifted[i + 1] ?? vertex, vertex]);
}

// -- sunlight ---------------------------------------------------------------------

export interface SunSummaryView {
  readonly count: string;
  readonly passing: string;
  readonly failing: string;
  readonly range: string;
  readonly verdict: string;
  readonly passed: boolean;
}

export function sunSummaryView(lang: Lang, run: SunlightRun): SunSummaryView {
  const s = run.summary;
  const count = (n: number): string => new Intl.NumberFormat(lang, { maximumFractionDigits: 0 }).format(n);
  return {
    count: count(s.count),
    passing: count(s.passing),
    failing: count(s.failing),
    range:
      s.minHours === null || s.maxHours === null
        ? EMPTY
        : t(lang, "analysis.sunlight.rangeValue", { min: hoursText(lang, s.minHours), max: hoursText(lang, s.maxHours) }),
    verdict: s.failing === 0 ? t(lang, "analysis.sunlight.verdictPass") : t(lang, "analysis.sunlight.verdictFail", { count: count(s.failing) }),
    passed: s.failing === 0,
  };
}

export function sunlightVerdict(lang: Lang, run: SunlightRun): string {
  return sunSummaryView(lang, run).verdict;
}

// -- form fields ------------------------------------------------------------------

/** A number typed in a field (within [min, max]), or null. */
export function parseNumberField(text: string, min = -Infinity, max = Infinity): number | null {
  const trimmed = text.trim().replace(/，/g, ".").replace(/,/g, ".");
  if (trimmed === "" || !/^[-+]?(\d+\.?\d*|\.\d+)$/.test(trimmed)) {
    return null;
  }
  const value = Number(trimmed);
  return Number.isFinite(value) && value >= min && value <= max ? value : null;
}

/** "YYYY-MM-DD" of a real day. */
export function isDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (m === null) {
    return false;
  }
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/** "HH:MM" within a day. */
export function isClock(text: string): boolean {
  const m = /^(\d{2}):(\d{2})$/.exec(text);
  return m !== null && Number(m[1]) <= 24 && Number(m[2]) < 60 && (Number(m[1]) < 24 || Number(m[2]) === 0);
}

/** The window, or null when either end is not "HH:MM" or the end is not after the start. */
export function parseWindow(start: string, end: string): [string, string] | null {
  const a = start.trim();
  const b = end.trim();
  return isClock(a) && isClock(b) && a < b ? [a, b] : null;
}

/** "114.06546, 22.53923, 25.0 m" for a picked point. */
export function pointText(lang: Lang, point: LonLatH): string {
  const deg = (v: number): string => fixed("en", v, 6);
  return `${deg(point[0])}, ${deg(point[1])}, ${metresText(lang, point[2])}`;
}
