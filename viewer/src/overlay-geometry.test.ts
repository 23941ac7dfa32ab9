import { describe, expect, it } from "vitest";

import {
  POINT_RADIUS_M,
  POINT_SEGMENTS,
  disc,
  featureGeometryUrl,
  geometryFromCollection,
  VOLUME_MARGIN_M,
  overlayShapes,
  volumeHeights,
} from "./overlay-geometry";

const square = [
  [4.35, 52.0],
  [4.351, 52.0],
  [4.351, 52.001],
  [4.35, 52.001],
  [4.35, 52.0],
];
const hole = [
  [4.3502, 52.0002],
  [4.3504, 52.0002],
  [4.3504, 52.0004],
  [4.3502, 52.0002],
];

/** Distance in metres between two lon/lat points (equirectangular, fine at metre scale). */
function metres(a: readonly [number, number], b: readonly [number, number]): number {
  const r = 6_378_137;
  const lat = ((a[1] + b[1]) / 2) * (Math.PI / 180);
  const dx = (b[0] - a[0]) * (Math.PI / 180) * Math.cos(lat) * r;
  const dy = (b[1] - a[1]) * (Math.PI / 180) * r;
  return Math.hypot(dx, dy);
}

describe("overlay shapes from GeoJSON geometry", () => {
  it("turns a polygon into its outer ring without the closing vertex, and keeps its holes", () => {
    const shapes = overlayShapes({ type: "Polygon", coordinates: [square, hole] });
    expect(shapes).toHaveLength(1);
    const shape = shapes[0];
    expect(shape?.kind).toBe("polygon");
    if (shape?.kind === "polygon") {
      expect(shape.outer).toEqual(square.slice(0, 4));
      expect(shape.holes).toEqual([hole.slice(0, 3)]);
    }
  });

  it("gives one polygon per part of a multipolygon", () => {
    const shifted = square.map(([lon, lat]) => [(lon ?? 0) + 0.01, lat]);
    const shapes = overlayShapes({ type: "MultiPolygon", coordinates: [[square], [shifted]] });
    expect(shapes.map((s) => s.kind)).toEqual(["polygon", "polygon"]);
  });

  it("keeps lines as lines (road centre lines)", () => {
    const shapes = overlayShapes({ type: "LineString", coordinates: [[4.35, 52.0], [4.36, 52.0], [4.36, 52.01]] });
    expect(shapes).toEqual([{ kind: "line", positions: [[4.35, 52.0], [4.36, 52.0], [4.36, 52.01]] }]);
    expect(overlayShapes({ type: "MultiLineString", coordinates: [[[0, 0], [1, 1]], [[2, 2], [3, 3]]] })).toHaveLength(2);
  });

  it("draws a point (a street object) as a small disc around it", () => {
    const centre: [number, number] = [4.35, 52.0];
    const shapes = overlayShapes({ type: "Point", coordinates: [...centre, 3.2] });
    expect(shapes).toHaveLength(1);
    const shape = shapes[0];
    expect(shape?.kind).toBe("polygon");
    if (shape?.kind === "polygon") {
      expect(shape.outer).toHaveLength(POINT_SEGMENTS);
      for (const corner of shape.outer) {
        expect(metres(centre, corner)).toBeCloseTo(POINT_RADIUS_M, 2);
      }
    }
  });

  it("reads the members of a geometry collection", () => {
    const shapes = overlayShapes({
      type: "GeometryCollection",
      geometries: [
        { type: "Polygon", coordinates: [square] },
        { type: "LineString", coordinates: [[0, 0], [1, 0]] },
      ],
    });
    expect(shapes.map((s) => s.kind)).toEqual(["polygon", "line"]);
  });

  it("leaves out what cannot be drawn: no geometry, degenerate rings, bad coordinates", () => {
    expect(overlayShapes(null)).toEqual([]);
    expect(overlayShapes({ type: "Polygon", coordinates: [[[0, 0], [1, 1], [0, 0]]] })).toEqual([]);
    expect(overlayShapes({ type: "LineString", coordinates: [[0, 0], [0, 0]] })).toEqual([]);
    expect(overlayShapes({ type: "Point", coordinates: [200, 0] })).toEqual([]);
    expect(overlayShapes({ type: "Point", coordinates: ["4", "52"] })).toEqual([]);
    expect(overlayShapes({ type: "Polygon", coordinates: [[[0, 0], [1, 0], [1, Number.NaN], [0, 1]]] })).toEqual([]);
    expect(overlayShapes({ type: "Tin", coordinates: [] })).toEqual([]);
  });

  it("makes a disc whose size does not depend on latitude", () => {
    for (const lat of [0, 52, 70]) {
      const shape = disc([10, lat], 5, 8);
      if (shape.kind === "polygon") {
        for (const corner of shape.outer) {
          expect(metres([10, lat], corner)).toBeCloseTo(5, 1);
        }
      }
    }
  });
});

describe("the feature geometry query", () => {
  it("asks the layer's feature collection for exactly that id, quoted", () => {
    const url = featureGeometryUrl("demo-buildings", "demo-buildings:B000123");
    expect(url.startsWith("api/layers/demo-buildings/features?")).toBe(true);
    const query = new URLSearchParams(url.slice(url.indexOf("?") + 1));
    expect(query.get("filter")).toBe("id = 'demo-buildings:B000123'");
    expect(query.get("limit")).toBe("1");
  });

  it("doubles quotes inside an id so that it stays one string literal", () => {
    const query = new URLSearchParams(featureGeometryUrl("l", "a'b").split("?")[1]);
    expect(query.get("filter")).toBe("id = 'a''b'");
  });

  it("takes the geometry of the feature with that id from the collection", () => {
    const geometry = { type: "Polygon", coordinates: [square] };
    const body = { type: "FeatureCollection", features: [{ type: "Feature", id: "x:1", geometry, properties: {} }] };
    expect(geometryFromCollection(body, "x:1")).toEqual(geometry);
    expect(geometryFromCollection(body, "x:2")).toBeNull();
    expect(geometryFromCollection({ type: "FeatureCollection", features: [] }, "x:1")).toBeNull();
    expect(() => geometryFromCollection({ nope: 1 }, "x:1")).toThrow();
  });
});

describe("the height of the draping volume", () => {
  it("reaches below the feature's foot and above its top", () => {
    expect(volumeHeights(12, 48)).toEqual({ bottom: 12 - VOLUME_MARGIN_M, top: 48 + VOLUME_MARGIN_M });
  });

  it("covers the ground and tall roofs when the heights are not known", () => {
    const { bottom, top } = volumeHeights(null, null);
    expect(bottom).toBeLessThan(-50);
    expect(top).toBeGreaterThan(500);
    expect(volumeHeights(null, 2000).top).toBeGreaterThan(2000);
    expect(volumeHeights(300, null).bottom).toBeLessThan(300);
    expect(volumeHeights(300, null).top).toBeGreaterThan(300);
  });
});
