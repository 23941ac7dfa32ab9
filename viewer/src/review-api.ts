// Client of the BIM review API (scene_api/routers/submissions.py): the list of
// submissions, one submission with its review report (shapes of
// bim_ingest/review/report_json.py) and the BCF download. Parsing is defensive,
// as in api.ts: a missing or mistyped field reads as null / empty, an entry
// without an id is dropped, and nothing the server sends is trusted as HTML.

import { ApiError, getJson, isObject, num, serverFailure, str } from "./api";
import { type BBox, isBBox } from "./geo";
import { isSafeId } from "./storey-style";

/** The states of scene_api's lifecycle (storage/submissions/records.py); others read as "unknown". */
export const SUBMISSION_STATES = ["submitted", "checked", "under_review", "approved", "returned", "rejected"] as const;
export type SubmissionState = (typeof SUBMISSION_STATES)[number] | "unknown";

/** Submission ids the API accepts in its paths ("du07-v1"). */
const SUBMISSION_ID = /^[a-z0-9][a-z0-9_-]{0,39}-v[0-9]{1,6}$/;

export interface SubmissionSummary {
  readonly id: string;
  readonly project: string;
  readonly version: number;
  readonly title: string;
  readonly state: SubmissionState;
  /** The published BIM layer of this version (its feature ids are IFC GlobalIds). */
  readonly layer: string | null;
  readonly fileName: string | null;
  readonly previousId: string | null;
  readonly createdBy: string | null;
  readonly createdAt: string | null;
  readonly updatedAt: string | null;
  /** Why the automatic check failed (the state then stays "submitted"); null otherwise. */
  readonly checkError: string | null;
  /** The review's verdict; null before the check (or when it failed). */
  readonly passed: boolean | null;
  readonly hasBcf: boolean;
}

/** A figure of the indicators: its value (null: not measurable) and where it came from. */
export interface Figure {
  readonly value: number | null;
  readonly source: string;
}

export interface StoreyArea {
  readonly globalId: string;
  readonly name: string;
  readonly elevationM: number | null;
  readonly heightM: number | null;
  readonly heightSource: string;
  readonly belowGround: boolean;
  /** 1 counted in full, 0.5 for a storey under 2.20 m (GB/T 50353-2013). */
  readonly areaFactor: number;
  readonly areaM2: number | null;
  readonly areaSource: string;
  readonly quantitySetM2: number | null;
  readonly countedAreaM2: number | null;
}

export interface Indicators {
  readonly storeys: readonly StoreyArea[];
  readonly grossFloorArea: Figure;
  readonly countedFloorArea: Figure;
  readonly siteArea: Figure;
  readonly far: Figure;
  readonly height: Figure;
  readonly heightToParapet: Figure;
  readonly storeysAboveGround: number | null;
  readonly storeysBelowGround: number | null;
  readonly baseArea: Figure;
  readonly coverage: Figure;
  readonly greenArea: Figure;
  readonly greenRatio: Figure;
  readonly groundLevel: Figure;
}

export type RuleStatus = "pass" | "fail" | "not_applicable";

export interface RuleResult {
  /** The ruleset key ("max_height_m"). */
  readonly key: string;
  readonly status: RuleStatus;
  readonly value: number | null;
  readonly limit: number | null;
  readonly unit: string;
  /** GlobalIds of the offending elements (storeys for max_storeys). */
  readonly elements: readonly string[];
  readonly note: string;
}

export interface IdsResult {
  readonly name: string;
  readonly status: "pass" | "fail";
  /** How many elements the specification applies to. */
  readonly applicable: number;
  /** GlobalIds of the elements that fail it. */
  readonly failed: readonly string[];
  readonly description: string;
  readonly reasons: readonly string[];
}

export interface ReviewReport {
  readonly model: string | null;
  readonly schema: string | null;
  readonly passed: boolean | null;
  readonly indicators: Indicators | null;
  readonly rules: readonly RuleResult[];
  readonly ids: readonly IdsResult[];
}

