// Client of the city health-check API (城市体检: scene_api/routers/healthcheck.py):
// indicator values, problems and projects (GeoJSON features, lon/lat), the
// district summary. Parsing is defensive, as in api.ts: a missing or mistyped
// field reads as null / empty, an entry without an id is dropped, and nothing
// the server sends is trusted as HTML. Writes are in health-write.ts.

import { ApiError, getJson, isObject, num, serverFailure, str } from "./api";
import { type LonLat, overlayShapes } from "./overlay-geometry";

export type Rag = "green" | "amber" | "red";
export type Comparison = ">=" | "<=";
export type ProblemStatus = "open" | "in_progress" | "rechecking" | "closed";
export const PROBLEM_STATUSES: readonly ProblemStatus[] = ["open", "in_progress", "rechecking", "closed"];

export interface IndicatorValue {
  readonly code: string;
  readonly name: string;
  readonly unit: string;
  readonly target: number | null;
  readonly comparison: Comparison | null;
  readonly year: number | null;
  readonly area: string;
  readonly areaKind: "district" | "community" | null;
  readonly value: number | null;
  readonly source: string;
  /** What the server says; null when it gives none (no target). */
  readonly status: Rag | null;
}

export interface Problem {
  readonly id: string;
  readonly title: string;
  readonly indicator: string;
  readonly severity: 1 | 2 | 3;
  readonly status: ProblemStatus;
  readonly department: string;
  readonly district: string;
  readonly dueDate: string | null;
  readonly overdue: boolean;
  readonly description: string;
  readonly photos: readonly string[];
  readonly projectIds: readonly string[];
  /** The GeoJSON geometry as sent (lon/lat). */
  readonly geometry: unknown;
  /** Where its marker goes: the point, or the middle of its shapes; null without geometry. */
  readonly position: LonLat | null;
}

export interface StageLabel {
  readonly zh: string;
  readonly en: string;
}

export interface Project {
  readonly id: string;
  readonly name: string;
  readonly stage: string;
  readonly stageLabel: StageLabel;
  readonly stageStarted: string | null;
  readonly stageDue: string | null;
  readonly overdue: boolean;
  readonly idle: boolean;
  readonly percent: number;
  readonly district: string;
  readonly department: string;
  readonly budget: number | null;
  readonly startDate: string | null;
  readonly agreedStartDate: string | null;
  readonly problemIds: readonly string[];
  readonly geometry: unknown;
  readonly position: LonLat | null;
}

export interface Counts {
  readonly problemsOpen: number;
  readonly problemsOverdue: number;
  readonly projectsActive: number;
  readonly projectsOverdue: number;
  readonly projectsIdle: number;
}

export interface DistrictCounts extends Counts {
  readonly district: string;
}

export type FlagReason = "overdue" | "idle" | "severity";

export interface Flagged {
  readonly kind: "problem" | "project";
  readonly id: string;
  readonly title: string;
  readonly reason: FlagReason;
  readonly lon: number;
  readonly lat: number;
}

export interface Summary {
  readonly asOf: string | null;
  readonly totals: Counts;
  readonly districts: readonly DistrictCounts[];
  readonly flagged: readonly Flagged[];
}

function text(value: unknown): string {
  return str(value) ?? "";
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string" && item !== "") : [];
}

function idList(value: unknown): string[] {
  if (!Array.isArray(value)) {
    return [];
  }
  return value
    .map((item) => (typeof item === "number" && Number.isFinite(item) ? String(item) : item))
    .filter((item): item is string => typeof item === "string" && item !== "");
}

/** An id as a string: the API may send numbers. */
function anyId(value: unknown): string | null {
  if (typeof value === "number" && Number.isFinite(value)) {
    return String(value);
  }
  const s = str(value);
  return s === null || s === "" ? null : s;
}

function rag(value: unknown): Rag | null {
  return value === "green" || value === "amber" || value === "red" ? value : null;
}

/** A date "YYYY-MM-DD" (a longer ISO timestamp is cut to its date); null otherwise. */
function day(value: unknown): string | null {
  const s = str(value);
  return s !== null && /^\d{4}-\d{2}-\d{2}/.test(s) ? s.slice(0, 10) : null;
}

