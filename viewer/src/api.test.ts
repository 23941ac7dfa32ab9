import { describe, expect, it } from "vitest";

import { featureUrl, layerQuery, parseFeature, parseLayer } from "./api";

describe("scene API shapes", () => {
  it("feature ids are escaped and the URL is relative to the page", () => {
    expect(featureUrl("demo:B000123")).toBe("api/features/demo%3AB000123");
    expect(featureUrl("a/b?c")).toBe("api/features/a%2Fb%3Fc");
  });

  it("a lookup in one layer names it (versions of a submission share GlobalIds)", () => {
    expect(layerQuery("sub-du07-v2")).toBe("?layer=sub-du07-v2");
    expect(layerQuery("a b&c")).toBe("?layer=a+b%26c");
    expect(layerQuery(null)).toBe("");
  });

  it("a layer is read with its wire names", () => {
    const layer = parseLayer({
      id: "demo",
      kind: "buildings",
      title: "示例",
      tileset_url: "tiles/demo/tileset.json",
      feature_count: 12,
      bbox: [121.4, 31.2, 121.5, 31.3],
      zmin: 0,
      zmax: 80,
      version: 3,
      attribute_schema: { height: "number", bad: 5 },
      metadata: {},
    });
    expect(layer).toEqual({
      id: "demo",
      kind: "buildings",
      title: "示例",
      tilesetUrl: "tiles/demo/tileset.json",
      featureCount: 12,
      bbox: [121.4, 31.2, 121.5, 31.3],
      zmin: 0,
      zmax: 80,
      version: 3,
      attributeSchema: { height: "number" },
      visible: true,
      metadata: { schema: null, sourceFile: null, georeference: null },
    });
  });

  it("a layer is shown unless the catalog says it is not", () => {
    expect(parseLayer({ id: "a" })?.visible).toBe(true);
    expect(parseLayer({ id: "a", visible: true })?.visible).toBe(true);
    expect(parseLayer({ id: "a", visible: false })?.visible).toBe(false);
    expect(parseLayer({ id: "a", visible: "no" })?.visible).toBe(true);
  });

  it("a BIM layer's metadata is read with the layer", () => {
    const layer = parseLayer({
      id: "proposal",
      kind: "bim",
      metadata: {
        georeference: { source: "map_conversion", crs: "EPSG:4547", warnings: ["rotation ignored"] },
        schema: "IFC4",
        source_file: "proposal.ifc",
      },
    });
    expect(layer?.metadata).toEqual({
      schema: "IFC4",
      sourceFile: "proposal.ifc",
      georeference: { source: "map_conversion", crs: "EPSG:4547", warnings: ["rotation ignored"] },
    });
  });

  it("an unpublished layer has no tileset and no box", () => {
    const layer = parseLayer({ id: "draft", kind: "x", title: "t", tileset_url: null, bbox: null });
    expect(layer?.tilesetUrl).toBeNull();
    expect(layer?.bbox).toBeNull();
    expect(layer?.featureCount).toBe(0);
  });

  it("a layer without an id is dropped", () => {
    expect(parseLayer({ title: "nameless" })).toBeNull();
    expect(parseLayer("demo")).toBeNull();
  });

  it("a feature's class and parent are read from their wire names", () => {
    const feature = parseFeature({
      id: "demo:B1",
      layer: "demo",
      class: "building",
      parent_id: "demo:S1",
      attributes: { height: 12.5 },
      bbox: [1, 2, 3, 4],
      zmin: 0,
      zmax: 12.5,
      version: 1,
      tile: "t/0.glb",
    });
    expect(feature?.cls).toBe("building");
    expect(feature?.parentId).toBe("demo:S1");
    expect(feature?.attributes).toEqual({ height: 12.5 });
  });

  it("a feature body without id or layer is refused", () => {
    expect(parseFeature({ layer: "demo" })).toBeNull();
    expect(parseFeature({ id: "demo:B1" })).toBeNull();
  });
});
