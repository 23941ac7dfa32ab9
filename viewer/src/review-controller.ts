// What the viewer does with the review panel: reads the submissions and the one
// selected (again every few seconds while its automatic check runs), shows that
// version's layer and hides the project's other versions, highlights and flies
// to the elements of a failure, keeps "#review=<id>" in the URL and mirrors it
// all in window.__twin.review. The scene is reached through ReviewHost only.

import type { BBox, GeoSphere } from "./geo";
import {
  type ElementExtent,
  type Submission,
  type SubmissionSummary,
  fetchElementExtents,
  fetchSubmission,
  fetchSubmissions,
  isSubmissionId,
} from "./review-api";
import {
  hashOpensReview,
  isBeingChecked,
  otherVersionLayers,
  readReviewFromHash,
  shownState,
  uniqueIds,
  unionExtent,
  versionsOf,
  writeReviewToHash,
} from "./review-format";
import type { ReviewFocusHook, ReviewHook } from "./review-hooks";
import type { ReviewPanel } from "./ui/review-panel";

/** How often a submission being checked is read again. */
export const POLL_MS = 3000;
/** At most this many elements of one failure are looked up to frame them (all are highlighted). */
export const MAX_LOCATE = 600;

/** Where a flight's target ended up on screen (CSS pixels from the canvas' top left). */
export interface Arrival {
  readonly screen: [number, number] | null;
  readonly canvas: [number, number];
  /** Canvas pixels from its left that the panel covers. */
  readonly covered: number;
}

export interface ReviewHost {
  /** Whether the layer is in the scene (a layer published after the page opened is not). */
  hasLayer(id: string): boolean;
  /** Shows `layer` and hides `others` (the project's other versions). */
  showVersion(layer: string, others: readonly string[]): void;
  /** Highlights these elements of `layer` (null: no highlight); `styled` hears of each one drawn so. */
  highlight(layer: string | null, ids: ReadonlySet<string>, styled: (id: string) => void): void;
  /**
   * Flies to the box and height range, framed in the canvas part the panel
   * leaves free; returns the sphere framed and the one the camera aims at.
   */
  flyToExtent(
    bbox: BBox,
    zmin: number | null,
    zmax: number | null,
    arrived: (arrival: Arrival) => void,
  ): { target: GeoSphere; lookAt: GeoSphere };
  flyToLayer(id: string): void;
  /** A failure worth a test's attention (it goes to window.__twin.errors). */
  error(message: string): void;
}

export interface ReviewControllerEvents {
  /** The panel was opened (true) or closed. */
  changed(open: boolean): void;
}

export class ReviewController {
  private readonly panel: ReviewPanel;
  private readonly host: ReviewHost;
  private readonly hook: ReviewHook;
  private readonly events: ReviewControllerEvents;
  private list: SubmissionSummary[] = [];
  private listRead: Promise<void> | null = null;
  private current: Submission | null = null;
  private selected: string | null = null;
  /** Increases with every selection, so that a slow answer cannot replace a newer one. */
  private token = 0;
  private focusToken = 0;
  private poll: ReturnType<typeof setTimeout> | null = null;

  constructor(panel: ReviewPanel, host: ReviewHost, hook: ReviewHook, events: ReviewControllerEvents) {
    this.panel = panel;
    this.host = host;
    this.hook = hook;
    this.events = events;
  }

  get isOpen(): boolean {
    return this.panel.isOpen;
  }

  /** Opens the panel (on `id` when given, else on what was selected last); re-reads the list. */
  open(id: string | null = null, options: { fly?: boolean } = {}): void {
    this.panel.show();
    this.hook.open = true;
    this.events.changed(true);
    this.listRead = this.readList();
    const target = id ?? this.selected;
    if (target !== null && (target !== this.selected || this.current === null)) {
      void this.select(target, { fly: options.fly ?? true });
    }
    this.writeHash();
  }

