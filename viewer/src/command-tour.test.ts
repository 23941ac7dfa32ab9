import { describe, expect, it } from "vitest";

import { DEFAULT_TOUR_INTERVAL_MS, Tour, nextStop, tourInterval, tourStartsPaused } from "./command-tour";
import type { Flagged } from "./health-api";
import type { Timers } from "./overlay-live";

const stop = (id: string): Flagged => ({ kind: "problem", id, title: id, reason: "overdue", lon: 118, lat: 32 });

class ManualTimers implements Timers {
  readonly pending = new Map<number, () => void>();
  private next = 1;
  set(callback: () => void): number {
    this.pending.set(this.next, callback);
    return this.next++;
  }
  clear(handle: number): void {
    this.pending.delete(handle);
  }
  fire(): void {
    const [handle, callback] = [...this.pending.entries()][0] ?? [];
    if (handle === undefined || callback === undefined) {
      throw new Error("no timer");
    }
    this.pending.delete(handle);
    callback();
  }
}

describe("nextStop", () => {
  it("goes round the stops and starts over when the current one is gone", () => {
    const stops = [stop("a"), stop("b")];
    expect(nextStop(stops, null)).toBe(0);
    expect(nextStop(stops, "problem:a")).toBe(1);
    expect(nextStop(stops, "problem:b")).toBe(0);
    expect(nextStop(stops, "problem:zz")).toBe(0);
    expect(nextStop([], null)).toBe(-1);
  });
});

describe("tourInterval", () => {
  it("reads ?tour= seconds within bounds, else the default", () => {
    expect(tourInterval("?tour=5")).toBe(5000);
    expect(tourInterval("?tour=1")).toBe(DEFAULT_TOUR_INTERVAL_MS);
    expect(tourInterval("?tour=x")).toBe(DEFAULT_TOUR_INTERVAL_MS);
    expect(tourInterval("")).toBe(DEFAULT_TOUR_INTERVAL_MS);
  });

  it("starts paused with ?tour=off or 0 only", () => {
    expect(tourStartsPaused("?tour=off")).toBe(true);
    expect(tourStartsPaused("?tour=0&lang=en")).toBe(true);
    expect(tourStartsPaused("?tour=5")).toBe(false);
    expect(tourStartsPaused("")).toBe(false);
  });
});

describe("Tour", () => {
  it("visits the first stop at once, then the next on every tick, until paused", () => {
    const timers = new ManualTimers();
    const visits: string[] = [];
    const tour = new Tour(1000, timers, { visit: (s) => visits.push(s.id), changed: () => undefined });
    tour.setStops([stop("a"), stop("b")]);
    timers.fire();
    timers.fire();
    expect(visits).toEqual(["a", "b", "a"]);
    tour.pause();
    expect(timers.pending.size).toBe(0);
    tour.step();
    expect(visits).toEqual(["a", "b", "a", "b"]);
    expect(timers.pending.size).toBe(0);
    tour.resume();
    expect(visits[visits.length - 1]).toBe("a");
    expect(timers.pending.size).toBe(1);
  });

  it("started paused, waits for a button before it moves", () => {
    const timers = new ManualTimers();
    const visits: string[] = [];
    const tour = new Tour(1000, timers, { visit: (s) => visits.push(s.id), changed: () => undefined }, true);
    tour.setStops([stop("a"), stop("b")]);
    expect(visits).toEqual([]);
    expect(timers.pending.size).toBe(0);
    tour.step();
    expect(visits).toEqual(["a"]);
    expect(timers.pending.size).toBe(0);
    tour.resume();
    expect(visits).toEqual(["a", "b"]);
    expect(timers.pending.size).toBe(1);
  });

  it("keeps its place by id when the stops change", () => {
    const timers = new ManualTimers();
    const visits: string[] = [];
    const tour = new Tour(1000, timers, { visit: (s) => visits.push(s.id), changed: () => undefined });
    tour.setStops([stop("a"), stop("b")]);
    tour.setStops([stop("x"), stop("a"), stop("c")]);
    timers.fire();
    expect(visits).toEqual(["a", "c"]);
    tour.setStops([]);
    expect(timers.pending.size).toBe(0);
  });
});
