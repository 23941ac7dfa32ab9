import { describe, expect, it } from "vitest";

import { groupAttributes, openByDefault, splitSetKey, translateProperty } from "./bim-attributes";

const WALL = {
  "Pset_WallCommon.IsExternal": true,
  name: "Basic Wall:Exterior 300",
  "Qto_WallBaseQuantities.NetVolume": 4.125,
  storey: "Level 1",
  "ArchiCADProperties.Renovation Status": "New",
  GlobalId: "2O2Fr$t4X7Zf8NOew3FLOH",
  "Pset_WallCommon.LoadBearing": false,
  class: "IfcWall",
  tag: "W-12",
  "Pset_ConcreteElementGeneral.StrengthClass": "C30/37",
  custom_note: "checked",
  storey_id: "0w984V0GL6yR4z75YWgVfX",
};

describe("grouping a BIM element's attributes", () => {
  it("puts plain keys in the general section and each set in its own", () => {
    const sections = groupAttributes(WALL);
    expect(sections.map((s) => s.set)).toEqual([
      null,
      "Pset_ConcreteElementGeneral",
      "Pset_WallCommon",
      "Qto_WallBaseQuantities",
      "ArchiCADProperties",
    ]);
    const wallCommon = sections.find((s) => s.set === "Pset_WallCommon");
    expect(wallCommon?.rows).toEqual([
      { key: "Pset_WallCommon.IsExternal", name: "IsExternal", value: true },
      { key: "Pset_WallCommon.LoadBearing", name: "LoadBearing", value: false },
    ]);
  });

  it("orders the general section class, name, GlobalId, tag, storey…, then other keys as sent", () => {
    const general = groupAttributes(WALL)[0];
    expect(general?.set).toBeNull();
    expect(general?.rows.map((r) => r.key)).toEqual(["class", "name", "GlobalId", "tag", "storey", "storey_id", "custom_note"]);
  });

  it("shows every attribute exactly once, under its wire key", () => {
    const keys = groupAttributes(WALL).flatMap((s) => s.rows.map((r) => r.key));
    expect(keys.sort()).toEqual(Object.keys(WALL).sort());
  });

  it("splits at the first dot only, and keeps keys with an empty side plain", () => {
    expect(splitSetKey("Pset_X.Dims.Width")).toEqual(["Pset_X", "Dims.Width"]);
    expect(splitSetKey("name")).toBeNull();
    expect(splitSetKey(".hidden")).toBeNull();
    expect(splitSetKey("trailing.")).toBeNull();
    const sections = groupAttributes({ ".hidden": 1, "trailing.": 2, "Pset_X.Dims.Width": 3 });
    expect(sections[0]?.rows.map((r) => r.key)).toEqual([".hidden", "trailing."]);
    expect(sections[1]).toEqual({ set: "Pset_X", rows: [{ key: "Pset_X.Dims.Width", name: "Dims.Width", value: 3 }] });
  });

  it("has no general section when every key belongs to a set, and nothing for no attributes", () => {
    expect(groupAttributes({ "Pset_SpaceCommon.Reference": "R1" }).map((s) => s.set)).toEqual(["Pset_SpaceCommon"]);
    expect(groupAttributes({})).toEqual([]);
  });

  it("opens the general section and standard property sets, not quantities or vendor sets", () => {
    expect(openByDefault(null)).toBe(true);
    expect(openByDefault("Pset_WallCommon")).toBe(true);
    expect(openByDefault("Qto_WallBaseQuantities")).toBe(false);
    expect(openByDefault("ArchiCADProperties")).toBe(false);
  });

  it("labels common properties in both languages and leaves others as they are", () => {
    expect(translateProperty("zh-CN", "IsExternal")).toBe("外部构件");
    expect(translateProperty("en", "NetFloorArea")).toBe("Net floor area");
    expect(translateProperty("zh-CN", "Renovation Status")).toBe("Renovation Status");
    expect(translateProperty("en", "constructor")).toBe("constructor");
  });
});