  close(): void {
    this.panel.hide();
    this.hook.open = false;
    this.events.changed(false);
    this.stopPolling();
    this.clearFocus();
    this.writeHash();
  }

  toggle(): void {
    if (this.isOpen) {
      this.close();
    } else {
      this.open();
    }
  }

  /**
   * Follows the URL hash: "#review=<id>" opens that submission, "#review" the
   * panel; `fly`: to the submission's layer (not when the hash also holds a camera).
   */
  followHash(hash: string, options: { fly: boolean }): void {
    const id = readReviewFromHash(hash);
    if (id !== null && (id !== this.selected || !this.isOpen)) {
      this.open(id, options);
    } else if (id === null && hashOpensReview(hash) && !this.isOpen) {
      this.open();
    }
  }

  /** Shows a submission: its report, its layer (the project's other versions hidden). */
  async select(id: string, options: { fly: boolean } = { fly: true }): Promise<void> {
    const token = ++this.token;
    this.stopPolling();
    this.clearFocus();
    this.selected = id;
    this.current = null;
    Object.assign(this.hook, { selected: id, loaded: false, state: null, layer: null, layerShown: false });
    this.writeHash();
    if (!isSubmissionId(id)) {
      this.panel.setDetail({ kind: "notFound", id });
      this.hook.loaded = true;
      return;
    }
    this.panel.setDetail({ kind: "loading", id });
    let sub: Submission | null;
    try {
      sub = await fetchSubmission(id);
    } catch (error) {
      if (token === this.token) {
        this.host.error(`api/submissions/${id}: ${String(error)}`);
        this.panel.setDetail({ kind: "failed", id });
        this.hook.loaded = true;
      }
      return;
    }
    if (token !== this.token) {
      return;
    }
    if (sub === null) {
      this.panel.setDetail({ kind: "notFound", id });
      this.hook.loaded = true;
      return;
    }
    await this.listRead;
    if (token !== this.token) {
      return;
    }
    this.show(sub, options.fly);
  }

  /** Highlights the elements of a failure and flies to their union extent. */
  async locate(key: string, elements: readonly string[]): Promise<void> {
    const sub = this.current;
    const layer = sub?.layer ?? null;
    const ids = uniqueIds(elements);
    const token = ++this.focusToken;
    if (sub === null || layer === null || !this.host.hasLayer(layer) || ids.length === 0) {
      this.panel.setFocus({ key, status: "failed", count: 0, missing: ids.length });
      return;
    }
    const styled = new Set<string>();
    const hook: ReviewFocusHook = {
      key,
      ids,
      located: 0,
      missing: [],
      done: false,
      bbox: null,
      zmin: null,
      zmax: null,
      target: null,
      lookAt: null,
      arrival: null,
      styled: [],
    };
    this.hook.focus = hook;
    this.host.highlight(layer, new Set(ids), (id) => {
      if (token === this.focusToken && !styled.has(id)) {
        styled.add(id);
        hook.styled.push(id);
      }
    });
    this.panel.setFocus({ key, status: "locating", count: ids.length, missing: 0 });
    const wanted = ids.slice(0, MAX_LOCATE);
    let found: Map<string, ElementExtent>;
    try {
      found = await fetchElementExtents(layer, wanted);
    } catch (error) {
      if (token === this.focusToken) {
        this.host.error(`elements of ${sub.id} ${key}: ${String(error)}`);
        this.panel.setFocus({ key, status: "failed", count: ids.length, missing: 0 });
        hook.done = true;
      }
      return;
    }
    if (token !== this.focusToken) {
      return;
    }
    const missing = wanted.filter((id) => !found.has(id));
    const extent = unionExtent([...found.values()]);
    hook.located = found.size;
    hook.missing = missing;
    if (extent !== null) {
      hook.bbox = [...extent.bbox];
      hook.zmin = extent.zmin;
      hook.zmax = extent.zmax;
      const flight = this.host.flyToExtent(extent.bbox, extent.zmin, extent.zmax, (arrival) => {
        hook.arrival = { screen: arrival.screen, canvas: arrival.canvas, covered: arrival.covered };
      });
      hook.target = flight.target;
      hook.lookAt = flight.lookAt;
    }
    hook.done = true;
    this.panel.setFocus({ key, status: extent === null ? "failed" : "done", count: ids.length, missing: missing.length });
  }