/** Where a geometry's marker goes: a point's own position, else the middle of its shapes' box. */
export function markerPosition(geometry: unknown): LonLat | null {
  if (isObject(geometry) && geometry["type"] === "Point" && Array.isArray(geometry["coordinates"])) {
    const [lon, lat] = geometry["coordinates"] as unknown[];
    if (typeof lon === "number" && typeof lat === "number" && Math.abs(lon) <= 180 && Math.abs(lat) <= 90) {
      return [lon, lat];
    }
    return null;
  }
  let west = Infinity;
  let south = Infinity;
  let east = -Infinity;
  let north = -Infinity;
  for (const shape of overlayShapes(geometry)) {
    for (const [lon, lat] of shape.kind === "polygon" ? shape.outer : shape.positions) {
      west = Math.min(west, lon);
      east = Math.max(east, lon);
      south = Math.min(south, lat);
      north = Math.max(north, lat);
    }
  }
  return Number.isFinite(west) ? [(west + east) / 2, (south + north) / 2] : null;
}

export function parseIndicator(value: unknown): IndicatorValue | null {
  if (!isObject(value)) {
    return null;
  }
  const code = str(value["code"]);
  if (code === null || code === "") {
    return null;
  }
  const comparison = value["comparison"];
  const kind = value["area_kind"];
  return {
    code,
    name: str(value["name"]) ?? code,
    unit: text(value["unit"]),
    target: num(value["target"]),
    comparison: comparison === ">=" || comparison === "<=" ? comparison : null,
    year: num(value["year"]),
    area: text(value["area"]),
    areaKind: kind === "district" || kind === "community" ? kind : null,
    value: num(value["value"]),
    source: text(value["source"]),
    status: rag(value["status"]),
  };
}

/** The feature's properties and geometry, with its id (feature id, else properties.id). */
function featureParts(value: unknown): { id: string; props: Record<string, unknown>; geometry: unknown } | null {
  if (!isObject(value)) {
    return null;
  }
  const props = isObject(value["properties"]) ? value["properties"] : {};
  const id = anyId(value["id"]) ?? anyId(props["id"]);
  return id === null ? null : { id, props, geometry: value["geometry"] ?? null };
}

function severity(value: unknown): 1 | 2 | 3 {
  const n = num(value);
  return n === 1 || n === 2 || n === 3 ? n : n !== null && n > 3 ? 3 : 1;
}

function problemStatus(value: unknown): ProblemStatus {
  return (PROBLEM_STATUSES as readonly unknown[]).includes(value) ? (value as ProblemStatus) : "open";
}

export function parseProblem(value: unknown): Problem | null {
  const parts = featureParts(value);
  if (parts === null) {
    return null;
  }
  const { id, props, geometry } = parts;
  return {
    id,
    title: str(props["title"]) ?? id,
    indicator: text(props["indicator"]),
    severity: severity(props["severity"]),
    status: problemStatus(props["status"]),
    department: text(props["department"]),
    district: text(props["district"]),
    dueDate: day(props["due_date"]),
    overdue: props["overdue"] === true,
    description: text(props["description"]),
    photos: stringList(props["photos"]),
    projectIds: idList(props["project_ids"]),
    geometry,
    position: markerPosition(geometry),
  };
}

function stageLabel(value: unknown, stage: string): StageLabel {
  const label = isObject(value) ? value : {};
  const zh = str(label["zh"]) ?? str(label["zh-CN"]) ?? stage;
  return { zh, en: str(label["en"]) ?? zh };
}

/** A percentage in 0..100 (out-of-range values are clamped; missing reads 0). */
export function clampPercent(value: unknown): number {
  const n = num(value);
  return n === null ? 0 : Math.min(100, Math.max(0, n));
}

