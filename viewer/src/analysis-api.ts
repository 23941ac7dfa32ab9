// Client of the analysis API (scene_api/routers/analysis.py): sightline, view
// corridor and sunlight, each optionally with a scenario (a proposal's layer
// added; with compare the result comes "before" and "after"). Responses are
// read defensively, as in api.ts, into one shape whether compared or not:
// `after` is the result with the scenario (or the only one), `before` the
// unchanged scene (null without compare). A failure is an ApiError whose
// server description (`{code, description}`) is what the panel shows.

import { ApiError, type ApiFailure, isObject, num, serverFailure, str } from "./api";

export type LonLatH = readonly [number, number, number];

export interface Scenario {
  /** Layers added (a proposal's BIM layer). */
  readonly add: readonly string[];
  /** Also run on the unchanged scene (before/after). */
  readonly compare: boolean;
}

export interface Obstruction {
  readonly featureId: string;
  readonly layer: string;
  readonly kind: string;
  /** From the start of the sightline, metres. */
  readonly distanceM: number;
  /** Where the sightline enters the feature. */
  readonly point: LonLatH;
}

export interface SightlineRun {
  readonly visible: boolean;
  readonly distanceM: number;
  /** Nearest first. */
  readonly obstructions: readonly Obstruction[];
}

export interface SightlineResult {
  readonly from: LonLatH;
  readonly to: LonLatH;
  readonly layers: readonly string[];
  readonly after: SightlineRun;
  readonly before: SightlineRun | null;
}

export interface Intrusion {
  readonly featureId: string;
  readonly layer: string;
  readonly kind: string;
  readonly maxIntrusionM: number;
  readonly volumeM3: number;
  /** Where the feature rises highest above the threshold. */
  readonly point: LonLatH | null;
}

export interface MaxHeightMap {
  /** A coloured image of the permitted heights (for an imagery overlay). */
  readonly png: string;
  /** The permitted heights as a GeoTIFF. */
  readonly tif: string;
  /** West, south, east, north in degrees. */
  readonly rectangle: readonly [number, number, number, number];
}

export interface CorridorResult {
  readonly id: string;
  /** The corridor on the ground: rings of [lon, lat], the outer ring first. */
  readonly polygon: ReadonlyArray<ReadonlyArray<readonly [number, number]>>;
  /** The threshold surface: from the eye to the target edges, at their heights. */
  readonly surface: { readonly eye: LonLatH; readonly targets: readonly LonLatH[] } | null;
  readonly cellM: number | null;
  readonly maxHeight: MaxHeightMap | null;
  readonly layers: readonly string[];
  /** Largest intrusion first. */
  readonly after: readonly Intrusion[];
  readonly before: readonly Intrusion[] | null;
}

export interface SunPoint {
  readonly point: LonLatH;
  readonly normal: readonly [number, number, number] | null;
  readonly hours: number;
  readonly totalMin: number;
  readonly longestContinuousMin: number;
  /** Null when no requirement was given. */
  readonly passes: boolean | null;
  readonly periods: ReadonlyArray<readonly [string, string]>;
}

export interface SunSummary {
  readonly count: number;
  readonly passing: number;
  readonly failing: number;
  readonly minHours: number | null;
  readonly maxHours: number | null;
}

export interface SunlightRun {
  readonly points: readonly SunPoint[];
  readonly summary: SunSummary;
}

export interface SunlightResult {
  readonly date: string;
  readonly window: readonly [string, string];
  readonly stepMin: number;
  readonly requiredHours: number | null;
  readonly layers: readonly string[];
  readonly after: SunlightRun;
  readonly before: SunlightRun | null;
}

export const SIGHTLINE_URL = "api/analysis/sightline";
export const CORRIDOR_URL = "api/analysis/corridor";
export const SUNLIGHT_URL = "api/analysis/sunlight";

// -- request bodies ---------------------------------------------------------------

type Body = Record<string, unknown>;

function withScenario(body: Body, scenario: Scenario | null): Body {
  if (scenario !== null && scenario.add.length > 0) {
    body["scenario"] = { add: [...scenario.add], compare: scenario.compare };
  }
  return body;
}

export function sightlineBody(from: LonLatH, to: LonLatH, scenario: Scenario | null): Body {
  return withScenario({ from: [...from], to: [...to] }, scenario);
}

