// The automatic tour of flagged places: every `intervalMs` the camera flies on
// to the next flagged problem or project, round and round, until paused. The
// stop list can change while the tour runs (live updates): the tour keeps its
// place by id. The timer is injected, so that tests step it by hand.

import type { Flagged } from "./health-api";
import type { Timers } from "./overlay-live";

export const DEFAULT_TOUR_INTERVAL_MS = 12_000;

/** The index of the stop after the one with `currentId` (the first when it is gone or none). */
export function nextStop(stops: readonly Flagged[], currentId: string | null): number {
  if (stops.length === 0) {
    return -1;
  }
  const at = currentId === null ? -1 : stops.findIndex((s) => stopKey(s) === currentId);
  return (at + 1) % stops.length;
}

/** A stop's identity: problems and projects have separate id spaces. */
export function stopKey(stop: Pick<Flagged, "kind" | "id">): string {
  return `${stop.kind}:${stop.id}`;
}

/** The interval from `?tour=<seconds>` (3 … 600), else the default. */
export function tourInterval(search: string): number {
  const raw = new URLSearchParams(search).get("tour");
  const seconds = raw === null ? Number.NaN : Number(raw);
  return Number.isFinite(seconds) && seconds >= 3 && seconds <= 600 ? seconds * 1000 : DEFAULT_TOUR_INTERVAL_MS;
}

/** `?tour=off` (or 0): the tour starts paused; the buttons still move it on. */
export function tourStartsPaused(search: string): boolean {
  const raw = new URLSearchParams(search).get("tour");
  return raw === "off" || raw === "0";
}

export interface TourEvents {
  visit(stop: Flagged, index: number, count: number): void;
  changed(paused: boolean): void;
}

export class Tour {
  private stops: readonly Flagged[] = [];
  private current: string | null = null;
  private timer: number | null = null;
  private pausedFlag = false;
  private readonly intervalMs: number;
  private readonly timers: Timers;
  private readonly events: TourEvents;

  constructor(intervalMs: number, timers: Timers, events: TourEvents, startPaused = false) {
    this.intervalMs = intervalMs;
    this.timers = timers;
    this.events = events;
    this.pausedFlag = startPaused;
  }

  get paused(): boolean {
    return this.pausedFlag;
  }

  /** The key of the stop last visited (null before the first). */
  get at(): string | null {
    return this.current;
  }

  get count(): number {
    return this.stops.length;
  }

  /** Replaces the stops; the first list starts the tour (unless paused). */
  setStops(stops: readonly Flagged[]): void {
    const first = this.stops.length === 0;
    this.stops = stops;
    if (stops.length === 0) {
      this.cancel();
      this.current = null;
      return;
    }
    if (first && !this.pausedFlag && this.timer === null) {
      this.step();
    }
  }

  /** Goes to the next stop now (also while paused) and restarts the interval. */
  step(): void {
    this.cancel();
    const index = nextStop(this.stops, this.current);
    const stop = this.stops[index];
    if (stop === undefined) {
      return;
    }
    this.current = stopKey(stop);
    this.events.visit(stop, index, this.stops.length);
    this.schedule();
  }

  pause(): void {
    this.pausedFlag = true;
    this.cancel();
    this.events.changed(true);
  }

  resume(): void {
    this.pausedFlag = false;
    this.events.changed(false);
    this.step();
  }

  toggle(): void {
    if (this.pausedFlag) {
      this.resume();
    } else {
      this.pause();
    }
  }

  stop(): void {
    this.cancel();
  }

  private schedule(): void {
    if (!this.pausedFlag) {
      this.timer = this.timers.set(() => {
        this.timer = null;
        this.step();
      }, this.intervalMs);
    }
  }

  private cancel(): void {
    if (this.timer !== null) {
      this.timers.clear(this.timer);
      this.timer = null;
    }
  }
}
