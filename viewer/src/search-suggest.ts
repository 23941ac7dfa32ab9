// Suggestions of the search box from GET api/search (scene_api/routers/search.py):
// the reply's parsing, when to ask, the request URL, the keyboard moves of the
// list (↑/↓/Enter/Esc) and the debouncer that sends one query after typing
// pauses and lets only the newest answer through. Pure module: no DOM, no
// network (the fetch and the timers are injected); ui/search.ts draws the list.

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

/** How many suggestions the list shows. */
export const SUGGEST_LIMIT = 8;
/** Typing must pause this long before a query is sent. */
export const SUGGEST_DELAY_MS = 200;
/** The server takes at most 100 characters. */
const MAX_QUERY_CHARS = 100;

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

const HAN = /\p{Script=Han}/u;

/**
 * The text to ask the server about, or null when it is not worth a query: blank,
 * one Latin letter or digit (a single Chinese character is a fine query), or longer
 * than the server takes.
 */
export function suggestQuery(text: string): string | null {
  const q = text.trim();
  if (q === "" || q.length > MAX_QUERY_CHARS) {
    return null;
  }
  return [...q].length >= 2 || HAN.test(q) ? q : null;
}

/** GET api/search for `q` (relative: the viewer may live under a path prefix). */
export function suggestUrl(q: string, limit = SUGGEST_LIMIT): string {
  return `api/search?${new URLSearchParams({ q, limit: String(limit) }).toString()}`;
}

/** What a key does to the list: move the highlight, choose, close, or nothing. */
export type KeyAction =
  | { readonly kind: "move"; readonly index: number }
  | { readonly kind: "choose"; readonly index: number }
  | { readonly kind: "close" }
  | { readonly kind: "none" };

/**
 * The action of `key` on a list of `count` suggestions with `active` highlighted
 * (-1: none). ↓/↑ go round the list (from none, ↓ is the first and ↑ the last);
 * Enter chooses the highlighted one (without one, the form's own search runs);
 * Esc closes an open list.
 */
export function keyAction(key: string, open: boolean, active: number, count: number): KeyAction {
  if (!open || count === 0) {
    return { kind: "none" };
  }
  switch (key) {
    case "ArrowDown":
      return { kind: "move", index: active < 0 ? 0 : (active + 1) % count };
    case "ArrowUp":
      return { kind: "move", index: active <= 0 ? count - 1 : active - 1 };
    case "Enter":
      return active >= 0 && active < count ? { kind: "choose", index: active } : { kind: "none" };
    case "Escape":
      return { kind: "close" };
    default:
      return { kind: "none" };
  }
}

export interface SuggestTimers {
  set(callback: () => void, ms: number): number;
  clear(handle: number): void;
}

export interface SuggesterEvents {
  /** The suggestions for `query` (the newest query asked; older answers never arrive). */
  show(query: string, suggestions: readonly Suggestion[]): void;
  /** Nothing to suggest any more (the text is too short, or was cleared). */
  clear(): void;
  /** The query failed; the list is cleared. */
  failed(query: string, error: unknown): void;
}

/**
 * Sends one query `delayMs` after the text last changed; an answer to a query
 * that is no longer the newest is dropped, so a slow reply cannot replace a
 * newer list. The same text twice in a row is not asked again.
 */
export class Suggester {
  private timer: number | null = null;
  private asked: string | null = null;
  private generation = 0;
  private readonly fetchSuggestions: (query: string) => Promise<readonly Suggestion[]>;
  private readonly timers: SuggestTimers;
  private readonly events: SuggesterEvents;
  private readonly delayMs: number;

  constructor(options: {
    fetch: (query: string) => Promise<readonly Suggestion[]>;
    timers: SuggestTimers;
    events: SuggesterEvents;
    delayMs?: number;
  }) {
    this.fetchSuggestions = options.fetch;
    this.timers = options.timers;
    this.events = options.events;
    this.delayMs = options.delayMs ?? SUGGEST_DELAY_MS;
  }

  /** The text in the box changed. */
  input(text: string): void {
    this.cancelTimer();
    const query = suggestQuery(text);
    if (query === null) {
      this.cancel();
      this.events.clear();
      return;
    }
    if (query === this.asked) {
      return;
    }
    this.generation += 1; // an answer on its way is for older text now
    this.asked = null;
    this.timer = this.timers.set(() => {
      this.timer = null;
      void this.ask(query);
    }, this.delayMs);
  }

  /** Forgets the pending query and any answer on its way (the list was closed or a choice made). */
  cancel(): void {
    this.cancelTimer();
    this.generation += 1;
    this.asked = null;
  }

  private cancelTimer(): void {
    if (this.timer !== null) {
      this.timers.clear(this.timer);
      this.timer = null;
    }
  }

  private async ask(query: string): Promise<void> {
    const generation = this.generation;
    this.asked = query;
    let found: readonly Suggestion[];
    try {
      found = await this.fetchSuggestions(query);
    } catch (error) {
      if (generation === this.generation) {
        this.asked = null;
        this.events.failed(query, error);
      }
      return;
    }
    if (generation === this.generation) {
      this.events.show(query, found);
    }
  }
}
