import { describe, expect, it } from "vitest";

import { isPointCloudKind, isTerrainKind, maximumScreenSpaceError, orderLayers } from "./layer-kinds";

const layer = (id: string, kind: string): { id: string; kind: string } => ({ id, kind });

describe("the order of the layer tree", () => {
  it("puts the terrain first and keeps the server's order for the others", () => {
    const layers = [
      layer("demo-buildings", "buildings"),
      layer("demo-proposal", "bim"),
      layer("demo-terrain", "terrain"),
      layer("demo-streets", "streets"),
      layer("demo-street-scan", "pointcloud"),
    ];
    expect(orderLayers(layers).map((l) => l.id)).toEqual([
      "demo-terrain",
      "demo-buildings",
      "demo-proposal",
      "demo-streets",
      "demo-street-scan",
    ]);
  });

  it("keeps several terrain layers in their own order, and changes nothing without terrain", () => {
    const layers = [layer("a", "buildings"), layer("t2", "terrain"), layer("b", "bim"), layer("t1", "Terrain")];
    expect(orderLayers(layers).map((l) => l.id)).toEqual(["t2", "t1", "a", "b"]);
    const plain = [layer("a", "buildings"), layer("b", "bim")];
    expect(orderLayers(plain)).toEqual(plain);
    expect(orderLayers([])).toEqual([]);
  });

  it("does not change the list it is given", () => {
    const layers = [layer("a", "buildings"), layer("t", "terrain")];
    orderLayers(layers);
    expect(layers.map((l) => l.id)).toEqual(["a", "t"]);
  });
});

describe("layer kinds", () => {
  it("knows terrain and point cloud layers, whatever the case", () => {
    expect(isTerrainKind("terrain")).toBe(true);
    expect(isTerrainKind(" TERRAIN ")).toBe(true);
    expect(isTerrainKind("buildings")).toBe(false);
    expect(isPointCloudKind("pointcloud")).toBe(true);
    expect(isPointCloudKind("point_cloud")).toBe(true);
    expect(isPointCloudKind("streets")).toBe(false);
  });
});

describe("the screen-space error at which tiles refine", () => {
  it("is a couple of pixels for features, so that a city's small buildings are drawn too", () => {
    for (const kind of ["buildings", "bim", "citymodel", "streets"]) {
      expect(maximumScreenSpaceError(kind)).toBe(2);
    }
  });

  it("is Cesium's default of 16 for the terrain and for point clouds", () => {
    expect(maximumScreenSpaceError("terrain")).toBe(16);
    expect(maximumScreenSpaceError("pointcloud")).toBe(16);
    expect(maximumScreenSpaceError("Point_Cloud")).toBe(16);
  });
});
