import { describe, expect, it } from "vitest";

import { childrenUrl, parseChildren, parseStoreys, storeysUrl } from "./bim-api";

function storey(id: string, properties: Record<string, unknown>): Record<string, unknown> {
  return { type: "Feature", id, geometry: null, properties: { id, class: "IfcBuildingStorey", ...properties } };
}

describe("BIM API shapes", () => {
  it("asks for a layer's storeys by class, lowest first, in one page", () => {
    const url = storeysUrl("proposal 1");
    expect(url).toBe("api/layers/proposal%201/features?filter=class%3DIfcBuildingStorey&sort=elevation&limit=500");
  });

  it("asks for a feature's children under its escaped id", () => {
    expect(childrenUrl("2O2Fr$t4X7Zf8NOew3FLOH")).toBe("api/features/2O2Fr%24t4X7Zf8NOew3FLOH/children");
    expect(childrenUrl("X", "sub-du07-v1")).toBe("api/features/X/children?layer=sub-du07-v1");
  });

  it("reads storeys by elevation, unknown elevations last, ties in the server's order", () => {
    const storeys = parseStoreys({
      type: "FeatureCollection",
      features: [
        storey("A", { GlobalId: "A", name: "Roof", elevation: 6.2 }),
        storey("B", { GlobalId: "B", name: "Plant", elevation: null }),
        storey("C", { GlobalId: "C", name: "Ground", elevation: 0 }),
        storey("D", { GlobalId: "D", name: "Basement", elevation: -3 }),
        storey("E", { GlobalId: "E", name: "Mezzanine", elevation: 0 }),
      ],
    });
    expect(storeys?.map((s) => s.name)).toEqual(["Basement", "Ground", "Mezzanine", "Roof", "Plant"]);
    expect(storeys?.[0]).toEqual({ id: "D", name: "Basement", elevation: -3 });
  });

  it("takes a storey's id from its GlobalId, else from the feature id, and its name else from the id", () => {
    const storeys = parseStoreys({
      features: [storey("layer:ignored", { GlobalId: "0w984V0GL6yR4z75YWgVfX", elevation: 3 }), storey("3Abc$_", { name: "" })],
    });
    expect(storeys).toEqual([
      { id: "0w984V0GL6yR4z75YWgVfX", name: "0w984V0GL6yR4z75YWgVfX", elevation: 3 },
      { id: "3Abc$_", name: "3Abc$_", elevation: null },
    ]);
  });

  it("leaves out storeys whose id could not go into a style expression, and repeated ids", () => {
    const storeys = parseStoreys({
      features: [
        storey("x' || true || '", { name: "Injected" }),
        storey("ok1", { GlobalId: "bad id", name: "Spaced" }),
        storey("ok2", { name: "Level 2", elevation: 3 }),
        storey("ok2", { name: "Level 2 again", elevation: 3 }),
        "not a feature",
      ],
    });
    expect(storeys?.map((s) => s.id)).toEqual(["ok2"]);
  });

  it("refuses a body that is not a FeatureCollection", () => {
    expect(parseStoreys({ layers: [] })).toBeNull();
    expect(parseStoreys(null)).toBeNull();
    expect(parseChildren({ features: "none" })).toBeNull();
  });

  it("reads children with their class and name, in the server's order", () => {
    const children = parseChildren({
      type: "FeatureCollection",
      features: [
        { type: "Feature", id: "W1", properties: { class: "IfcWall", name: "Wall 1" } },
        { type: "Feature", id: "S1", properties: { class: "IfcSpace" } },
        { type: "Feature", properties: { id: "D1", class: "IfcDoor", name: " " } },
        { type: "Feature", properties: { class: "IfcWindow" } },
      ],
    });
    expect(children).toEqual([
      { id: "W1", cls: "IfcWall", name: "Wall 1" },
      { id: "S1", cls: "IfcSpace", name: null },
      { id: "D1", cls: "IfcDoor", name: null },
    ]);
  });
});