export interface Submission extends SubmissionSummary {
  /** Null before the check (and when it failed). */
  readonly report: ReviewReport | null;
  /** Element changes against the previous version ({added, removed, ...}); null when none. */
  readonly diffCounts: Readonly<Record<string, number>> | null;
}

/** True for an id the submission endpoints accept ("du07-v1"). */
export function isSubmissionId(value: string): boolean {
  return SUBMISSION_ID.test(value);
}

function text(value: unknown): string {
  return str(value) ?? "";
}

function bool(value: unknown): boolean | null {
  return typeof value === "boolean" ? value : null;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string" && item !== "") : [];
}

function state(value: unknown): SubmissionState {
  const s = str(value);
  return s !== null && (SUBMISSION_STATES as readonly string[]).includes(s) ? (s as SubmissionState) : "unknown";
}

/** A figure {value, source}; a bare number is accepted as a value without a source. */
export function parseFigure(value: unknown): Figure {
  if (isObject(value)) {
    return { value: num(value["value"]), source: text(value["source"]) };
  }
  return { value: num(value), source: "" };
}

function parseStorey(value: unknown): StoreyArea | null {
  if (!isObject(value)) {
    return null;
  }
  const globalId = str(value["global_id"]);
  if (globalId === null || globalId === "") {
    return null;
  }
  const factor = num(value["area_factor"]);
  return {
    globalId,
    name: str(value["name"]) ?? globalId,
    elevationM: num(value["elevation_m"]),
    heightM: num(value["height_m"]),
    heightSource: text(value["height_source"]),
    belowGround: value["below_ground"] === true,
    areaFactor: factor !== null && factor > 0 ? factor : 1,
    areaM2: num(value["area_m2"]),
    areaSource: text(value["area_source"]),
    quantitySetM2: num(value["quantity_set_m2"]),
    countedAreaM2: num(value["counted_area_m2"]),
  };
}

/** The indicators of a report, or null when there are none. */
export function parseIndicators(value: unknown): Indicators | null {
  if (!isObject(value)) {
    return null;
  }
  const storeys = Array.isArray(value["storeys"]) ? value["storeys"] : [];
  return {
    storeys: storeys.map(parseStorey).filter((s): s is StoreyArea => s !== null),
    grossFloorArea: parseFigure(value["gross_floor_area_m2"]),
    countedFloorArea: parseFigure(value["counted_floor_area_m2"]),
    siteArea: parseFigure(value["site_area_m2"]),
    far: parseFigure(value["far"]),
    height: parseFigure(value["height_m"]),
    heightToParapet: parseFigure(value["height_to_parapet_m"]),
    storeysAboveGround: num(value["storeys_above_ground"]),
    storeysBelowGround: num(value["storeys_below_ground"]),
    baseArea: parseFigure(value["base_area_m2"]),
    coverage: parseFigure(value["coverage"]),
    greenArea: parseFigure(value["green_area_m2"]),
    greenRatio: parseFigure(value["green_ratio"]),
    groundLevel: parseFigure(value["ground_level_m"]),
  };
}

const RULE_STATUSES: readonly RuleStatus[] = ["pass", "fail", "not_applicable"];

export function parseRule(value: unknown): RuleResult | null {
  if (!isObject(value)) {
    return null;
  }
  const key = str(value["key"]);
  // "not-applicable" and "not_applicable" both occur (the report's wording changed once)
  const status = str(value["status"])?.replace("-", "_") ?? null;
  if (key === null || key === "" || status === null || !(RULE_STATUSES as readonly string[]).includes(status)) {
    return null;
  }
  return {
    key,
    status: status as RuleStatus,
    value: num(value["value"]),
    limit: num(value["limit"]),
    unit: text(value["unit"]),
    elements: stringList(value["elements"]),
    note: text(value["note"]),
  };
}

