import { describe, expect, it } from "vitest";

import { type ExtentSource, homeExtent, isBBox, sphereAroundBBox, unionBBox } from "./geo";

describe("bounding boxes", () => {
  it("the union of boxes holds all of them", () => {
    expect(
      unionBBox([
        [121.4, 31.2, 121.5, 31.3],
        null,
        [121.45, 31.1, 121.6, 31.25],
      ]),
    ).toEqual([121.4, 31.1, 121.6, 31.3]);
  });

  it("the union of no boxes is none", () => {
    expect(unionBBox([])).toBeNull();
    expect(unionBBox([null, undefined])).toBeNull();
  });

  it.each([
    [[1, 2, 3]],
    [[1, 2, 3, "4"]],
    [[3, 2, 1, 4]],
    [[1, 4, 3, 2]],
    [[-190, 0, 0, 1]],
    [[0, 0, 1, Number.NaN]],
    [null],
    ["1,2,3,4"],
  ])("%j is not a bounding box", (value) => {
    expect(isBBox(value)).toBe(false);
  });

  it("a proper box is one", () => {
    expect(isBBox([121.4, 31.2, 121.5, 31.3])).toBe(true);
  });

  it("the sphere around a box is centred on it and spans its diagonal", () => {
    // 0.01° of latitude is about 1.1 km; at the equator 0.01° of longitude too.
    const sphere = sphereAroundBBox([0, 0, 0.01, 0.01], 0, 100);
    expect(sphere.lon).toBeCloseTo(0.005, 9);
    expect(sphere.lat).toBeCloseTo(0.005, 9);
    expect(sphere.height).toBe(50);
    expect(sphere.radius).toBeGreaterThan(780);
    expect(sphere.radius).toBeLessThan(800);
  });

  it("the sphere around a tiny box still has a usable radius", () => {
    expect(sphereAroundBBox([10, 10, 10, 10], null, null).radius).toBeGreaterThanOrEqual(25);
  });
});

describe("the home extent", () => {
  const layer = (over: Partial<ExtentSource>): ExtentSource => ({
    tilesetUrl: "/tiles/a/tileset.json",
    visible: true,
    bbox: [114.0, 22.5, 114.1, 22.6],
    zmin: 0,
    zmax: 50,
    ...over,
  });

  it("is the union of the published, shown layers with their height range", () => {
    const extent = homeExtent([
      layer({}),
      layer({ bbox: [114.05, 22.4, 114.2, 22.55], zmin: -3, zmax: 20 }),
    ]);
    expect(extent).toEqual({ bbox: [114.0, 22.4, 114.2, 22.6], zmin: -3, zmax: 50 });
  });

  it("leaves out layers that are unpublished, hidden or without a box", () => {
    const far = { bbox: [0, 0, 1, 1] as const, zmin: -500, zmax: 9000 };
    const extent = homeExtent([
      layer({}),
      layer({ ...far, tilesetUrl: null }),
      layer({ ...far, visible: false }),
      layer({ bbox: null, zmin: -500, zmax: 9000 }),
    ]);
    expect(extent).toEqual({ bbox: [114.0, 22.5, 114.1, 22.6], zmin: 0, zmax: 50 });
  });

  it("is none before any layer is published, and missing heights count as the ground", () => {
    expect(homeExtent([])).toBeNull();
    expect(homeExtent([layer({ tilesetUrl: null })])).toBeNull();
    expect(homeExtent([layer({ zmin: null, zmax: null })])).toEqual({
      bbox: [114.0, 22.5, 114.1, 22.6],
      zmin: 0,
      zmax: 0,
    });
  });
});
