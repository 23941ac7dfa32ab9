// The footprint of the selected feature, as shapes to drape over the ground:
// GeoJSON geometry (lon/lat degrees, from api/layers/{layer}/features) turned
// into polygons (outer ring + holes) and lines. A point (a street object)
// becomes a small disc so that it shows on the ground too. Pure module apart
// from fetchFeatureGeometry.

import { ApiError, getJson, isObject, serverFailure } from "./api";

export type LonLat = readonly [number, number];

export type OverlayShape =
  | { readonly kind: "polygon"; readonly outer: readonly LonLat[]; readonly holes: readonly (readonly LonLat[])[] }
  | { readonly kind: "line"; readonly positions: readonly LonLat[] };

/** Radius (metres) of the disc drawn around a point feature. */
export const POINT_RADIUS_M = 1.5;
/** Corners of that disc. */
export const POINT_SEGMENTS = 16;
/** Geometry collections nest at most this deep (anything deeper is left out). */
const MAX_DEPTH = 4;
const EARTH_RADIUS_M = 6_378_137;
/** The draped volume reaches this far (metres) below the feature's lowest and above its highest point. */
export const VOLUME_MARGIN_M = 30;
/** Heights (metres above the ellipsoid) used when the feature's are not known. */
const DEFAULT_BOTTOM = -100;
const DEFAULT_TOP = 1000;

/**
 * The vertical extent of the volume that drapes a footprint: from below the
 * feature's lowest point to above its highest, so that the ground and the roofs
 * inside the footprint both lie within it.
 */
export function volumeHeights(zmin: number | null, zmax: number | null): { bottom: number; top: number } {
  const low = zmin ?? Math.min(DEFAULT_BOTTOM, zmax ?? DEFAULT_BOTTOM);
  const high = Math.max(zmax ?? DEFAULT_TOP, low);
  return { bottom: low - VOLUME_MARGIN_M, top: high + VOLUME_MARGIN_M };
}

function position(value: unknown): LonLat | null {
  if (!Array.isArray(value) || value.length < 2) {
    return null;
  }
  const [lon, lat] = value as unknown[];
  if (typeof lon !== "number" || typeof lat !== "number" || !Number.isFinite(lon) || !Number.isFinite(lat)) {
    return null;
  }
  if (Math.abs(lon) > 180 || Math.abs(lat) > 90) {
    return null;
  }
  return [lon, lat];
}

function positions(value: unknown): LonLat[] | null {
  if (!Array.isArray(value)) {
    return null;
  }
  const out: LonLat[] = [];
  for (const item of value) {
    const p = position(item);
    if (p === null) {
      return null;
    }
    const last = out[out.length - 1];
    if (last === undefined || last[0] !== p[0] || last[1] !== p[1]) {
      out.push(p); // repeated vertices add nothing
    }
  }
  return out;
}

/** A ring without its closing vertex; null when it has fewer than 3 distinct corners. */
function ring(value: unknown): LonLat[] | null {
  const points = positions(value);
  if (points === null) {
    return null;
  }
  const first = points[0];
  const last = points[points.length - 1];
  if (points.length > 1 && first !== undefined && last !== undefined && first[0] === last[0] && first[1] === last[1]) {
    points.pop();
  }
  return points.length >= 3 ? points : null;
}

function polygon(value: unknown): OverlayShape | null {
  if (!Array.isArray(value) || value.length === 0) {
    return null;
  }
  const [outerValue, ...holeValues] = value as unknown[];
  const outer = ring(outerValue);
  if (outer === null) {
    return null;
  }
  const holes = holeValues.map(ring).filter((hole): hole is LonLat[] => hole !== null);
  return { kind: "polygon", outer, holes };
}

function line(value: unknown): OverlayShape | null {
  const points = positions(value);
  return points !== null && points.length >= 2 ? { kind: "line", positions: points } : null;
}

/** A disc of `radius` metres around a point, as a polygon. */
export function disc(centre: LonLat, radius = POINT_RADIUS_M, segments = POINT_SEGMENTS): OverlayShape {
  const [lon, lat] = centre;
  const dLat = (radius / EARTH_RADIUS_M) * (180 / Math.PI);
  const dLon = dLat / Math.max(Math.cos((lat * Math.PI) / 180), 1e-6);
  const outer: LonLat[] = [];
  for (let i = 0; i < segments; i += 1) {
    const angle = (2 * Math.PI * i) / segments;
    outer.push([lon + dLon * Math.cos(angle), lat + dLat * Math.sin(angle)]);
  }
  return { kind: "polygon", outer, holes: [] };
}

function point(value: unknown): OverlayShape | null {
  const p = position(value);
  return p === null ? null : disc(p);
}

function each(value: unknown, one: (item: unknown) => OverlayShape | null): OverlayShape[] {
  if (!Array.isArray(value)) {
    return [];
  }
  return value.map(one).filter((shape): shape is OverlayShape => shape !== null);
}

function shapesOf(geometry: unknown, depth: number): OverlayShape[] {
  if (!isObject(geometry) || depth > MAX_DEPTH) {
    return [];
  }
  const coordinates = geometry["coordinates"];
  const single = (shape: OverlayShape | null): OverlayShape[] => (shape === null ? [] : [shape]);
  switch (geometry["type"]) {
    case "Polygon":
      return single(polygon(coordinates));
    case "MultiPolygon":
      return each(coordinates, polygon);
    case "LineString":
      return single(line(coordinates));
    case "MultiLineString":
      return each(coordinates, line);
    case "Point":
      return single(point(coordinates));
    case "MultiPoint":
      return each(coordinates, point);
    case "GeometryCollection": {
      const members = geometry["geometries"];
      return Array.isArray(members) ? members.flatMap((member) => shapesOf(member, depth + 1)) : [];
    }
    default:
      return [];
  }
}

/** The shapes to drape for a GeoJSON geometry; unusable parts are left out (null geometry: none). */
export function overlayShapes(geometry: unknown): OverlayShape[] {
  return shapesOf(geometry, 0);
}

/** The query that returns one feature of a layer, with its geometry, as GeoJSON. */
export function featureGeometryUrl(layer: string, id: string): string {
  const filter = `id = '${id.replaceAll("'", "''")}'`;
  return `api/layers/${encodeURIComponent(layer)}/features?filter=${encodeURIComponent(filter)}&limit=1`;
}

/** The geometry of feature `id` in a FeatureCollection body (null when it is not there or has none). */
export function geometryFromCollection(body: unknown, id: string): unknown {
  const features = isObject(body) ? body["features"] : null;
  if (!Array.isArray(features)) {
    throw new ApiError({ kind: "bad-response" });
  }
  for (const feature of features) {
    if (isObject(feature) && feature["id"] === id) {
      return feature["geometry"] ?? null;
    }
  }
  return null;
}

/** GET the geometry (GeoJSON, lon/lat) of a feature of `layer`; null when it has none or is unknown. */
export async function fetchFeatureGeometry(layer: string, id: string): Promise<unknown> {
  const { status, body } = await getJson(featureGeometryUrl(layer, id));
  if (status === 404) {
    return null;
  }
  if (status !== 200) {
    throw serverFailure(status, body);
  }
  return geometryFromCollection(body, id);
}
