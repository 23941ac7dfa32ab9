import { describe, expect, it } from "vitest";

import { candidateIds } from "./search-ids";

describe("candidateIds", () => {
  it("keeps a layer-qualified id as it is", () => {
    expect(candidateIds(" demo:B1 ", ["demo", "delft"])).toEqual(["demo:B1"]);
  });
  it("tries a bare source id in every layer, then as it is", () => {
    expect(candidateIds("B1", ["demo", "delft"])).toEqual(["demo:B1", "delft:B1", "B1"]);
  });
  it("tries an IFC GlobalId as it is first, then in every layer", () => {
    expect(candidateIds("2O2Fr$t4X7Zf8NOew3FLOH", ["demo", "proposal"])).toEqual([
      "2O2Fr$t4X7Zf8NOew3FLOH",
      "demo:2O2Fr$t4X7Zf8NOew3FLOH",
      "proposal:2O2Fr$t4X7Zf8NOew3FLOH",
    ]);
    expect(candidateIds("B000123", ["demo"])).toEqual(["demo:B000123", "B000123"]);
  });
  it("gives nothing for blank text", () => {
    expect(candidateIds("  ", ["demo"])).toEqual([]);
  });
});
