// The parts of the scene API a BIM layer needs beyond api.ts: a layer's storeys
// (GET api/layers/{layer}/features?filter=class=IfcBuildingStorey&sort=elevation)
// and a feature's direct children (GET api/features/{id}/children), both
// GeoJSON FeatureCollections whose properties hold the attributes.

import { ApiError, featureUrl, getJson, isObject, layerQuery, num, serverFailure, str } from "./api";
import { isSafeId } from "./storey-style";

export const STOREY_CLASS = "IfcBuildingStorey";
/** More storeys than any building has; the list is read in one page. */
export const STOREY_LIMIT = 500;

export interface Storey {
  /** The storey's GlobalId, as the elements' `storey_id` holds it. */
  readonly id: string;
  readonly name: string;
  /** As the server sends it (the storey's elevation); null when unknown. */
  readonly elevation: number | null;
}

/** A child feature as listed under its parent. */
export interface ChildFeature {
  readonly id: string;
  readonly cls: string;
  readonly name: string | null;
}

/** The relative URL of a layer's storeys, lowest first. */
export function storeysUrl(layer: string): string {
  const query = new URLSearchParams({ filter: `class=${STOREY_CLASS}`, sort: "elevation", limit: String(STOREY_LIMIT) });
  return `api/layers/${encodeURIComponent(layer)}/features?${query.toString()}`;
}

/** The relative URL of a feature's direct children (in `layer` when given). */
export function childrenUrl(id: string, layer: string | null = null): string {
  return `${featureUrl(id)}/children${layerQuery(layer)}`;
}

function featuresOf(body: unknown): unknown[] | null {
  if (!isObject(body)) {
    return null;
  }
  const features = body["features"];
  return Array.isArray(features) ? features : null;
}

function propertiesOf(feature: Record<string, unknown>): Record<string, unknown> {
  const properties = feature["properties"];
  return isObject(properties) ? properties : {};
}

function nonEmpty(value: unknown): string | null {
  const s = str(value);
  return s === null || s.trim() === "" ? null : s;
}

/**
 * The storeys of a FeatureCollection, by elevation (unknown elevations last,
 * ties in the server's order). A storey whose GlobalId could not safely go
 * into a style expression is left out, and so is a second storey with the
 * same id. Null when the body is not a FeatureCollection.
 */
export function parseStoreys(body: unknown): Storey[] | null {
  const features = featuresOf(body);
  if (features === null) {
    return null;
  }
  const seen = new Set<string>();
  const storeys: Storey[] = [];
  for (const feature of features) {
    if (!isObject(feature)) {
      continue;
    }
    const properties = propertiesOf(feature);
    const id = nonEmpty(properties["GlobalId"]) ?? nonEmpty(feature["id"]);
    if (!isSafeId(id) || seen.has(id)) {
      continue;
    }
    seen.add(id);
    storeys.push({ id, name: nonEmpty(properties["name"]) ?? id, elevation: num(properties["elevation"]) });
  }
  const rank = (storey: Storey): number => storey.elevation ?? Number.POSITIVE_INFINITY;
  return storeys
    .map((storey, index) => ({ storey, index }))
    .sort((a, b) => rank(a.storey) - rank(b.storey) || a.index - b.index)
    .map(({ storey }) => storey);
}

/** The children of a FeatureCollection, in the server's order; null when it is not one. */
export function parseChildren(body: unknown): ChildFeature[] | null {
  const features = featuresOf(body);
  if (features === null) {
    return null;
  }
  const children: ChildFeature[] = [];
  for (const feature of features) {
    if (!isObject(feature)) {
      continue;
    }
    const properties = propertiesOf(feature);
    const id = nonEmpty(feature["id"]) ?? nonEmpty(properties["id"]);
    if (id === null) {
      continue;
    }
    children.push({ id, cls: str(properties["class"]) ?? "", name: nonEmpty(properties["name"]) });
  }
  return children;
}

async function getCollection<T>(url: string, parse: (body: unknown) => T | null): Promise<T> {
  const { status, body } = await getJson(url);
  if (status !== 200) {
    throw serverFailure(status, body);
  }
  const parsed = parse(body);
  if (parsed === null) {
    throw new ApiError({ kind: "bad-response" });
  }
  return parsed;
}

/** GET the storeys of a BIM layer, lowest first. */
export async function fetchStoreys(layer: string): Promise<Storey[]> {
  return getCollection(storeysUrl(layer), parseStoreys);
}

/** GET the direct children of a feature (a storey's elements, a building's storeys). */
export async function fetchChildren(id: string, layer: string | null = null): Promise<ChildFeature[]> {
  return getCollection(childrenUrl(id, layer), parseChildren);
}
