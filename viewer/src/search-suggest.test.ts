import { describe, expect, it } from "vitest";

import { matchedText, parseSuggestions } from "./search-suggest";

const ok = { id: "city:B1", layer: "city", label: "福田中心", matched: "pinyin", lon: 114.06, lat: 22.53, zmax: 30 };

describe("parseSuggestions", () => {
  it("keeps well-formed results and drops the rest", () => {
    const body = { results: [ok, { ...ok, matched: "other" }, { ...ok, lon: "x" }, null] };
    expect(parseSuggestions(body)).toEqual([ok]);
  });

  it("returns at most the requested number and nothing for a bad body", () => {
    expect(parseSuggestions({ results: [ok, ok, ok] }, 2)).toHaveLength(2);
    expect(parseSuggestions({})).toEqual([]);
    expect(parseSuggestions(null)).toEqual([]);
  });
});

describe("matchedText", () => {
  it("names what matched in Chinese and English", () => {
    expect(matchedText("zh-CN", "pinyin")).toBe("拼音");
    expect(matchedText("en", "address")).toBe("address");
  });
});
