import { Expression } from "cesium";
import { describe, expect, it } from "vitest";

import { SHOW_EVERYTHING, UnsafeIdError, isSafeId, showExpression } from "./storey-style";

/** A tile feature as Cesium's expressions read it. */
function feature(properties: Record<string, unknown>): never {
  return { getPropertyInherited: (name: string) => properties[name] } as never;
}

/** Whether Cesium's own expression engine shows `properties` under `expression`. */
function shows(expression: string, properties: Record<string, unknown>): unknown {
  return new Expression(expression).evaluate(feature(properties));
}

const GROUND = "2O2Fr$t4X7Zf8NOew3FLOH";
const FIRST = "0w984V0GL6yR4z75YWgVfX";

describe("the storey show expression", () => {
  it("shows everything when no storey is isolated and spaces are on", () => {
    expect(showExpression(SHOW_EVERYTHING)).toBe("true");
    expect(shows("true", {})).toBe(true);
  });

  it("keeps only the isolated storey's elements", () => {
    const expression = showExpression({ storeyId: GROUND, showSpaces: true });
    expect(expression).toBe(`\${storey_id} === '${GROUND}'`);
    expect(shows(expression, { storey_id: GROUND, class: "IfcWall" })).toBe(true);
    expect(shows(expression, { storey_id: FIRST, class: "IfcWall" })).toBe(false);
  });

  it("hides elements without a storey while one storey is isolated", () => {
    const expression = showExpression({ storeyId: GROUND, showSpaces: true });
    expect(shows(expression, { class: "IfcSite" })).toBe(false);
    expect(shows(expression, { storey_id: "", class: "IfcSite" })).toBe(false);
    expect(new Expression(expression).evaluate(undefined as never)).toBe(false);
  });

  it("drops spaces when they are switched off, on every storey or on one", () => {
    const everywhere = showExpression({ storeyId: null, showSpaces: false });
    expect(shows(everywhere, { storey_id: GROUND, class: "IfcSpace" })).toBe(false);
    expect(shows(everywhere, { storey_id: GROUND, class: "IfcWall" })).toBe(true);
    expect(shows(everywhere, { class: "IfcSite" })).toBe(true);

    const one = showExpression({ storeyId: FIRST, showSpaces: false });
    expect(shows(one, { storey_id: FIRST, class: "IfcSpace" })).toBe(false);
    expect(shows(one, { storey_id: FIRST, class: "IfcDoor" })).toBe(true);
    expect(shows(one, { storey_id: GROUND, class: "IfcDoor" })).toBe(false);
  });

  it("accepts every character of a GlobalId, '$' and '_' included", () => {
    const id = "09AZaz_$09AZaz_$09AZaz";
    expect(isSafeId(id)).toBe(true);
    expect(shows(showExpression({ storeyId: id, showSpaces: true }), { storey_id: id })).toBe(true);
  });

  it.each([
    ["a quote that would close the literal", "x' || true || '"],
    ["a brace that would open a variable", "${class}"],
    ["a backslash", "abc\\"],
    ["a space", "abc def"],
    ["a double quote", 'abc"'],
    ["an empty id", ""],
    ["a non-ASCII letter", "楼层1"],
    ["a newline", "abc\n"],
    ["an id far longer than a GlobalId", "a".repeat(65)],
  ])("refuses %s instead of writing it into the expression", (_what, id) => {
    expect(isSafeId(id)).toBe(false);
    expect(() => showExpression({ storeyId: id, showSpaces: true })).toThrow(UnsafeIdError);
  });

  it("tells ids that are not strings from safe ones", () => {
    expect(isSafeId(42)).toBe(false);
    expect(isSafeId(null)).toBe(false);
    expect(isSafeId(undefined)).toBe(false);
  });
});
