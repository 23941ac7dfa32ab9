import { describe, expect, it } from "vitest";

import { isBBox, sphereAroundBBox, unionBBox } from "./geo";

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