  clearFocus(): void {
    this.focusToken += 1;
    if (this.hook.focus !== null || this.current !== null) {
      this.host.highlight(null, new Set(), () => undefined);
    }
    this.hook.focus = null;
    this.panel.setFocus(null);
  }

  private show(sub: Submission, fly: boolean): void {
    this.current = sub;
    this.mergeIntoList(sub);
    const layerLoaded = sub.layer !== null && this.host.hasLayer(sub.layer);
    this.hook.loaded = true;
    this.hook.state = shownState(sub);
    this.hook.layer = sub.layer;
    if (sub.layer !== null && layerLoaded) {
      const others = otherVersionLayers(this.list, sub).filter((layer) => this.host.hasLayer(layer));
      this.host.showVersion(sub.layer, others);
      this.hook.layerShown = true;
      this.hook.hiddenLayers = others;
      if (fly) {
        this.host.flyToLayer(sub.layer);
      }
    }
    this.panel.setDetail({ kind: "ready", submission: sub, versions: versionsOf(this.list, sub.project), layerLoaded });
    this.panel.setList({ kind: "ready", items: this.list });
    if (isBeingChecked(sub)) {
      this.poll = setTimeout(() => void this.refresh(sub.id), POLL_MS);
    }
  }

  /** Reads a submission being checked again, and shows it if it is still the one selected. */
  private async refresh(id: string): Promise<void> {
    this.poll = null;
    const token = this.token;
    let sub: Submission | null = null;
    try {
      sub = await fetchSubmission(id);
    } catch {
      sub = null; // try again later
    }
    if (token !== this.token || !this.isOpen) {
      return;
    }
    if (sub === null) {
      this.poll = setTimeout(() => void this.refresh(id), POLL_MS);
      return;
    }
    this.show(sub, false);
  }

  private stopPolling(): void {
    if (this.poll !== null) {
      clearTimeout(this.poll);
      this.poll = null;
    }
  }

  private async readList(): Promise<void> {
    if (this.list.length === 0) {
      this.panel.setList({ kind: "loading" });
    }
    try {
      this.list = await fetchSubmissions();
    } catch (error) {
      this.host.error(`api/submissions: ${String(error)}`);
      this.panel.setList({ kind: "failed" });
      this.hook.listLoaded = true;
      return;
    }
    if (this.current !== null) {
      this.mergeIntoList(this.current);
      this.panel.setDetail({
        kind: "ready",
        submission: this.current,
        versions: versionsOf(this.list, this.current.project),
        layerLoaded: this.current.layer !== null && this.host.hasLayer(this.current.layer),
      });
    }
    this.panel.setList({ kind: "ready", items: this.list });
    this.hook.submissions = this.list.map((s) => s.id);
    this.hook.listLoaded = true;
  }

  /** The list keeps the latest state of the submission shown. */
  private mergeIntoList(sub: SubmissionSummary): void {
    const index = this.list.findIndex((s) => s.id === sub.id);
    if (index >= 0) {
      this.list[index] = sub;
    } else {
      this.list = [...this.list, sub].sort((a, b) => a.project.localeCompare(b.project) || a.version - b.version);
    }
    this.hook.submissions = this.list.map((s) => s.id);
  }

  private writeHash(): void {
    const id = this.isOpen ? (this.selected ?? "") : null;
    const hash = writeReviewToHash(window.location.hash, id);
    if (hash !== window.location.hash) {
      const url = new URL(window.location.href);
      url.hash = hash;
      window.history.replaceState(window.history.state, "", url);
    }
  }
}
