// window.__twinCommand: a read-only view of the command-centre mode for browser
// tests (window.__twin keeps ready / allTilesLoaded / errors as in normal mode).
//
// ready       the health-check data was read once and the city's tilesets were added
// feed        the websocket: its status, the seq to reconnect from, events received,
//             the seq of the last one, failed reconnect attempts in a row, and when
//             (epoch ms) the last event arrived and when it was applied and drawn
// problems    per problem id: status, severity, overdue (as drawn on the map)
// projects    per project id: stage, percent, overdue, idle
// indicators  per "code|year|area": the red/amber/green status shown (null: no target)
// markers     what the map draws: problem and project markers (billboards clamped to the
//             ground) and the areas draped over the ground and the roofs
// totals      the summary's totals as shown
// tour        the stop last visited ("problem:<id>"), paused, how many stops, visits so far

import type { Counts, Rag } from "./health-api";
import { indicatorStatus } from "./health-format";
import type { FeedStatus } from "./overlay-live";
import type { LiveState } from "./overlay-live-state";

export interface CommandHook {
  ready: boolean;
  feed: {
    status: FeedStatus;
    since: number | null;
    events: number;
    lastSeq: number | null;
    attempt: number;
    receivedAt: number | null;
    appliedAt: number | null;
  };
  problems: Record<string, { status: string; severity: number; overdue: boolean }>;
  projects: Record<string, { stage: string; percent: number; overdue: boolean; idle: boolean }>;
  indicators: Record<string, Rag | null>;
  markers: { problems: number; projects: number; areas: number };
  totals: Counts | null;
  tour: { at: string | null; paused: boolean; count: number; visits: number };
}

declare global {
  interface Window {
    __twinCommand?: CommandHook;
  }
}

export function installCommandHook(): CommandHook {
  const hook: CommandHook = {
    ready: false,
    feed: { status: "stopped", since: null, events: 0, lastSeq: null, attempt: 0, receivedAt: null, appliedAt: null },
    problems: {},
    projects: {},
    indicators: {},
    markers: { problems: 0, projects: 0, areas: 0 },
    totals: null,
    tour: { at: null, paused: false, count: 0, visits: 0 },
  };
  window.__twinCommand = hook;
  return hook;
}

/** Copies what the state shows into the hook. */
export function publishState(hook: CommandHook, state: LiveState): void {
  hook.problems = Object.fromEntries(
    [...state.problems.values()].map((p) => [p.id, { status: p.status, severity: p.severity, overdue: p.overdue }]),
  );
  hook.projects = Object.fromEntries(
    [...state.projects.values()].map((p) => [p.id, { stage: p.stage, percent: p.percent, overdue: p.overdue, idle: p.idle }]),
  );
  hook.indicators = Object.fromEntries([...state.indicators.entries()].map(([key, i]) => [key, indicatorStatus(i)]));
}
