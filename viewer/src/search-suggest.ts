// Suggestions of the search box from GET api/search (scene_api/routers/search.py).
// Pure module: no DOM, no network. The dropdown that shows them is not wired yet.

export type Matched = "id" | "name" | "address" | "pinyin";

export interface Suggestion {
  readonly id: string;
  readonly layer: string;
  readonly label: string;
  readonly matched: Matched;
  readonly lon: number;
  readonly lat: number;
  readonly zmax: number;
}

const MATCHED: readonly Matched[] = ["id", "name", "address", "pinyin"];

const MATCHED_TEXT: Record<"zh-CN" | "en", Record<Matched, string>> = {
  "zh-CN": { id: "编号", name: "名称", address: "地址", pinyin: "拼音" },
  en: { id: "ID", name: "name", address: "address", pinyin: "pinyin" },
};

function suggestion(value: unknown): Suggestion | null {
  if (typeof value !== "object" || value === null) {
    return null;
  }
  const v = value as Record<string, unknown>;
  const { id, layer, label, matched, lon, lat, zmax } = v;
  if (typeof id !== "string" || typeof layer !== "string" || typeof label !== "string") {
    return null;
  }
  if (typeof matched !== "string" || !(MATCHED as readonly string[]).includes(matched)) {
    return null;
  }
  const nums = [lon, lat, zmax];
  if (!nums.every((n) => typeof n === "number" && Number.isFinite(n))) {
    return null;
  }
  return { id, layer, label, matched: matched as Matched, lon: lon as number, lat: lat as number, zmax: zmax as number };
}

/** The usable suggestions of a reply (at most `max`); unusable entries are dropped. */
export function parseSuggestions(body: unknown, max = 10): Suggestion[] {
  if (typeof body !== "object" || body === null || !Array.isArray((body as { results?: unknown }).results)) {
    return [];
  }
  const out: Suggestion[] = [];
  for (const entry of (body as { results: unknown[] }).results) {
    const s = suggestion(entry);
    if (s !== null && out.length < max) {
      out.push(s);
    }
  }
  return out;
}

/** What matched, in the viewer's language. */
export function matchedText(lang: "zh-CN" | "en", matched: Matched): string {
  return MATCHED_TEXT[lang][matched];
}