export type Threshold =
  | { readonly kind: "plane"; readonly targetHeightM: number }
  | { readonly kind: "clearance"; readonly metres: number };

export interface CorridorRequest {
  /** On the ground: [lon, lat, h of the ground]. */
  readonly viewpoint: LonLatH;
  readonly targets: readonly LonLatH[];
  readonly eyeHeightM: number;
  readonly threshold: Threshold;
  readonly halfWidthM: number;
}

export function corridorBody(request: CorridorRequest, scenario: Scenario | null): Body {
  const threshold =
    request.threshold.kind === "plane"
      ? { kind: "plane", target_height_m: request.threshold.targetHeightM }
      : { kind: "clearance", metres: request.threshold.metres };
  return withScenario(
    {
      viewpoint: [...request.viewpoint],
      targets: request.targets.map((t) => [...t]),
      eye_height_m: request.eyeHeightM,
      threshold,
      half_width_m: request.halfWidthM,
    },
    scenario,
  );
}

export interface SunlightRequest {
  readonly building: string;
  /** "YYYY-MM-DD"; empty: the server's 大寒 of this year. */
  readonly date: string;
  readonly window: readonly [string, string];
  readonly stepMin: number;
  readonly requiredHours: number;
}

export function sunlightBody(request: SunlightRequest, scenario: Scenario | null): Body {
  const body: Body = {
    building: request.building,
    window: [...request.window],
    step_min: request.stepMin,
    required_hours: request.requiredHours,
  };
  if (request.date !== "") {
    body["date"] = request.date;
  }
  return withScenario(body, scenario);
}

// -- responses --------------------------------------------------------------------

function bad(): ApiError {
  return new ApiError({ kind: "bad-response" });
}