export function parseIds(value: unknown): IdsResult | null {
  if (!isObject(value)) {
    return null;
  }
  const status = str(value["status"]);
  if (status !== "pass" && status !== "fail") {
    return null;
  }
  const failed = stringList(value["failed"]);
  const applicable = num(value["applicable"]);
  return {
    name: text(value["name"]),
    status,
    applicable: applicable !== null && applicable >= 0 ? applicable : 0,
    failed,
    description: text(value["description"]),
    reasons: stringList(value["reasons"]),
  };
}

/** A review report, or null when the submission has none yet. */
export function parseReport(value: unknown): ReviewReport | null {
  if (!isObject(value)) {
    return null;
  }
  const rules = Array.isArray(value["rules"]) ? value["rules"] : [];
  const ids = Array.isArray(value["ids"]) ? value["ids"] : [];
  return {
    model: str(value["model"]),
    schema: str(value["schema"]),
    passed: bool(value["passed"]),
    indicators: parseIndicators(value["indicators"]),
    rules: rules.map(parseRule).filter((r): r is RuleResult => r !== null),
    ids: ids.map(parseIds).filter((r): r is IdsResult => r !== null),
  };
}

/** An entry of GET api/submissions, or null when it is unusable. */
export function parseSubmissionSummary(value: unknown): SubmissionSummary | null {
  if (!isObject(value)) {
    return null;
  }
  const id = str(value["id"]);
  if (id === null || !isSubmissionId(id)) {
    return null;
  }
  const version = num(value["version"]);
  const fromId = Number(id.slice(id.lastIndexOf("-v") + 2));
  const checkError = str(value["check_error"]);
  return {
    id,
    project: str(value["project"]) ?? id.slice(0, id.lastIndexOf("-v")),
    version: version !== null && Number.isInteger(version) ? version : fromId,
    title: str(value["title"]) ?? id,
    state: state(value["state"]),
    layer: str(value["layer"]),
    fileName: str(value["file_name"]),
    previousId: str(value["previous_id"]),
    createdBy: str(value["created_by"]),
    createdAt: str(value["created_at"]),
    updatedAt: str(value["updated_at"]),
    checkError: checkError === null || checkError === "" ? null : checkError,
    passed: bool(value["passed"]),
    hasBcf: value["has_bcf"] === true,
  };
}

function counts(value: unknown): Record<string, number> | null {
  if (!isObject(value)) {
    return null;
  }
  const out: Record<string, number> = {};
  for (const [key, count] of Object.entries(value)) {
    const n = num(count);
    if (n !== null) {
      out[key] = n;
    }
  }
  return out;
}

/** GET api/submissions/{id}, or null when it is unusable. */
export function parseSubmission(value: unknown): Submission | null {
  const summary = parseSubmissionSummary(value);
  if (summary === null || !isObject(value)) {
    return null;
  }
  return { ...summary, report: parseReport(value["report"]), diffCounts: counts(value["diff_counts"]) };
}

/** The relative URL of one submission (ids are checked by the caller; escaped anyway). */
export function submissionUrl(id: string): string {
  return `api/submissions/${encodeURIComponent(id)}`;
}

/** Where the review's BCF 3.0 file downloads from. */
export function bcfUrl(id: string): string {
  return `${submissionUrl(id)}/bcf`;
}

/** GET api/submissions (every project, by project then version). */
export async function fetchSubmissions(project: string | null = null): Promise<SubmissionSummary[]> {
  const query = project === null ? "" : `?${new URLSearchParams({ project }).toString()}`;
  const { status, body } = await getJson(`api/submissions${query}`);
  if (status !== 200) {
    throw serverFailure(status, body);
  }
  if (!Array.isArray(body)) {
    throw new ApiError({ kind: "bad-response" });
  }
  return body.map(parseSubmissionSummary).filter((s): s is SubmissionSummary => s !== null);
}

