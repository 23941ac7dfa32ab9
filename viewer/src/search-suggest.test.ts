import { describe, expect, it } from "vitest";

import {
  type Suggestion,
  Suggester,
  type SuggestTimers,
  keyAction,
  matchedText,
  parseSuggestions,
  suggestQuery,
  suggestUrl,
} from "./search-suggest";

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

describe("suggestQuery and suggestUrl", () => {
  it("asks about two characters or more, or one Chinese character", () => {
    expect(suggestQuery("  ")).toBeNull();
    expect(suggestQuery("b")).toBeNull();
    expect(suggestQuery(" ft ")).toBe("ft");
    expect(suggestQuery("楼")).toBe("楼");
    expect(suggestQuery("x".repeat(101))).toBeNull();
  });

  it("builds a relative URL with the text encoded", () => {
    expect(suggestUrl("福田 中心", 5)).toBe("api/search?q=%E7%A6%8F%E7%94%B0+%E4%B8%AD%E5%BF%83&limit=5");
    expect(suggestUrl("a&b")).toBe("api/search?q=a%26b&limit=8");
  });
});

describe("keyAction", () => {
  it("moves the highlight round the list with the arrows", () => {
    expect(keyAction("ArrowDown", true, -1, 3)).toEqual({ kind: "move", index: 0 });
    expect(keyAction("ArrowDown", true, 2, 3)).toEqual({ kind: "move", index: 0 });
    expect(keyAction("ArrowUp", true, -1, 3)).toEqual({ kind: "move", index: 2 });
    expect(keyAction("ArrowUp", true, 0, 3)).toEqual({ kind: "move", index: 2 });
    expect(keyAction("ArrowUp", true, 2, 3)).toEqual({ kind: "move", index: 1 });
  });

  it("chooses with Enter only when one is highlighted, and closes with Escape", () => {
    expect(keyAction("Enter", true, 1, 3)).toEqual({ kind: "choose", index: 1 });
    expect(keyAction("Enter", true, -1, 3)).toEqual({ kind: "none" });
    expect(keyAction("Escape", true, 1, 3)).toEqual({ kind: "close" });
    expect(keyAction("a", true, 1, 3)).toEqual({ kind: "none" });
  });

  it("does nothing while the list is closed or empty", () => {
    expect(keyAction("ArrowDown", false, -1, 3)).toEqual({ kind: "none" });
    expect(keyAction("Enter", true, 0, 0)).toEqual({ kind: "none" });
  });
});

class ManualTimers implements SuggestTimers {
  readonly pending = new Map<number, { callback: () => void; ms: number }>();
  private next = 1;
  set(callback: () => void, ms: number): number {
    this.pending.set(this.next, { callback, ms });
    return this.next++;
  }
  clear(handle: number): void {
    this.pending.delete(handle);
  }
  fireAll(): void {
    const due = [...this.pending.values()];
    this.pending.clear();
    for (const { callback } of due) {
      callback();
    }
  }
}

/** A fetch whose answers the test releases by hand, in any order. */
class ManualFetch {
  readonly asked: string[] = [];
  private readonly waiting = new Map<string, { resolve: (s: Suggestion[]) => void; reject: (e: unknown) => void }>();
  readonly fetch = (query: string): Promise<Suggestion[]> => {
    this.asked.push(query);
    return new Promise((resolve, reject) => this.waiting.set(query, { resolve, reject }));
  };
  answer(query: string, labels: string[]): void {
    this.waiting.get(query)?.resolve(labels.map((label) => ({ ...ok, matched: "name", id: `city:${label}`, label })));
  }
  fail(query: string): void {
    this.waiting.get(query)?.reject(new Error("503"));
  }
}

function setUp(): { timers: ManualTimers; net: ManualFetch; seen: string[]; suggester: Suggester } {
  const timers = new ManualTimers();
  const net = new ManualFetch();
  const seen: string[] = [];
  const suggester = new Suggester({
    fetch: net.fetch,
    timers,
    delayMs: 200,
    events: {
      show: (query, found) => seen.push(`${query}: ${found.map((s) => s.label).join(",")}`),
      clear: () => seen.push("clear"),
      failed: (query) => seen.push(`failed ${query}`),
    },
  });
  return { timers, net, seen, suggester };
}

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

describe("Suggester", () => {
  it("sends one query once typing pauses, for the last text", async () => {
    const { timers, net, seen, suggester } = setUp();
    suggester.input("fu");
    suggester.input("fut");
    suggester.input("futi");
    expect(timers.pending.size).toBe(1);
    expect([...timers.pending.values()][0]?.ms).toBe(200);
    timers.fireAll();
    expect(net.asked).toEqual(["futi"]);
    net.answer("futi", ["福田中心"]);
    await settle();
    expect(seen).toEqual(["futi: 福田中心"]);
  });

  it("drops an answer that arrives after newer text was typed", async () => {
    const { timers, net, seen, suggester } = setUp();
    suggester.input("fu");
    timers.fireAll();
    suggester.input("fut");
    net.answer("fu", ["old"]);
    await settle();
    expect(seen).toEqual([]);
    timers.fireAll();
    net.answer("fut", ["new"]);
    await settle();
    expect(seen).toEqual(["fut: new"]);
  });

  it("clears for text too short and does not ask the same text twice in a row", async () => {
    const { timers, net, seen, suggester } = setUp();
    suggester.input("ab");
    timers.fireAll();
    net.answer("ab", ["x"]);
    await settle();
    suggester.input("ab ");
    expect(timers.pending.size).toBe(0);
    suggester.input("a");
    expect(seen).toEqual(["ab: x", "clear"]);
    suggester.input("ab");
    timers.fireAll();
    expect(net.asked).toEqual(["ab", "ab"]);
  });

  it("reports a failure of the newest query and forgets a cancelled one", async () => {
    const { timers, net, seen, suggester } = setUp();
    suggester.input("ab");
    timers.fireAll();
    net.fail("ab");
    await settle();
    expect(seen).toEqual(["failed ab"]);
    suggester.input("cd");
    timers.fireAll();
    suggester.cancel();
    net.answer("cd", ["late"]);
    await settle();
    expect(seen).toEqual(["failed ab"]);
  });
});