/** [lon, lat, h], or null. */
export function parsePoint(value: unknown): LonLatH | null {
  if (!Array.isArray(value) || value.length < 3) {
    return null;
  }
  const [lon, lat, h] = [num(value[0]), num(value[1]), num(value[2])];
  return lon === null || lat === null || h === null ? null : [lon, lat, h];
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function parseObstruction(value: unknown): Obstruction | null {
  if (!isObject(value)) {
    return null;
  }
  const point = parsePoint(value["point"]);
  const distance = num(value["distance_m"]);
  if (point === null || distance === null) {
    return null;
  }
  return {
    featureId: str(value["feature_id"]) ?? "",
    layer: str(value["layer"]) ?? "",
    kind: str(value["kind"]) ?? "",
    distanceM: distance,
    point,
  };
}

function parseSightlineRun(value: unknown): SightlineRun {
  if (!isObject(value) || typeof value["visible"] !== "boolean") {
    throw bad();
  }
  const obstructions = list(value["obstructions"])
    .map(parseObstruction)
    .filter((o): o is Obstruction => o !== null)
    .sort((a, b) => a.distanceM - b.distanceM);
  return { visible: value["visible"], distanceM: num(value["distance_m"]) ?? 0, obstructions };
}

/** Splits a response into after (the scenario's, or the only one) and before (null without compare). */
function sides<T>(body: Record<string, unknown>, parse: (value: unknown) => T): { after: T; before: T | null } {
  if (isObject(body["after"])) {
    return { after: parse(body["after"]), before: isObject(body["before"]) ? parse(body["before"]) : null };
  }
  return { after: parse(body), before: null };
}

export function parseSightline(body: unknown): SightlineResult {
  if (!isObject(body)) {
    throw bad();
  }
  const from = parsePoint(body["from"]);
  const to = parsePoint(body["to"]);
  if (from === null || to === null) {
    throw bad();
  }
  return { from, to, layers: strings(body["layers"]), ...sides(body, parseSightlineRun) };
}

function parseIntrusion(value: unknown): Intrusion | null {
  if (!isObject(value)) {
    return null;
  }
  const max = num(value["max_intrusion_m"]);
  if (max === null) {
    return null;
  }
  return {
    featureId: str(value["feature_id"]) ?? "",
    layer: str(value["layer"]) ?? "",
    kind: str(value["kind"]) ?? "",
    maxIntrusionM: max,
    volumeM3: num(value["volume_m3"]) ?? 0,
    point: parsePoint(value["point"]),
  };
}

function parseIntrusions(value: unknown): Intrusion[] {
  const raw = isObject(value) ? value["intrusions"] : value;
  return list(raw)
    .map(parseIntrusion)
    .filter((i): i is Intrusion => i !== null)
    .sort((a, b) => b.maxIntrusionM - a.maxIntrusionM);
}

/** Rings of a GeoJSON Polygon (or the first polygon of a MultiPolygon), as [lon, lat] pairs. */
export function polygonRings(value: unknown): Array<Array<[number, number]>> {
  if (!isObject(value)) {
    return [];
  }
  let coordinates: unknown = value["coordinates"];
  if (value["type"] === "MultiPolygon") {
    coordinates = list(coordinates)[0];
  } else if (value["type"] !== "Polygon") {
    return [];
  }
  return list(coordinates)
    .map((ring) =>
      list(ring).flatMap((c): Array<[number, number]> => {
        if (!Array.isArray(c)) {
          return [];
        }
        const lon = num(c[0]);
        const lat = num(c[1]);
        return lon === null || lat === null ? [] : [[lon, lat]];
      }),
    )
    .filter((ring) => ring.length >= 3);
}

/**
 * A URL the server gave for a file of the analysis, or null for anything but
 * an http(s) URL or a path (no "javascript:" or "data:" links in the page).
 */
export function safeUrl(value: unknown): string | null {
  if (typeof value !== "string" || value.trim() === "") {
    return null;
  }
  try {
    const url = new URL(value, "http://twin.invalid/");
    return url.protocol === "http:" || url.protocol === "https:" ? value : null;
  } catch {
    return null;
  }
}

/**
 * The server's "/api/…" links made relative to the page, as every other API
 * URL of the viewer is (so that they also work behind a path prefix).
 */
export function pageRelative(url: string | null): string | null {
  return url !== null && url.startsWith("/api/") ? url.slice(1) : url;
}

/** Where a stored corridor's maximum height map is ("png" image or "tif" GeoTIFF). */
export function maxHeightUrl(id: string, format: "png" | "tif"): string {
  return `${CORRIDOR_URL}/${encodeURIComponent(id)}/max-height.${format}`;
}

function parseRectangle(value: unknown): [number, number, number, number] | null {
  if (!Array.isArray(value) || value.length !== 4) {
    return null;
  }
  const [w, s, e, n] = value.map(num);
  if (w == null || s == null || e == null || n == null || !(w < e) || !(s < n)) {
    return null;
  }
  return [w, s, e, n];
}

function parseMaxHeight(value: unknown, id: string): MaxHeightMap | null {
  if (!isObject(value)) {
    return null;
  }
  const rectangle = parseRectangle(value["rectangle"]);
  if (rectangle === null) {
    return null;
  }
  const png = pageRelative(safeUrl(value["png"])) ?? (id === "" ? null : maxHeightUrl(id, "png"));
  const tif = pageRelative(safeUrl(value["tif"])) ?? (id === "" ? null : maxHeightUrl(id, "tif"));
  return png === null || tif === null ? null : { png, tif, rectangle };
}

export function parseCorridor(body: unknown): CorridorResult {
  if (!isObject(body)) {
    throw bad();
  }
  const id = str(body["id"]) ?? (typeof body["id"] === "number" ? String(body["id"]) : "");
  const surfaceBody = body["threshold_surface"];
  let surface: CorridorResult["surface"] = null;
  if (isObject(surfaceBody)) {
    const eye = parsePoint(surfaceBody["eye"]);
    const targets = list(surfaceBody["targets"])
      .map(parsePoint)
      .filter((p): p is LonLatH => p !== null);
    surface = eye === null || targets.length === 0 ? null : { eye, targets };
  }
  const compared = isObject(body["after"]);
  if (!compared && !Array.isArray(body["intrusions"])) {
    throw bad();
  }
  return {
    id,
    polygon: polygonRings(body["polygon"]),
    surface,
    cellM: num(body["cell_m"]),
    maxHeight: parseMaxHeight(body["max_height"], id),
    layers: strings(body["layers"]),
    after: compared ? parseIntrusions(body["after"]) : parseIntrusions(body["intrusions"]),
    before: compared && isObject(body["before"]) ? parseIntrusions(body["before"]) : null,
  };
}

function parsePeriod(value: unknown): [string, string] | null {
  if (!Array.isArray(value) || value.length < 2) {
    return null;
  }
  const [a, b] = [str(value[0]), str(value[1])];
  return a === null || b === null ? null : [a, b];
}

function parseSunPoint(value: unknown): SunPoint | null {
  if (!isObject(value)) {
    return null;
  }
  const point = parsePoint(value["point"]);
  const hours = num(value["hours"]);
  if (point === null || hours === null) {
    return null;
  }
  const normal = parsePoint(value["normal"]);
  return {
    point,
    normal,
    hours,
    totalMin: num(value["total_min"]) ?? hours * 60,
    longestContinuousMin: num(value["longest_continuous_min"]) ?? 0,
    passes: typeof value["passes"] === "boolean" ? value["passes"] : null,
    periods: list(value["periods"])
      .map(parsePeriod)
      .filter((p): p is [string, string] => p !== null),
  };
}

function parseSunlightRun(value: unknown): SunlightRun {
  if (!isObject(value) || !Array.isArray(value["points"])) {
    throw bad();
  }
  const points = value["points"].map(parseSunPoint).filter((p): p is SunPoint => p !== null);
  const s = isObject(value["summary"]) ? value["summary"] : {};
  const hours = points.map((p) => p.hours);
  return {
    points,
    summary: {
      count: num(s["count"]) ?? points.length,
      passing: num(s["passing"]) ?? points.filter((p) => p.passes === true).length,
      failing: num(s["failing"]) ?? points.filter((p) => p.passes === false).length,
      minHours: num(s["min_hours"]) ?? (hours.length > 0 ? Math.min(...hours) : null),
      maxHours: num(s["max_hours"]) ?? (hours.length > 0 ? Math.max(...hours) : null),
    },
  };
}

export function parseSunlight(body: unknown): SunlightResult {
  if (!isObject(body)) {
    throw bad();
  }
  const window = parsePeriod(body["window"]) ?? ["08:00", "16:00"];
  return {
    date: str(body["date"]) ?? "",
    window,
    stepMin: num(body["step_min"]) ?? 1,
    requiredHours: num(body["required_hours"]),
    layers: strings(body["layers"]),
    ...sides(body, parseSunlightRun),
  };
}

// -- transport --------------------------------------------------------------------

/** POSTs `body` as JSON and returns the parsed answer; non-2xx answers throw the server's failure. */
export async function postJson(url: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { Accept: "application/json", "Content-Type": "application/json" },
      body: JSON.stringify(body),
      ...(signal === undefined ? {} : { signal }),
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") {
      throw error;
    }
    throw new ApiError({ kind: "network" });
  }
  let answer: unknown = null;
  try {
    answer = await response.json();
  } catch {
    if (response.ok) {
      throw bad();
    }
  }
  if (!response.ok) {
    throw serverFailure(response.status, answer);
  }
  return answer;
}