/** GET api/submissions/{id}; null when the server answers 404. */
export async function fetchSubmission(id: string): Promise<Submission | null> {
  const { status, body } = await getJson(submissionUrl(id));
  if (status === 404) {
    return null;
  }
  if (status !== 200) {
    throw serverFailure(status, body);
  }
  const submission = parseSubmission(body);
  if (submission === null) {
    throw new ApiError({ kind: "bad-response" });
  }
  return submission;
}

/** Where one element is: its footprint's box (degrees) and its height range (metres). */
export interface ElementExtent {
  readonly bbox: BBox | null;
  readonly zmin: number | null;
  readonly zmax: number | null;
}

/** GlobalIds looked up per request (the query string stays a few kB). */
export const EXTENT_CHUNK = 150;

function walkPositions(value: unknown, depth: number, box: [number, number, number, number] | null): [number, number, number, number] | null {
  if (!Array.isArray(value) || depth > 6) {
    return box;
  }
  const [x, y] = value as unknown[];
  if (typeof x === "number" && typeof y === "number") {
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      return box;
    }
    return box === null ? [x, y, x, y] : [Math.min(box[0], x), Math.min(box[1], y), Math.max(box[2], x), Math.max(box[3], y)];
  }
  let out = box;
  for (const item of value) {
    out = walkPositions(item, depth + 1, out);
  }
  return out;
}

/** The lon/lat box of a GeoJSON geometry (collections too); null without coordinates. */
export function geometryBBox(geometry: unknown): BBox | null {
  if (!isObject(geometry)) {
    return null;
  }
  let box: [number, number, number, number] | null = null;
  if (Array.isArray(geometry["geometries"])) {
    for (const part of geometry["geometries"]) {
      const inner = geometryBBox(part);
      if (inner !== null) {
        box = walkPositions([[inner[0], inner[1]], [inner[2], inner[3]]], 0, box);
      }
    }
  } else {
    box = walkPositions(geometry["coordinates"], 0, null);
  }
  return isBBox(box) ? box : null;
}

/**
 * The query of a layer's features with these ids (GlobalIds only: anything
 * else is left out, so nothing needs escaping inside the quotes).
 */
export function elementsUrl(layer: string, ids: readonly string[]): string {
  const safe = ids.filter((id) => isSafeId(id));
  const query = new URLSearchParams({
    filter: `id IN (${safe.map((id) => `'${id}'`).join(",")})`,
    limit: String(Math.max(safe.length, 1)),
  });
  return `api/layers/${encodeURIComponent(layer)}/features?${query.toString()}`;
}

/** The extents in a FeatureCollection of api/layers/{layer}/features, by feature id. */
export function parseElementExtents(body: unknown): Map<string, ElementExtent> {
  const out = new Map<string, ElementExtent>();
  const features = isObject(body) && Array.isArray(body["features"]) ? body["features"] : [];
  for (const feature of features) {
    if (!isObject(feature)) {
      continue;
    }
    const properties = isObject(feature["properties"]) ? feature["properties"] : {};
    const id = str(feature["id"]) ?? str(properties["id"]);
    if (id === null) {
      continue;
    }
    out.set(id, { bbox: geometryBBox(feature["geometry"]), zmin: num(properties["zmin"]), zmax: num(properties["zmax"]) });
  }
  return out;
}

/**
 * Where the elements are in this layer (the same GlobalId is in every version's
 * layer, so they are looked up in the layer shown, not by id alone). Ids that
 * are not GlobalIds or not in the layer are missing from the answer.
 */
export async function fetchElementExtents(layer: string, ids: readonly string[]): Promise<Map<string, ElementExtent>> {
  const safe = ids.filter((id) => isSafeId(id));
  const out = new Map<string, ElementExtent>();
  for (let start = 0; start < safe.length; start += EXTENT_CHUNK) {
    const { status, body } = await getJson(elementsUrl(layer, safe.slice(start, start + EXTENT_CHUNK)));
    if (status !== 200) {
      throw serverFailure(status, body);
    }
    for (const [id, extent] of parseElementExtents(body)) {
      out.set(id, extent);
    }
  }
  return out;
}
