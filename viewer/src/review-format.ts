// How the review panel reads: the rows of its tables (indicators, storeys,
// rules, IDS), the labels of states and results, figure sources in Chinese, the
// versions of a project, the union extent of a failure's elements and the
// submission in the URL hash ("#review=du07-v1"). Pure module.

import { type BBox, type GeoSphere, unionBBox } from "./geo";
import { type Lang, formatNumber, translate } from "./i18n";
import type {
  ElementExtent,
  Figure,
  IdsResult,
  Indicators,
  RuleResult,
  RuleStatus,
  Submission,
  SubmissionState,
  SubmissionSummary,
} from "./review-api";
import { isSubmissionId } from "./review-api";
import { type ReviewKey, SOURCE_ZH } from "./review-i18n";

const EMPTY = "—";
/** Planning conditions whose value and limit are fractions, shown as percentages. */
const RATIO_RULES = new Set(["max_coverage", "min_green_ratio"]);
/** Rules shown with three decimals (floor-area ratios). */
const FAR_RULES = new Set(["max_far", "min_far"]);

function t(lang: Lang, key: ReviewKey, params: Readonly<Record<string, string | number>> = {}): string {
  return translate(lang, key, params);
}

function fixed(lang: Lang, value: number, digits: number): string {
  return new Intl.NumberFormat(lang, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
}

/** "1,234.50 m²"; "—" for a missing value. */
export function areaText(lang: Lang, value: number | null): string {
  return value === null ? EMPTY : t(lang, "review.unit.m2", { value: fixed(lang, value, 2) });
}

/** "10.20 m"; "—" for a missing value. */
export function metresText(lang: Lang, value: number | null): string {
  return value === null ? EMPTY : t(lang, "review.unit.m", { value: fixed(lang, value, 2) });
}

/** A fraction as a percentage with two decimals ("25.00%"). */
export function percentText(lang: Lang, value: number | null): string {
  return value === null ? EMPTY : `${fixed(lang, value * 100, 2)}%`;
}

/** A floor-area ratio with three decimals ("0.750"). */
export function ratioText(lang: Lang, value: number | null): string {
  return value === null ? EMPTY : fixed(lang, value, 3);
}

function countText(lang: Lang, value: number | null): string {
  return value === null ? EMPTY : formatNumber(lang, value, 0);
}

const ABOVE = ", above ";
const NO_SITE_AREA = ": not applicable (no site area)";

function sourcePartZh(part: string): string {
  const known = SOURCE_ZH[part];
  if (known !== undefined) {
    return known;
  }
  if (part.endsWith(NO_SITE_AREA)) {
    return `${sourcePartZh(part.slice(0, -NO_SITE_AREA.length))}：不适用（没有用地面积）`;
  }
  const above = part.lastIndexOf(ABOVE);
  if (above > 0) {
    return `${sourcePartZh(part.slice(0, above))}，自${sourcePartZh(part.slice(above + ABOVE.length))}起算`;
  }
  return part;
}

/**
 * Where a figure came from, in the language: the review writes its sources in
 * English ("IfcSlab footprints; IfcSpace footprints", "…, above the model's
 * +-0.00 level"); Chinese translates the parts it knows and keeps the others.
 */
export function sourceText(lang: Lang, source: string): string {
  const trimmed = source.trim();
  if (trimmed === "") {
    return EMPTY;
  }
  if (lang === "en") {
    return trimmed;
  }
  return trimmed
    .split("; ")
    .map((part) => sourcePartZh(part))
    .join("；");
}

export type IndicatorKey =
  | "counted_floor_area_m2"
  | "gross_floor_area_m2"
  | "site_area_m2"
  | "far"
  | "height_m"
  | "height_to_parapet_m"
  | "storeys"
  | "base_area_m2"
  | "coverage"
  | "green_area_m2"
  | "green_ratio"
  | "ground_level_m";

export interface IndicatorRow {
  readonly key: IndicatorKey;
  readonly label: string;
  readonly value: string;
  readonly source: string;
}

/** The indicators table, in the order of a planning review (计容建筑面积 first). */
export function indicatorRows(lang: Lang, ind: Indicators): IndicatorRow[] {
  const row = (key: IndicatorKey, value: string, figure: Figure | null): IndicatorRow => ({
    key,
    label: t(lang, `review.ind.${key}`),
    value,
    source: figure === null ? EMPTY : sourceText(lang, figure.source),
  });
  const storeys =
    ind.storeysAboveGround === null && ind.storeysBelowGround === null
      ? EMPTY
      : t(lang, "review.storeysValue", {
          above: countText(lang, ind.storeysAboveGround),
          below: countText(lang, ind.storeysBelowGround),
        });
  return [
    row("counted_floor_area_m2", areaText(lang, ind.countedFloorArea.value), ind.countedFloorArea),
    row("gross_floor_area_m2", areaText(lang, ind.grossFloorArea.value), ind.grossFloorArea),
    row("site_area_m2", areaText(lang, ind.siteArea.value), ind.siteArea),
    row("far", ratioText(lang, ind.far.value), ind.far),
    row("height_m", metresText(lang, ind.height.value), ind.height),
    row("height_to_parapet_m", metresText(lang, ind.heightToParapet.value), ind.heightToParapet),
    row("storeys", storeys, null),
    row("base_area_m2", areaText(lang, ind.baseArea.value), ind.baseArea),
    row("coverage", percentText(lang, ind.coverage.value), ind.coverage),
    row("green_area_m2", areaText(lang, ind.greenArea.value), ind.greenArea),
    row("green_ratio", percentText(lang, ind.greenRatio.value), ind.greenRatio),
    row("ground_level_m", metresText(lang, ind.groundLevel.value), ind.groundLevel),
  ];
}

export interface StoreyRow {
  readonly id: string;
  readonly name: string;
  readonly elevation: string;
  readonly height: string;
  readonly heightSource: string;
  readonly area: string;
  readonly counted: string;
  readonly source: string;
  /** Counted at half: a storey under 2.20 m that has floor area. */
  readonly half: boolean;
  readonly belowGround: boolean;
}

/** One row per storey, as the review lists them (each building lowest first). */
export function storeyRows(lang: Lang, ind: Indicators): StoreyRow[] {
  return ind.storeys.map((s) => ({
    id: s.globalId,
    name: s.name,
    elevation: metresText(lang, s.elevationM),
    height: metresText(lang, s.heightM),
    heightSource: sourceText(lang, s.heightSource),
    area: areaText(lang, s.areaM2),
    counted: areaText(lang, s.countedAreaM2),
    source: sourceText(lang, s.areaSource),
    half: s.areaFactor < 1 && (s.areaM2 ?? 0) > 0,
    belowGround: s.belowGround,
  }));
}

export interface RuleRow {
  readonly key: string;
  readonly label: string;
  readonly status: RuleStatus;
  readonly statusLabel: string;
  readonly value: string;
  readonly limit: string;
  readonly note: string;
  /** The GlobalIds to show (unique, in the report's order). */
  readonly elements: readonly string[];
}

/** The label of a planning condition ("max_height_m" → 建筑高度上限); unknown keys read as they are. */
export function ruleLabel(lang: Lang, key: string): string {
  const label = translate(lang, `review.rule.${key}`);
  return label === `review.rule.${key}` ? key : label;
}

function ruleNumber(lang: Lang, rule: RuleResult, value: number | null): string {
  if (RATIO_RULES.has(rule.key)) {
    return percentText(lang, value);
  }
  if (FAR_RULES.has(rule.key)) {
    return ratioText(lang, value);
  }
  if (value === null) {
    return EMPTY;
  }
  if (rule.unit === "m") {
    return metresText(lang, value);
  }
  if (rule.unit === "storeys") {
    return t(lang, "review.unit.storeys", { value: formatNumber(lang, value, 0) });
  }
  const shown = formatNumber(lang, value, 3);
  return rule.unit === "" ? shown : `${shown} ${rule.unit}`;
}

export function statusLabel(lang: Lang, status: RuleStatus): string {
  return t(lang, `review.status.${status}`);
}

/** Unique non-empty ids, first occurrence first. */
export function uniqueIds(ids: readonly string[]): string[] {
  return [...new Set(ids.filter((id) => id !== ""))];
}

export function ruleRows(lang: Lang, rules: readonly RuleResult[]): RuleRow[] {
  return rules.map((rule) => ({
    key: rule.key,
    label: ruleLabel(lang, rule.key),
    status: rule.status,
    statusLabel: statusLabel(lang, rule.status),
    value: ruleNumber(lang, rule, rule.value),
    limit: ruleNumber(lang, rule, rule.limit),
    note: sourceText(lang, rule.note),
    elements: uniqueIds(rule.elements),
  }));
}

export interface IdsRow {
  readonly index: number;
  readonly name: string;
  readonly description: string;
  readonly status: "pass" | "fail";
  readonly statusLabel: string;
  readonly applicable: string;
  readonly failedCount: string;
  readonly elements: readonly string[];
  readonly reasons: readonly string[];
}

export function idsRows(lang: Lang, ids: readonly IdsResult[]): IdsRow[] {
  return ids.map((spec, index) => {
    const elements = uniqueIds(spec.failed);
    return {
      index,
      name: spec.name === "" ? `#${index + 1}` : spec.name,
      description: spec.description,
      status: spec.status,
      statusLabel: statusLabel(lang, spec.status),
      applicable: formatNumber(lang, spec.applicable, 0),
      failedCount: formatNumber(lang, elements.length, 0),
      elements,
      reasons: spec.reasons,
    };
  });
}

/** What the panel says about a submission's progress: the lifecycle state, or the check's. */
export type ShownState = Exclude<SubmissionState, "submitted"> | "checking" | "checkError";

export function shownState(s: Pick<SubmissionSummary, "state" | "checkError">): ShownState {
  if (s.state === "submitted") {
    return s.checkError === null ? "checking" : "checkError";
  }
  return s.state;
}

export function stateLabel(lang: Lang, s: Pick<SubmissionSummary, "state" | "checkError">): string {
  return t(lang, `review.state.${shownState(s)}`);
}

/** 合规 / 不合规, or "—" before the check. */
export function resultLabel(lang: Lang, passed: boolean | null): string {
  return passed === null ? EMPTY : t(lang, passed ? "review.result.pass" : "review.result.fail");
}

/** Whether the panel should read the submission again (its automatic check is still running). */
export function isBeingChecked(s: Pick<SubmissionSummary, "state" | "checkError">): boolean {
  return shownState(s) === "checking";
}

/** The submissions of `project`, by version. */
export function versionsOf(list: readonly SubmissionSummary[], project: string): SubmissionSummary[] {
  return list.filter((s) => s.project === project).sort((a, b) => a.version - b.version);
}

/** The layers of a project's other versions (to hide when one version is shown). */
export function otherVersionLayers(list: readonly SubmissionSummary[], shown: Pick<Submission, "id" | "project">): string[] {
  return versionsOf(list, shown.project)
    .flatMap((s) => (s.id === shown.id || s.layer === null ? [] : [s.layer]));
}

export function diffText(lang: Lang, counts: Readonly<Record<string, number>> | null): string | null {
  if (counts === null) {
    return null;
  }
  return t(lang, "review.diff", {
    added: formatNumber(lang, counts["added"] ?? 0, 0),
    removed: formatNumber(lang, counts["removed"] ?? 0, 0),
    changed: formatNumber(lang, counts["changed"] ?? 0, 0),
  });
}

/** The union of the elements' boxes and height ranges; null when none has a box. */
export function unionExtent(
  extents: readonly ElementExtent[],
): { bbox: BBox; zmin: number | null; zmax: number | null } | null {
  const boxed = extents.filter((e) => e.bbox !== null);
  const bbox = unionBBox(boxed.map((e) => e.bbox));
  if (bbox === null) {
    return null;
  }
  const lows = boxed.flatMap((e) => (e.zmin === null ? [] : [e.zmin]));
  const highs = boxed.flatMap((e) => (e.zmax === null ? [] : [e.zmax]));
  return {
    bbox,
    zmin: lows.length === 0 ? null : Math.min(...lows),
    zmax: highs.length === 0 ? null : Math.max(...highs),
  };
}

const METRES_PER_DEGREE = 111_320;
/** A panel covering more of the canvas than this is not looked past (narrow screens). */
const MAX_COVERED_SHARE = 0.6;

/**
 * How far (metres) to aim the camera west of what it frames so that this sits
 * in the middle of the canvas part right of a panel covering its left
 * `coveredPx` (of `widthPx`), seen from `range` metres with a horizontal half
 * field of view whose tangent is `tanHalfWidth` (the camera's heading is north,
 * so its right is east). 0 when nothing is covered or the panel covers most.
 */
export function panelShiftMetres(coveredPx: number, widthPx: number, range: number, tanHalfWidth: number): number {
  if (!(coveredPx > 0) || !(widthPx > 0) || coveredPx > widthPx * MAX_COVERED_SHARE) {
    return 0;
  }
  return (coveredPx / widthPx) * range * tanHalfWidth;
}

/** The sphere moved `metres` west. */
export function shiftWest(sphere: GeoSphere, metres: number): GeoSphere {
  const perDegree = METRES_PER_DEGREE * Math.cos((sphere.lat * Math.PI) / 180);
  return { ...sphere, lon: sphere.lon - (perDegree > 0 ? metres / perDegree : 0) };
}

const HASH_KEY = "review";

function hashEntries(hash: string): string[] {
  const body = hash.startsWith("#") ? hash.slice(1) : hash;
  return body === "" ? [] : body.split("&");
}

/** The submission named in a location hash ("#review=du07-v1&cam=…"), or null (also for a malformed id). */
export function readReviewFromHash(hash: string): string | null {
  for (const entry of hashEntries(hash)) {
    const eq = entry.indexOf("=");
    if (eq > 0 && entry.slice(0, eq) === HASH_KEY) {
      let id: string;
      try {
        id = decodeURIComponent(entry.slice(eq + 1));
      } catch {
        return null;
      }
      return isSubmissionId(id) ? id : null;
    }
  }
  return null;
}

/** Whether the hash asks for the review panel ("#review" alone opens it on the list). */
export function hashOpensReview(hash: string): boolean {
  return hashEntries(hash).some((e) => e === HASH_KEY || e.startsWith(`${HASH_KEY}=`));
}

/**
 * The hash with its review entry set to `id` ("" for the panel without a
 * submission) or removed (null); other entries are kept, in order.
 */
export function writeReviewToHash(hash: string, id: string | null): string {
  const entries = hashEntries(hash).filter((e) => e !== HASH_KEY && !e.startsWith(`${HASH_KEY}=`));
  if (id !== null) {
    entries.push(id === "" ? HASH_KEY : `${HASH_KEY}=${encodeURIComponent(id)}`);
  }
  return entries.length === 0 ? "" : `#${entries.join("&")}`;
}