export async function runSightline(from: LonLatH, to: LonLatH, scenario: Scenario | null, signal?: AbortSignal): Promise<SightlineResult> {
  return parseSightline(await postJson(SIGHTLINE_URL, sightlineBody(from, to, scenario), signal));
}

export async function runCorridor(request: CorridorRequest, scenario: Scenario | null, signal?: AbortSignal): Promise<CorridorResult> {
  return parseCorridor(await postJson(CORRIDOR_URL, corridorBody(request, scenario), signal));
}

export async function runSunlight(request: SunlightRequest, scenario: Scenario | null, signal?: AbortSignal): Promise<SunlightResult> {
  return parseSunlight(await postJson(SUNLIGHT_URL, sunlightBody(request, scenario), signal));
}

/** What went wrong, for the panel: the server's description, or the kind of failure. */
export type FailureReason =
  | { readonly kind: "server"; readonly text: string }
  | { readonly kind: "network" }
  | { readonly kind: "bad-response" };

export function failureReason(error: unknown): FailureReason {
  if (error instanceof ApiError) {
    const failure: ApiFailure = error.failure;
    if (failure.kind === "server") {
      const text = failure.description !== "" ? failure.description : failure.code !== "" ? failure.code : `HTTP ${failure.status}`;
      return { kind: "server", text };
    }
    return { kind: failure.kind };
  }
  return { kind: "bad-response" };
}
