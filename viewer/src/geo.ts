// Bounding boxes in degrees and the spheres the camera frames. Pure module.

/** west, south, east, north in degrees */
export type BBox = readonly [number, number, number, number];

const METRES_PER_DEGREE_LAT = 110_574;
const METRES_PER_DEGREE_LON_AT_EQUATOR = 111_320;
const MIN_RADIUS = 25;

/** True for four finite numbers that make a west ≤ east, south ≤ north box on Earth. */
export function isBBox(value: unknown): value is BBox {
  if (!Array.isArray(value) || value.length !== 4) {
    return false;
  }
  const [w, s, e, n] = value as unknown[];
  if (![w, s, e, n].every((v) => typeof v === "number" && Number.isFinite(v))) {
    return false;
  }
  const [west, south, east, north] = [w, s, e, n] as number[] as [number, number, number, number];
  return west >= -180 && east <= 180 && south >= -90 && north <= 90 && west <= east && south <= north;
}

/** The smallest box holding every given box; null when none is given. */
export function unionBBox(boxes: ReadonlyArray<BBox | null | undefined>): BBox | null {
  let result: [number, number, number, number] | null = null;
  for (const box of boxes) {
    if (box === null || box === undefined) {
      continue;
    }
    if (result === null) {
      result = [box[0], box[1], box[2], box[3]];
    } else {
      result = [
        Math.min(result[0], box[0]),
        Math.min(result[1], box[1]),
        Math.max(result[2], box[2]),
        Math.max(result[3], box[3]),
      ];
    }
  }
  return result;
}

/** A sphere in geographic terms: centre (degrees, metres) and radius (metres). */
export interface GeoSphere {
  readonly lon: number;
  readonly lat: number;
  readonly height: number;
  readonly radius: number;
}

/** The sphere around a box and its height range (missing heights count as 0). */
export function sphereAroundBBox(box: BBox, zmin: number | null, zmax: number | null): GeoSphere {
  const [west, south, east, north] = box;
  const lat = (south + north) / 2;
  const low = zmin ?? 0;
  const high = zmax ?? low;
  const dx = (east - west) * METRES_PER_DEGREE_LON_AT_EQUATOR * Math.cos((lat * Math.PI) / 180);
  const dy = (north - south) * METRES_PER_DEGREE_LAT;
  const dz = Math.max(high - low, 0);
  const radius = Math.max(0.5 * Math.hypot(dx, dy, dz), MIN_RADIUS);
  return { lon: (west + east) / 2, lat, height: (low + high) / 2, radius };
}

/** What the home view needs to know of a layer. */
export interface ExtentSource {
  readonly tilesetUrl: string | null;
  readonly visible: boolean;
  readonly bbox: BBox | null;
  readonly zmin: number | null;
  readonly zmax: number | null;
}

/** A box in degrees and its height range in metres. */
export interface Extent {
  readonly bbox: BBox;
  readonly zmin: number;
  readonly zmax: number;
}

/**
 * The union extent of the layers the viewer opens on: published (they have a
 * tileset), shown and with a known box. Null when there is none, e.g. before the
 * first ingest, so that the caller can fall back to the tilesets' own bounds.
 */
export function homeExtent(layers: readonly ExtentSource[]): Extent | null {
  const shown = layers.filter((layer) => layer.tilesetUrl !== null && layer.visible && layer.bbox !== null);
  const bbox = unionBBox(shown.map((layer) => layer.bbox));
  if (bbox === null) {
    return null;
  }
  const lows = shown.map((layer) => layer.zmin ?? 0);
  const highs = shown.map((layer) => layer.zmax ?? layer.zmin ?? 0);
  return { bbox, zmin: Math.min(...lows), zmax: Math.max(...highs) };
}
