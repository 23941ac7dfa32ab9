import { describe, expect, it } from "vitest";

import { formatNumber, keysOf, normaliseLang, otherLang, resolveLang, translate, translateKind } from "./i18n";

describe("i18n", () => {
  it("both languages define exactly the same keys", () => {
    expect(keysOf("en")).toEqual(keysOf("zh-CN"));
  });

  it("no English text is left untranslated or empty", () => {
    for (const key of keysOf("en")) {
      expect(translate("en", key).trim()).not.toBe("");
    }
  });

  it("Chinese is the default and the URL wins over the stored choice", () => {
    expect(resolveLang("", null)).toBe("zh-CN");
    expect(resolveLang("", "en")).toBe("en");
    expect(resolveLang("?lang=en", "zh-CN")).toBe("en");
    expect(resolveLang("?lang=zh-CN", "en")).toBe("zh-CN");
  });

  it("unknown languages fall back: from the URL to the stored choice, then to Chinese", () => {
    expect(resolveLang("?lang=fr", "en")).toBe("en");
    expect(resolveLang("?lang=fr", "klingon")).toBe("zh-CN");
  });

  it("loose spellings of a language are understood", () => {
    expect(normaliseLang("en-US")).toBe("en");
    expect(normaliseLang("ZH")).toBe("zh-CN");
    expect(normaliseLang("zh-Hans-CN")).toBe("zh-CN");
    expect(normaliseLang("de")).toBeNull();
    expect(normaliseLang(null)).toBeNull();
  });

  it("the switch offers the other language", () => {
    expect(otherLang("zh-CN")).toBe("en");
    expect(otherLang("en")).toBe("zh-CN");
  });

  it("placeholders are filled and unknown placeholders are left as they are", () => {
    expect(translate("en", "search.notFound", { id: "demo:B1" })).toBe("Feature “demo:B1” was not found.");
    expect(translate("zh-CN", "search.notFound", { id: "demo:B1" })).toBe("未找到要素“demo:B1”。");
    expect(translate("en", "search.notFound")).toBe("Feature “{id}” was not found.");
  });

  it("a key no dictionary knows reads as the key itself", () => {
    expect(translate("en", "no.such.key")).toBe("no.such.key");
    expect(translate("en", "constructor")).toBe("constructor");
  });

  it("the title is in the chosen language", () => {
    expect(translate("zh-CN", "app.title")).toBe("twin 城市信息模型");
    expect(translate("en", "app.title")).toBe("twin City Information Model");
  });

  it("numbers are grouped the way the language writes them", () => {
    expect(formatNumber("en", 1234567)).toBe("1,234,567");
    expect(formatNumber("en", 1.23456)).toBe("1.235");
  });

  it("known layer kinds are translated and unknown ones read as they are", () => {
    expect(translateKind("zh-CN", "buildings")).toBe("建筑");
    expect(translateKind("en", "Buildings")).toBe("Buildings");
    expect(translateKind("en", "bim")).toBe("BIM model");
    expect(translateKind("zh-CN", "utility_network")).toBe("utility_network");
  });
});

describe("translateAttribute", () => {
  it("labels known attributes in both languages and leaves others as they are", async () => {
    const { translateAttribute } = await import("./i18n");
    expect(translateAttribute("zh-CN", "use")).toBe("用途");
    expect(translateAttribute("en", "use")).toBe("Use");
    expect(translateAttribute("zh-CN", "roof_type")).toBe("roof_type");
  });
});

describe("IFC class labels", () => {
  it("names common IFC classes in both languages", async () => {
    const { translateClass } = await import("./i18n");
    const expected: Array<[string, string, string]> = [
      ["IfcWall", "墙", "Wall"],
      ["IfcSlab", "板", "Slab"],
      ["IfcWindow", "窗", "Window"],
      ["IfcDoor", "门", "Door"],
      ["IfcSpace", "空间", "Space"],
      ["IfcColumn", "柱", "Column"],
      ["IfcBeam", "梁", "Beam"],
      ["IfcStair", "楼梯", "Stair"],
      ["IfcRoof", "屋顶", "Roof"],
      ["IfcRailing", "栏杆", "Railing"],
      ["IfcCurtainWall", "幕墙", "Curtain wall"],
      ["IfcMember", "构件", "Member"],
      ["IfcBuildingStorey", "楼层", "Storey"],
      ["IfcBuilding", "建筑", "Building"],
      ["IfcSite", "场地", "Site"],
    ];
    for (const [cls, zh, en] of expected) {
      expect(translateClass("zh-CN", cls)).toBe(zh);
      expect(translateClass("en", cls)).toBe(en);
    }
  });

  it("reads standard-case subclasses as their base class, in any case", async () => {
    const { ifcClassKey, translateClass } = await import("./i18n");
    expect(ifcClassKey("IfcWallStandardCase")).toBe("class.ifcwall");
    expect(translateClass("zh-CN", "IfcWallStandardCase")).toBe("墙");
    expect(translateClass("en", "IfcSlabElementedCase")).toBe("Slab");
    expect(translateClass("zh-CN", "IFCDOOR")).toBe("门");
  });

  it("leaves classes it does not know as they are, and keeps plain layer classes working", async () => {
    const { translateClass } = await import("./i18n");
    expect(translateClass("zh-CN", "IfcAlignment")).toBe("IfcAlignment");
    expect(translateClass("en", "StandardCase")).toBe("StandardCase");
    expect(translateClass("zh-CN", "building")).toBe("建筑");
  });

  it("writes a known class with its IFC name, an unknown one bare", async () => {
    const { classWithCode } = await import("./i18n");
    expect(classWithCode("zh-CN", "IfcWall")).toBe("墙（IfcWall）");
    expect(classWithCode("en", "IfcWallStandardCase")).toBe("Wall (IfcWallStandardCase)");
    expect(classWithCode("en", "IfcAlignment")).toBe("IfcAlignment");
  });

  it("names known ways of georeferencing and leaves others as sent", async () => {
    const { translateGeorefSource } = await import("./i18n");
    expect(translateGeorefSource("en", "map_conversion")).toBe("IfcMapConversion");
    expect(translateGeorefSource("zh-CN", "map_conversion")).toContain("地图转换");
    expect(translateGeorefSource("zh-CN", "site_lat_long")).toBe("site_lat_long");
  });
});

describe("terrain, street and point cloud strings", () => {
  it("names the new layer kinds in both languages", () => {
    expect(translateKind("zh-CN", "terrain")).toBe("地形");
    expect(translateKind("en", "terrain")).toBe("Terrain");
    expect(translateKind("zh-CN", "streets")).toBe("街道设施");
    expect(translateKind("en", "streets")).toBe("Streets");
    expect(translateKind("zh-CN", "pointcloud")).toBe("点云");
  });

  it("labels every point colour mode and class of the legend differently in each language", () => {
    for (const lang of ["zh-CN", "en"] as const) {
      const modes = ["rgb", "classification", "intensity"].map((m) => translate(lang, `pointcloud.style.${m}`));
      expect(new Set(modes).size).toBe(3);
      expect(modes.every((text) => !text.startsWith("pointcloud."))).toBe(true);
    }
    expect(translate("zh-CN", "pointcloud.class.ground")).not.toBe(translate("en", "pointcloud.class.ground"));
  });

  it("says what was clicked when it is the terrain", () => {
    expect(translate("zh-CN", "terrain.picked", { title: "示例地形" })).toBe("地形：示例地形");
    expect(translate("en", "terrain.picked", { title: "Demo terrain" })).toBe("Terrain: Demo terrain");
  });
});
