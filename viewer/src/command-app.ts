// The command-centre mode (城市体检一张图, `/?mode=command`): a full-screen wall
// display over the 3D city. It reads the health-check data once, then follows
// api/overlays/ws: every event is applied to the state, the map and the panels
// without a reload; the district counts are re-read from the summary after a
// problem or project changed. A tour flies from one flagged place to the next.

import { Coalesced } from "./coalesce";
import { CommandCity } from "./command-city";
import { type CommandHook, installCommandHook, publishState } from "./command-hooks";
import { CommandPanels } from "./command-panels";
import { Tour, tourInterval, tourStartsPaused } from "./command-tour";
import {
  type Summary,
  fetchIndicators,
  fetchLatestSeq,
  fetchProblems,
  fetchProjects,
  fetchSummary,
} from "./health-api";
import { healthText } from "./health-i18n";
import { HealthOverlays } from "./health-overlays";
import { FeedCursor, type FeedStatus, LiveFeed, browserSocket, browserTimers } from "./overlay-live";
import { type LiveState, type OverlayEvent, applyEvent, emptyState, stateOf } from "./overlay-live-state";
import { type TwinHooks, installHooks, recordError } from "./test-hooks";
import { el } from "./ui/dom";
import { LangStore } from "./ui/lang";

/** Events within this time are followed by one summary read. */
const SUMMARY_DELAY_MS = 400;

class CommandApp {
  private readonly hooks: TwinHooks;
  private readonly hook: CommandHook;
  private readonly lang = new LangStore();
  private readonly panels = new CommandPanels();
  private readonly city: CommandCity;
  private readonly overlays: HealthOverlays;
  private readonly cursor = new FeedCursor();
  private readonly feed: LiveFeed;
  private readonly tour: Tour;
  private state: LiveState = emptyState();
  private summary: Summary | null = null;
  /** Events that arrived while the state was being read; applied once it is. */
  private pending: OverlayEvent[] | null = null;
  /** One reload at a time; asked again during one, it reads once more when it ends. */
  private readonly reloader = new Coalesced(() => this.readAll());
  /** The tour starts once the city is framed (a flight begun before would be cut short). */
  private cityReady = false;
  private summaryTimer: number | null = null;
  private feedStatus: FeedStatus = "stopped";
  private lastEvent: string | null = null;

  constructor(root: HTMLElement) {
    this.hooks = installHooks();
    this.hook = installCommandHook();
    document.body.classList.add("command-mode");
    const scene = el("div", { class: "scene command-scene", id: "scene" });
    root.replaceChildren(el("main", { class: "command-stage" }, scene, this.panels.element));
    this.city = new CommandCity(scene, this.hooks);
    this.overlays = new HealthOverlays(this.city.viewer);
    this.feed = new LiveFeed({
      pageUrl: window.location.href,
      cursor: this.cursor,
      open: browserSocket,
      timers: browserTimers,
      events: {
        event: (event) => this.receive(event),
        resync: () => void this.reload(),
        status: (status, detail) => {
          this.feedStatus = status;
          this.hook.feed.status = status;
          this.hook.feed.since = detail.since;
          this.hook.feed.attempt = detail.attempt;
          this.renderLive();
        },
      },
    });
    const search = window.location.search;
    this.tour = new Tour(tourInterval(search), browserTimers, {
      visit: (stop, index, count) => {
        this.hook.tour = { at: `${stop.kind}:${stop.id}`, paused: this.tour.paused, count, visits: this.hook.tour.visits + 1 };
        this.panels.renderTour(this.lang.lang, this.tour.paused, stop, index, count);
        this.city.flyTo(stop.lon, stop.lat);
      },
      changed: (paused) => {
        this.hook.tour = { ...this.hook.tour, paused };
        this.renderTour();
      },
    }, tourStartsPaused(search));
    this.panels.tourButton.addEventListener("click", () => this.tour.toggle());
    this.panels.tourNext.addEventListener("click", () => this.tour.step());
    this.panels.langSwitch.addEventListener("click", () => this.lang.toggle());
    this.panels.fullscreen.addEventListener("click", () => toggleFullscreen());
    this.lang.onChange(() => this.renderAll());
    this.renderAll();
  }

  async start(): Promise<void> {
    const city = this.city.load();
    let since: number | null = null;
    try {
      since = await fetchLatestSeq();
    } catch (error) {
      recordError(this.hooks, `api/overlays/events: ${String(error)}`);
    }
    this.cursor.reset(since);
    await this.reload();
    this.feed.start();
    await city;
    this.cityReady = true;
    this.tour.setStops(this.summary?.flagged ?? []);
    this.hook.tour = { ...this.hook.tour, paused: this.tour.paused };
    this.renderTour();
    this.hooks.ready = true;
    this.hook.ready = true;
  }

