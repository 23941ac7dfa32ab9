// The live overlay state of the command centre: problems, projects and
// indicator values, and how one event of api/overlays/ws changes it. Pure: the
// frames are parsed here, the state is replaced (never mutated) by applyEvent,
// so a test can feed events and compare states.

import { isObject, num, str } from "./api";
import {
  type IndicatorValue,
  type Problem,
  type Project,
  parseIndicator,
  parseProblem,
  parseProject,
} from "./health-api";

export const CHANNELS = ["problems", "projects", "indicators"] as const;
export type Channel = (typeof CHANNELS)[number];
export type EventKind = "created" | "updated" | "deleted";

export interface OverlayEvent {
  readonly seq: number;
  readonly at: string;
  readonly channel: Channel;
  readonly kind: EventKind;
  readonly id: string;
  readonly actor: string;
  readonly payload: unknown;
}

export type Frame =
  | { readonly type: "hello"; readonly seq: number }
  | { readonly type: "ping"; readonly seq: number }
  | { readonly type: "event"; readonly event: OverlayEvent };

function isChannel(value: unknown): value is Channel {
  return (CHANNELS as readonly unknown[]).includes(value);
}

function isKind(value: unknown): value is EventKind {
  return value === "created" || value === "updated" || value === "deleted";
}

/** An event object (of a frame or of api/overlays/events), or null when it is unusable. */
export function parseEvent(value: unknown): OverlayEvent | null {
  if (!isObject(value)) {
    return null;
  }
  const seq = num(value["seq"]);
  const channel = value["channel"];
  const kind = value["kind"];
  const rawId = value["id"];
  const id = typeof rawId === "number" ? String(rawId) : str(rawId);
  if (seq === null || !Number.isInteger(seq) || !isChannel(channel) || !isKind(kind) || id === null) {
    return null;
  }
  return {
    seq,
    at: str(value["at"]) ?? "",
    channel,
    kind,
    id,
    actor: str(value["actor"]) ?? "",
    payload: value["payload"] ?? null,
  };
}

/** A websocket text frame; null for anything else (unknown types, broken JSON). */
export function parseFrame(text: string): Frame | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(value)) {
    return null;
  }
  const type = value["type"];
  if (type === "hello" || type === "ping") {
    const seq = num(value["seq"]);
    return seq === null ? null : { type, seq };
  }
  if (type === "event") {
    const event = parseEvent(value);
    return event === null ? null : { type: "event", event };
  }
  return null;
}

export interface LiveState {
  readonly problems: ReadonlyMap<string, Problem>;
  readonly projects: ReadonlyMap<string, Project>;
  /** Keyed by indicatorKey. */
  readonly indicators: ReadonlyMap<string, IndicatorValue>;
}

export function emptyState(): LiveState {
  return { problems: new Map(), projects: new Map(), indicators: new Map() };
}

/** An indicator value is one code, in one year, for one area. */
export function indicatorKey(indicator: Pick<IndicatorValue, "code" | "year" | "area">): string {
  return `${indicator.code}|${indicator.year ?? ""}|${indicator.area}`;
}

/**
 * The key of an indicator event's id: the server names an indicator value
 * "code/year/area" (IndicatorValue.key); the area may itself hold a "/".
 */
export function indicatorKeyOfId(id: string): string {
  const [code, year, ...area] = id.split("/");
  if (code === undefined || year === undefined || area.length === 0) {
    return id;
  }
  return indicatorKey({ code, year: year === "" ? null : Number(year), area: area.join("/") });
}

export function stateOf(
  problems: readonly Problem[],
  projects: readonly Project[],
  indicators: readonly IndicatorValue[],
): LiveState {
  return {
    problems: new Map(problems.map((p) => [p.id, p])),
    projects: new Map(projects.map((p) => [p.id, p])),
    indicators: new Map(indicators.map((i) => [indicatorKey(i), i])),
  };
}

export interface Applied {
  readonly state: LiveState;
  /** The channel whose items changed; null when the event changed nothing. */
  readonly changed: Channel | null;
  /** True when the event could not be applied (a payload the viewer does not understand): reload the channel. */
  readonly resync: boolean;
}

function upsert<T>(items: ReadonlyMap<string, T>, key: string, item: T): Map<string, T> {
  const next = new Map(items);
  next.set(key, item);
  return next;
}

function without<T>(items: ReadonlyMap<string, T>, key: string): Map<string, T> | null {
  if (!items.has(key)) {
    return null;
  }
  const next = new Map(items);
  next.delete(key);
  return next;
}

function applyItems<T>(
  items: ReadonlyMap<string, T>,
  event: OverlayEvent,
  parse: (payload: unknown) => T | null,
  keyOf: (item: T) => string,
  keyOfId: (id: string) => string = (id) => id,
): { items: ReadonlyMap<string, T>; changed: boolean; resync: boolean } {
  const item = parse(event.payload);
  if (event.kind === "deleted") {
    const key = item === null ? keyOfId(event.id) : keyOf(item);
    const next = without(items, key) ?? without(items, keyOfId(event.id));
    return next === null ? { items, changed: false, resync: false } : { items: next, changed: true, resync: false };
  }
  if (item === null) {
    return { items, changed: false, resync: true };
  }
  return { items: upsert(items, keyOf(item), item), changed: true, resync: false };
}

/** The problem or project payload with the event's id when the feature itself has none. */
function withId(payload: unknown, id: string): unknown {
  if (isObject(payload) && payload["id"] === undefined) {
    const props = isObject(payload["properties"]) ? payload["properties"] : {};
    if (props["id"] === undefined) {
      return { ...payload, id };
    }
  }
  return payload;
}

/**
 * The state after `event`: created and updated items are put in (replacing the
 * item of the same id: payloads are whole items, so replaying an event is
 * harmless), deleted ones taken out.
 */
export function applyEvent(state: LiveState, event: OverlayEvent): Applied {
  if (event.channel === "problems") {
    const r = applyItems(state.problems, event, (p) => parseProblem(withId(p, event.id)), (p) => p.id);
    return { state: { ...state, problems: r.items }, changed: r.changed ? "problems" : null, resync: r.resync };
  }
  if (event.channel === "projects") {
    const r = applyItems(state.projects, event, (p) => parseProject(withId(p, event.id)), (p) => p.id);
    return { state: { ...state, projects: r.items }, changed: r.changed ? "projects" : null, resync: r.resync };
  }
  const r = applyItems(state.indicators, event, parseIndicator, indicatorKey, indicatorKeyOfId);
  return { state: { ...state, indicators: r.items }, changed: r.changed ? "indicators" : null, resync: r.resync };
}
