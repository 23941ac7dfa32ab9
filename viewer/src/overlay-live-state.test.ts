import { describe, expect, it } from "vitest";

import {
  type OverlayEvent,
  applyEvent,
  emptyState,
  indicatorKey,
  indicatorKeyOfId,
  parseEvent,
  parseFrame,
  stateOf,
} from "./overlay-live-state";

function problemFeature(id: string, status: string, severity = 2): unknown {
  return {
    type: "Feature",
    id,
    geometry: { type: "Point", coordinates: [118.78, 32.04] },
    properties: { id, title: `问题 ${id}`, severity, status, district: "鼓楼区", overdue: false },
  };
}

function event(seq: number, over: Partial<OverlayEvent>): OverlayEvent {
  return { seq, at: "2026-12-03T08:00:00Z", channel: "problems", kind: "updated", id: "p1", actor: "u", payload: null, ...over };
}

describe("parseFrame", () => {
  it("reads hello and ping frames with their seq", () => {
    expect(parseFrame('{"type":"hello","seq":7,"worker":12}')).toEqual({ type: "hello", seq: 7 });
    expect(parseFrame('{"type":"ping","seq":9}')).toEqual({ type: "ping", seq: 9 });
  });

  it("reads an event frame", () => {
    const frame = parseFrame(
      JSON.stringify({ type: "event", seq: 3, at: "t", channel: "projects", kind: "created", id: 42, actor: "a", payload: {} }),
    );
    expect(frame).toEqual({
      type: "event",
      event: { seq: 3, at: "t", channel: "projects", kind: "created", id: "42", actor: "a", payload: {} },
    });
  });

  it("ignores broken JSON, unknown types, channels and kinds", () => {
    expect(parseFrame("{")).toBeNull();
    expect(parseFrame('{"type":"bye"}')).toBeNull();
    expect(parseFrame('{"type":"hello"}')).toBeNull();
    expect(parseEvent({ seq: 1, channel: "weather", kind: "updated", id: "x" })).toBeNull();
    expect(parseEvent({ seq: 1, channel: "problems", kind: "moved", id: "x" })).toBeNull();
    expect(parseEvent({ seq: 1.5, channel: "problems", kind: "updated", id: "x" })).toBeNull();
  });
});

describe("applyEvent", () => {
  it("adds a created problem and replaces an updated one", () => {
    let state = emptyState();
    let applied = applyEvent(state, event(1, { kind: "created", payload: problemFeature("p1", "open") }));
    expect(applied.changed).toBe("problems");
    state = applied.state;
    applied = applyEvent(state, event(2, { payload: problemFeature("p1", "in_progress", 3) }));
    expect(applied.state.problems.get("p1")?.status).toBe("in_progress");
    expect(applied.state.problems.get("p1")?.severity).toBe(3);
    expect(applied.state.problems.size).toBe(1);
    expect(state.problems.get("p1")?.status).toBe("open"); // the old state is left as it was
  });

  it("takes a deleted item out, by the event's id", () => {
    const state = applyEvent(emptyState(), event(1, { kind: "created", payload: problemFeature("p1", "open") })).state;
    const applied = applyEvent(state, event(2, { kind: "deleted", payload: null }));
    expect(applied.state.problems.size).toBe(0);
    expect(applied.changed).toBe("problems");
  });

  it("reports no change for deleting what is not there", () => {
    const applied = applyEvent(emptyState(), event(1, { kind: "deleted", id: "gone" }));
    expect(applied.changed).toBeNull();
    expect(applied.resync).toBe(false);
  });

  it("asks for a resync when a payload cannot be read", () => {
    const applied = applyEvent(emptyState(), event(1, { kind: "updated", payload: "garbage" }));
    expect(applied.resync).toBe(true);
    expect(applied.changed).toBeNull();
  });

  it("gives a feature without an id the event's id", () => {
    const payload = { type: "Feature", geometry: null, properties: { title: "t", stage: "design", percent: 40 } };
    const applied = applyEvent(emptyState(), event(1, { channel: "projects", kind: "created", id: "pr9", payload }));
    expect(applied.state.projects.get("pr9")?.percent).toBe(40);
  });

  it("keys indicator values by code, year and area", () => {
    const value = { code: "green_ratio", name: "绿地率", unit: "%", target: 30, comparison: ">=", year: 2025, area: "鼓楼区", value: 25 };
    let state = stateOf([], [], []);
    state = applyEvent(state, event(1, { channel: "indicators", kind: "created", id: "x", payload: value })).state;
    state = applyEvent(state, event(2, { channel: "indicators", id: "y", payload: { ...value, value: 29 } })).state;
    state = applyEvent(state, event(3, { channel: "indicators", id: "z", payload: { ...value, area: "玄武区" } })).state;
    expect(state.indicators.size).toBe(2);
    expect(state.indicators.get(indicatorKey({ code: "green_ratio", year: 2025, area: "鼓楼区" }))?.value).toBe(29);
    state = applyEvent(state, event(4, { channel: "indicators", kind: "deleted", id: "z", payload: { ...value, area: "玄武区" } })).state;
    expect(state.indicators.size).toBe(1);
    // a delete without a payload goes by the server's id "code/year/area"
    state = applyEvent(state, event(5, { channel: "indicators", kind: "deleted", id: "green_ratio/2025/鼓楼区", payload: null })).state;
    expect(state.indicators.size).toBe(0);
  });

  it("reads an indicator event id as code, year and area (an area may hold a slash)", () => {
    expect(indicatorKeyOfId("green_ratio/2025/鼓楼区")).toBe(indicatorKey({ code: "green_ratio", year: 2025, area: "鼓楼区" }));
    expect(indicatorKeyOfId("c/2024/a/b")).toBe(indicatorKey({ code: "c", year: 2024, area: "a/b" }));
    expect(indicatorKeyOfId("odd")).toBe("odd");
  });

  it("ends in the same state when events are replayed in order", () => {
    const events = [
      event(1, { kind: "created", payload: problemFeature("p1", "open") }),
      event(2, { payload: problemFeature("p1", "rechecking") }),
      event(3, { kind: "created", id: "p2", payload: problemFeature("p2", "open") }),
    ];
    const once = events.reduce((s, e) => applyEvent(s, e).state, emptyState());
    const twice = events.reduce((s, e) => applyEvent(s, e).state, once);
    expect([...twice.problems.entries()]).toEqual([...once.problems.entries()]);
  });
});