  /**
   * Reads the whole state afresh; events arriving meanwhile are applied after it.
   * One read at a time: asked again during one, it reads once more when it ends.
   */
  private reload(): Promise<void> {
    return this.reloader.run();
  }

  private async readAll(): Promise<void> {
    this.pending = [];
    const [indicators, problems, projects, summary] = await Promise.allSettled([
      fetchIndicators(),
      fetchProblems(),
      fetchProjects(),
      fetchSummary(),
    ]);
    const failed = [indicators, problems, projects, summary].filter((r) => r.status === "rejected");
    for (const failure of failed) {
      recordError(this.hooks, `health-check data: ${String(failure.reason)}`);
    }
    this.panels.renderError(failed.length > 0 ? healthText(this.lang.lang, "live.loadFailed") : null);
    this.state = stateOf(
      problems.status === "fulfilled" ? problems.value : [...this.state.problems.values()],
      projects.status === "fulfilled" ? projects.value : [...this.state.projects.values()],
      indicators.status === "fulfilled" ? indicators.value : [...this.state.indicators.values()],
    );
    if (summary.status === "fulfilled") {
      this.setSummary(summary.value);
    }
    const pending = this.pending ?? [];
    this.pending = null;
    for (const event of pending) {
      this.apply(event);
    }
    this.renderAll();
  }

  private receive(event: OverlayEvent): void {
    this.hook.feed.receivedAt = Date.now();
    this.hook.feed.events += 1;
    this.hook.feed.lastSeq = event.seq;
    this.hook.feed.since = this.cursor.since;
    this.lastEvent = new Date().toLocaleTimeString(this.lang.lang, { hour12: false });
    if (this.pending !== null) {
      this.pending.push(event);
      return;
    }
    this.apply(event);
    this.renderLive();
    this.hook.feed.appliedAt = Date.now();
  }

  private apply(event: OverlayEvent): void {
    const applied = applyEvent(this.state, event);
    this.state = applied.state;
    if (applied.resync) {
      void this.reload();
      return;
    }
    if (applied.changed === "indicators") {
      this.renderIndicators();
    } else if (applied.changed !== null) {
      this.renderMap();
      this.scheduleSummary();
    }
  }

  private scheduleSummary(): void {
    if (this.summaryTimer !== null) {
      return;
    }
    this.summaryTimer = window.setTimeout(() => {
      this.summaryTimer = null;
      fetchSummary()
        .then((summary) => this.setSummary(summary))
        .catch((error: unknown) => recordError(this.hooks, `api/healthcheck/summary: ${String(error)}`));
    }, SUMMARY_DELAY_MS);
  }

  private setSummary(summary: Summary): void {
    this.summary = summary;
    this.hook.totals = { ...summary.totals };
    this.renderSummary();
    if (this.cityReady) {
      this.tour.setStops(summary.flagged);
    }
    this.hook.tour = { ...this.hook.tour, count: summary.flagged.length };
  }

  private renderAll(): void {
    const lang = this.lang.lang;
    document.title = healthText(lang, "command.title");
    this.panels.renderStatic(lang);
    this.renderLive();
    this.renderIndicators();
    this.renderSummary();
    this.renderMap();
    this.renderTour();
  }

  private renderLive(): void {
    this.panels.renderLive(this.lang.lang, this.feedStatus, this.feed.failures, this.lastEvent);
  }

  private renderIndicators(): void {
    this.panels.renderIndicators(this.lang.lang, [...this.state.indicators.values()]);
    publishState(this.hook, this.state);
  }

  private renderSummary(): void {
    const s = this.summary;
    if (s !== null) {
      this.panels.renderSummary(this.lang.lang, s.asOf, s.totals, s.districts);
    }
  }

  private renderMap(): void {
    this.overlays.update(this.state.problems.values(), this.state.projects.values());
    this.city.kick();
    publishState(this.hook, this.state);
    this.hook.markers = this.overlays.counts();
  }

  private renderTour(): void {
    const stops = this.summary?.flagged ?? [];
    const index = stops.findIndex((s) => `${s.kind}:${s.id}` === this.tour.at);
    this.panels.renderTour(this.lang.lang, this.tour.paused, stops[index] ?? null, index, stops.length);
  }
}

/** The wall display fills the screen (or leaves full screen); F11 does the same. */
function toggleFullscreen(): void {
  if (document.fullscreenElement !== null) {
    void document.exitFullscreen().catch(() => undefined);
  } else {
    void document.documentElement.requestFullscreen().catch(() => undefined);
  }
}

/** Starts the command-centre mode in `root`. */
export async function startCommand(root: HTMLElement): Promise<void> {
  await new CommandApp(root).start();
}
