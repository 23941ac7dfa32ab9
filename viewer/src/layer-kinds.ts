// Layer kinds the viewer treats specially, and the order of the layer tree:
// the terrain comes first (it is the ground everything else stands on), the
// other layers keep the order the server gives.

/** True for a terrain layer (a 3D Tiles mesh of the ground). */
export function isTerrainKind(kind: string): boolean {
  return kind.trim().toLowerCase() === "terrain";
}

/** True for a point cloud layer ("pointcloud"; "point_cloud" is read the same). */
export function isPointCloudKind(kind: string): boolean {
  const k = kind.trim().toLowerCase();
  return k === "pointcloud" || k === "point_cloud";
}

/** Cesium's own default, kept for the ground and for points. */
const DEFAULT_SCREEN_SPACE_ERROR = 16;
/** For layers of features (buildings, BIM elements, city models, street objects). */
const FEATURE_SCREEN_SPACE_ERROR = 2;

/**
 * The screen-space error in pixels above which a layer's tiles refine.
 *
 * A tile of features (additive refinement, largest features first) has as its
 * geometric error the size of the largest feature it leaves to its children:
 * its screen-space error is the size on screen of the largest building that is
 * not drawn yet. Cesium's default of 16 pixels leaves most of a city out of a
 * view that shows the whole of it; 2 pixels leaves out only what is too small to
 * see. The terrain's error is a vertical distance and a point cloud's a point
 * spacing: both keep Cesium's default.
 */
export function maximumScreenSpaceError(kind: string): number {
  return isTerrainKind(kind) || isPointCloudKind(kind) ? DEFAULT_SCREEN_SPACE_ERROR : FEATURE_SCREEN_SPACE_ERROR;
}

/** The layers in tree order: terrain layers first, then the rest, each group in the given order. */
export function orderLayers<T extends { readonly kind: string }>(layers: readonly T[]): T[] {
  return [...layers.filter((l) => isTerrainKind(l.kind)), ...layers.filter((l) => !isTerrainKind(l.kind))];
}
