import { describe, expect, it } from "vitest";

import { candidateIds } from "./search-ids";

describe("candidateIds", () => {
  it("keeps a layer-qualified id as it is", () => {
    expect(candidateIds(" demo:B1 ", ["demo", "delft"])).toEqual(["demo:B1"]);
  });
  it("tries a bare source id in every layer, then as it is", () => {
    expect(candidateIds("B1", ["demo", "delft"])).toEqual(["demo:B1", "delft:B1", "B1"]);
  });
  it("gives nothing for blank text", () => {
    expect(candidateIds("  ", ["demo"])).toEqual([]);
  });
});
