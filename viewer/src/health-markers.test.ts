import { describe, expect, it } from "vitest";

import { areaGeometry, problemMarker, projectMarker } from "./health-markers";

describe("areaGeometry", () => {
  const square = { type: "Polygon", coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]]] };

  it("keeps polygons and drops points and lines (a point is its marker alone)", () => {
    expect(areaGeometry(square)).toBe(square);
    expect(areaGeometry({ type: "MultiPolygon", coordinates: [square.coordinates] })).toEqual({
      type: "MultiPolygon",
      coordinates: [square.coordinates],
    });
    expect(areaGeometry({ type: "Point", coordinates: [1, 2] })).toBeNull();
    expect(areaGeometry({ type: "LineString", coordinates: [[0, 0], [1, 1]] })).toBeNull();
    expect(areaGeometry(null)).toBeNull();
  });

  it("keeps the polygons of a collection", () => {
    const mixed = { type: "GeometryCollection", geometries: [{ type: "Point", coordinates: [1, 2] }, square] };
    expect(areaGeometry(mixed)).toEqual({ type: "GeometryCollection", geometries: [square] });
  });
});

describe("markers", () => {
  it("colours problems by severity, greys closed ones and rings overdue ones", () => {
    const severe = problemMarker({ severity: 3, status: "open", overdue: false });
    const minor = problemMarker({ severity: 1, status: "open", overdue: false });
    expect(severe.fill).not.toBe(minor.fill);
    expect(severe.size).toBeGreaterThan(minor.size);
    expect(problemMarker({ severity: 3, status: "closed", overdue: true })).toMatchObject({ ring: "none" });
    expect(problemMarker({ severity: 2, status: "open", overdue: true }).ring).toBe("overdue");
  });

  it("rings an overdue project before an idle one", () => {
    expect(projectMarker({ stage: "supply", overdue: true, idle: true }).ring).toBe("overdue");
    expect(projectMarker({ stage: "supply", overdue: false, idle: true }).ring).toBe("idle");
    expect(projectMarker({ stage: "supply", overdue: false, idle: false }).shape).toBe("square");
  });
});
