import { describe, expect, it } from "vitest";

import { EMPTY_METADATA, MAX_WARNINGS, isBimKind, parseLayerMetadata, parseWarnings } from "./layer-metadata";

describe("layer metadata", () => {
  it("a BIM layer's source and georeference are read from their wire names", () => {
    const metadata = parseLayerMetadata({
      georeference: { source: "map_conversion", crs: "EPSG:4547", warnings: ["scale unset: read as 1"] },
      schema: "IFC4",
      source_file: "proposal.ifc",
    });
    expect(metadata).toEqual({
      schema: "IFC4",
      sourceFile: "proposal.ifc",
      georeference: { source: "map_conversion", crs: "EPSG:4547", warnings: ["scale unset: read as 1"] },
    });
  });

  it("other layers' empty metadata, or none at all, reads as nothing known", () => {
    expect(parseLayerMetadata({})).toEqual(EMPTY_METADATA);
    expect(parseLayerMetadata(undefined)).toEqual(EMPTY_METADATA);
    expect(parseLayerMetadata(null)).toEqual(EMPTY_METADATA);
    expect(parseLayerMetadata(["IFC4"])).toEqual(EMPTY_METADATA);
    expect(parseLayerMetadata("IFC4")).toEqual(EMPTY_METADATA);
  });

  it("fields of the wrong type or blank read as absent without losing the others", () => {
    const metadata = parseLayerMetadata({
      schema: 4,
      source_file: "  ",
      georeference: { source: null, crs: ["EPSG:4547"], warnings: "model far from its map conversion" },
    });
    expect(metadata).toEqual({
      schema: null,
      sourceFile: null,
      georeference: { source: null, crs: null, warnings: ["model far from its map conversion"] },
    });
  });

  it("a georeference that is not an object is absent", () => {
    expect(parseLayerMetadata({ georeference: "EPSG:4547" }).georeference).toBeNull();
    expect(parseLayerMetadata({ georeference: [] }).georeference).toBeNull();
  });

  it("warnings may be sentences or objects with a message or a code; blanks are dropped", () => {
    expect(
      parseWarnings([
        "  site lat/long disagree with the map conversion ",
        { code: "no_crs", message: "no IfcProjectedCRS" },
        { code: "unit_guess" },
        { description: "eastings look like millimetres" },
        "",
        null,
        { other: 1 },
        7,
      ]),
    ).toEqual([
      "site lat/long disagree with the map conversion",
      "no IfcProjectedCRS",
      "unit_guess",
      "eastings look like millimetres",
      "7",
    ]);
    expect(parseWarnings(undefined)).toEqual([]);
    expect(parseWarnings(null)).toEqual([]);
  });

  it("a flood of warnings is cut to a bounded list", () => {
    const many = Array.from({ length: MAX_WARNINGS + 10 }, (_, i) => `warning ${i}`);
    const kept = parseWarnings(many);
    expect(kept).toHaveLength(MAX_WARNINGS);
    expect(kept[0]).toBe("warning 0");
  });

  it("the BIM kind is recognised in any case", () => {
    expect(isBimKind("bim")).toBe(true);
    expect(isBimKind("BIM")).toBe(true);
    expect(isBimKind("buildings")).toBe(false);
    expect(isBimKind("")).toBe(false);
  });
});