export function parseProject(value: unknown): Project | null {
  const parts = featureParts(value);
  if (parts === null) {
    return null;
  }
  const { id, props, geometry } = parts;
  const stage = text(props["stage"]);
  return {
    id,
    name: str(props["name"]) ?? id,
    stage,
    stageLabel: stageLabel(props["stage_label"], stage),
    stageStarted: day(props["stage_started"]),
    stageDue: day(props["stage_due"]),
    overdue: props["overdue"] === true,
    idle: props["idle"] === true,
    percent: clampPercent(props["percent"]),
    district: text(props["district"]),
    department: text(props["department"]),
    budget: num(props["budget"]),
    startDate: day(props["start_date"]),
    agreedStartDate: day(props["agreed_start_date"]),
    problemIds: idList(props["problem_ids"]),
    geometry,
    position: markerPosition(geometry),
  };
}

function count(value: unknown): number {
  const n = num(value);
  return n === null || n < 0 ? 0 : Math.round(n);
}

export function parseCounts(value: unknown): Counts {
  const c = isObject(value) ? value : {};
  return {
    problemsOpen: count(c["problems_open"]),
    problemsOverdue: count(c["problems_overdue"]),
    projectsActive: count(c["projects_active"]),
    projectsOverdue: count(c["projects_overdue"]),
    projectsIdle: count(c["projects_idle"]),
  };
}

function parseFlagged(value: unknown): Flagged | null {
  if (!isObject(value)) {
    return null;
  }
  const id = anyId(value["id"]);
  const lon = num(value["lon"]);
  const lat = num(value["lat"]);
  const kind = value["kind"];
  const reason = value["reason"];
  if (id === null || lon === null || lat === null || (kind !== "problem" && kind !== "project")) {
    return null;
  }
  return {
    kind,
    id,
    title: str(value["title"]) ?? id,
    reason: reason === "overdue" || reason === "idle" ? reason : "severity",
    lon,
    lat,
  };
}

export function parseSummary(value: unknown): Summary | null {
  if (!isObject(value)) {
    return null;
  }
  const districts = Array.isArray(value["districts"]) ? value["districts"] : [];
  const flagged = Array.isArray(value["flagged"]) ? value["flagged"] : [];
  return {
    asOf: day(value["as_of"]),
    totals: parseCounts(value["totals"]),
    districts: districts
      .filter(isObject)
      .map((d) => ({ district: text(d["district"]), ...parseCounts(d) }))
      .filter((d) => d.district !== ""),
    flagged: flagged.map(parseFlagged).filter((f): f is Flagged => f !== null),
  };
}

function features(body: unknown): unknown[] {
  if (!isObject(body) || !Array.isArray(body["features"])) {
    throw new ApiError({ kind: "bad-response" });
  }
  return body["features"];
}

async function getOk(url: string): Promise<unknown> {
  const { status, body } = await getJson(url);
  if (status !== 200) {
    throw serverFailure(status, body);
  }
  return body;
}

/** GET api/healthcheck/indicators. */
export async function fetchIndicators(): Promise<IndicatorValue[]> {
  const body = await getOk("api/healthcheck/indicators");
  if (!isObject(body) || !Array.isArray(body["indicators"])) {
    throw new ApiError({ kind: "bad-response" });
  }
  return body["indicators"].map(parseIndicator).filter((i): i is IndicatorValue => i !== null);
}

/** GET api/problems. */
export async function fetchProblems(): Promise<Problem[]> {
  return features(await getOk("api/problems")).map(parseProblem).filter((p): p is Problem => p !== null);
}

/** GET api/projects. */
export async function fetchProjects(): Promise<Project[]> {
  return features(await getOk("api/projects")).map(parseProject).filter((p): p is Project => p !== null);
}

/** GET api/projects/{id}. */
export async function fetchProject(id: string): Promise<Project> {
  const project = parseProject(await getOk(`api/projects/${encodeURIComponent(id)}`));
  if (project === null) {
    throw new ApiError({ kind: "bad-response" });
  }
  return project;
}

/** GET api/healthcheck/summary. */
export async function fetchSummary(): Promise<Summary> {
  const summary = parseSummary(await getOk("api/healthcheck/summary"));
  if (summary === null) {
    throw new ApiError({ kind: "bad-response" });
  }
  return summary;
}

/** GET api/overlays/events?since=0&limit=1: the latest seq of the event log (null if it has none). */
export async function fetchLatestSeq(): Promise<number | null> {
  const body = await getOk("api/overlays/events?since=0&limit=1");
  return isObject(body) ? num(body["latest"]) : null;
}
