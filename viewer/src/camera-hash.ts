// The camera in the URL hash: "#cam=lon,lat,height,heading,pitch,roll".
// Degrees for angles and positions, metres for height. Pure module.

export interface CameraView {
  readonly lon: number;
  readonly lat: number;
  readonly height: number;
  readonly heading: number;
  readonly pitch: number;
  readonly roll: number;
}

const KEY = "cam";
const MIN_HEIGHT = -12_000;
const MAX_HEIGHT = 100_000_000;

function fixed(value: number, digits: number): string {
  const text = value.toFixed(digits).replace(/\.?0+$/, "");
  return text === "-0" ? "0" : text;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

/** Wraps an angle in degrees into [0, 360). */
function wrap360(degrees: number): number {
  const wrapped = degrees % 360;
  return wrapped < 0 ? wrapped + 360 : wrapped;
}

/** Wraps an angle in degrees into (-180, 180]. */
function wrap180(degrees: number): number {
  const wrapped = wrap360(degrees);
  return wrapped > 180 ? wrapped - 360 : wrapped;
}

/** "lon,lat,height,heading,pitch,roll" with 7/7/1/2/2/2 decimals. */
export function formatCameraView(view: CameraView): string {
  return [
    fixed(view.lon, 7),
    fixed(view.lat, 7),
    fixed(view.height, 1),
    fixed(wrap360(round2(view.heading)), 2),
    fixed(view.pitch, 2),
    fixed(wrap180(round2(view.roll)), 2),
  ].join(",");
}

/**
 * Reads "lon,lat,height[,heading,pitch,roll]". Without angles the camera looks
 * straight down. Returns null for anything malformed or out of range.
 */
export function parseCameraView(text: string): CameraView | null {
  const parts = text.split(",");
  if (parts.length !== 3 && parts.length !== 6) {
    return null;
  }
  const numbers = parts.map((part) => (part.trim() === "" ? Number.NaN : Number(part)));
  if (!numbers.every(Number.isFinite)) {
    return null;
  }
  const [lon = 0, lat = 0, height = 0, heading = 0, pitch = -90, roll = 0] = numbers;
  if (lon < -180 || lon > 180 || lat < -90 || lat > 90) {
    return null;
  }
  if (height < MIN_HEIGHT || height > MAX_HEIGHT || pitch < -90 || pitch > 90) {
    return null;
  }
  return { lon, lat, height, heading: wrap360(heading), pitch, roll };
}

function hashEntries(hash: string): string[] {
  const body = hash.startsWith("#") ? hash.slice(1) : hash;
  return body === "" ? [] : body.split("&");
}

/** The camera stored in a location hash ("#cam=...&other=..."), or null. */
export function readCameraFromHash(hash: string): CameraView | null {
  for (const entry of hashEntries(hash)) {
    const eq = entry.indexOf("=");
    if (eq > 0 && entry.slice(0, eq) === KEY) {
      return parseCameraView(decodeURIComponent(entry.slice(eq + 1)));
    }
  }
  return null;
}

/** The hash with its camera entry replaced (other entries are kept, in order). */
export function writeCameraToHash(hash: string, view: CameraView): string {
  const entry = `${KEY}=${formatCameraView(view)}`;
  const entries = hashEntries(hash);
  const index = entries.findIndex((e) => e === KEY || e.startsWith(`${KEY}=`));
  if (index >= 0) {
    entries[index] = entry;
  } else {
    entries.unshift(entry);
  }
  return `#${entries.join("&")}`;
}
