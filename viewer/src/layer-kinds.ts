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

/** The layers in tree order: terrain layers first, then the rest, each group in the given order. */
export function orderLayers<T extends { readonly kind: string }>(layers: readonly T[]): T[] {
  return [...layers.filter((l) => isTerrainKind(l.kind)), ...layers.filter((l) => !isTerrainKind(l.kind))];
}
