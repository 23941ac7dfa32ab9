// Client of the twin scene API. URLs are relative to the page so that the
// viewer works behind a path prefix. Shapes mirror scene_api/wire.py.

import { type BBox, isBBox } from "./geo";
import { type LayerMetadata, parseLayerMetadata } from "./layer-metadata";
import { SUGGEST_LIMIT, type Suggestion, parseSuggestions, suggestUrl } from "./search-suggest";

export interface LayerInfo {
  readonly id: string;
  readonly kind: string;
  readonly title: string;
  readonly tilesetUrl: string | null;
  readonly featureCount: number;
  readonly bbox: BBox | null;
  readonly zmin: number | null;
  readonly zmax: number | null;
  readonly version: number | null;
  readonly attributeSchema: Readonly<Record<string, string>>;
  /** Whether the layer is shown when the viewer opens (the catalog's flag; true unless it says otherwise). */
  readonly visible: boolean;
  /** What the server says about the layer's source (a BIM layer's IFC file and georeference). */
  readonly metadata: LayerMetadata;
}

export interface FeatureInfo {
  readonly id: string;
  readonly layer: string;
  readonly cls: string;
  readonly parentId: string | null;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly bbox: BBox | null;
  readonly zmin: number | null;
  readonly zmax: number | null;
  readonly version: number | null;
  readonly tile: string | null;
}

export type ApiFailure =
  | { readonly kind: "network" }
  | { readonly kind: "server"; readonly status: number; readonly code: string; readonly description: string }
  | { readonly kind: "bad-response" };

/** Thrown by the fetch functions; `failure` says what went wrong. */
export class ApiError extends Error {
  readonly failure: ApiFailure;

  constructor(failure: ApiFailure) {
    super(failure.kind === "server" ? `${failure.status} ${failure.code}: ${failure.description}` : failure.kind);
    this.name = "ApiError";
    this.failure = failure;
  }
}

type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function str(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

export function num(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function stringRecord(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (typeof v === "string") {
        out[k] = v;
      }
    }
  }
  return out;
}

/** A layer from GET api/layers, or null when the entry is unusable. */
export function parseLayer(value: unknown): LayerInfo | null {
  if (!isObject(value)) {
    return null;
  }
  const id = str(value["id"]);
  if (id === null || id === "") {
    return null;
  }
  return {
    id,
    kind: str(value["kind"]) ?? "",
    title: str(value["title"]) ?? id,
    tilesetUrl: str(value["tileset_url"]),
    featureCount: num(value["feature_count"]) ?? 0,
    bbox: isBBox(value["bbox"]) ? value["bbox"] : null,
    zmin: num(value["zmin"]),
    zmax: num(value["zmax"]),
    version: num(value["version"]),
    attributeSchema: stringRecord(value["attribute_schema"]),
    visible: value["visible"] !== false,
    metadata: parseLayerMetadata(value["metadata"]),
  };
}

/** A feature from GET api/features/{id}, or null when the body is unusable. */
export function parseFeature(value: unknown): FeatureInfo | null {
  if (!isObject(value)) {
    return null;
  }
  const id = str(value["id"]);
  const layer = str(value["layer"]);
  if (id === null || layer === null) {
    return null;
  }
  const attributes = value["attributes"];
  return {
    id,
    layer,
    cls: str(value["class"]) ?? "",
    parentId: str(value["parent_id"]),
    attributes: isObject(attributes) ? attributes : {},
    bbox: isBBox(value["bbox"]) ? value["bbox"] : null,
    zmin: num(value["zmin"]),
    zmax: num(value["zmax"]),
    version: num(value["version"]),
    tile: str(value["tile"]),
  };
}

export async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { Accept: "application/json" } });
  } catch {
    throw new ApiError({ kind: "network" });
  }
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    if (response.ok) {
      throw new ApiError({ kind: "bad-response" });
    }
  }
  return { status: response.status, body };
}

export function serverFailure(status: number, body: unknown): ApiError {
  const code = isObject(body) ? (str(body["code"]) ?? "") : "";
  const description = isObject(body) ? (str(body["description"]) ?? "") : "";
  return new ApiError({ kind: "server", status, code, description });
}

/** GET api/layers. */
export async function fetchLayers(): Promise<LayerInfo[]> {
  const { status, body } = await getJson("api/layers");
  if (status !== 200) {
    throw serverFailure(status, body);
  }
  const list = isObject(body) ? body["layers"] : null;
  if (!Array.isArray(list)) {
    throw new ApiError({ kind: "bad-response" });
  }
  return list.map(parseLayer).filter((layer): layer is LayerInfo => layer !== null);
}

/** The relative URL of one feature (ids such as "demo:B000123" are escaped). */
export function featureUrl(id: string): string {
  return `api/features/${encodeURIComponent(id)}`;
}

/** `?layer=` for a lookup in one layer (versions of a BIM submission share GlobalIds). */
export function layerQuery(layer: string | null | undefined): string {
  return layer ? `?${new URLSearchParams({ layer }).toString()}` : "";
}

/** GET api/features/{id} (in `layer` when given); null when the server answers 404. */
export async function fetchFeature(id: string, layer: string | null = null): Promise<FeatureInfo | null> {
  const { status, body } = await getJson(featureUrl(id) + layerQuery(layer));
  if (status === 404) {
    return null;
  }
  if (status !== 200) {
    throw serverFailure(status, body);
  }
  const feature = parseFeature(body);
  if (feature === null) {
    throw new ApiError({ kind: "bad-response" });
  }
  return feature;
}

/** GET api/search: the search box's suggestions for `q`, best first. */
export async function fetchSuggestions(q: string, limit = SUGGEST_LIMIT): Promise<Suggestion[]> {
  const { status, body } = await getJson(suggestUrl(q, limit));
  if (status !== 200) {
    throw serverFailure(status, body);
  }
  return parseSuggestions(body, limit);
}
