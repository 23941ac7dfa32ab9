// The analysis tools' state machine: which tool is on, the points clicked so
// far, the form of the corridor and sunlight tools, the proposal (scenario) the
// analyses run with, the request under way, the result and which side of a
// before/after comparison is shown. It asks AnalysisScene to draw, the panel to
// show, and mirrors it all in window.__twin.analysis (with run/click hooks for
// browser tests: a tool can be run on given coordinates, without pixel clicks).
//
//   sightline   click 1: from, click 2: to → run (ground points + 1.6 m eye height)
//   corridor    click 1: viewpoint (ground), click 2: target → form → "run"
//   sunlight    click 1: a building → run with the form's date, window and hours

import {
  CORRIDOR_URL,
  type CorridorRequest,
  type CorridorResult,
  type LonLatH,
  SIGHTLINE_URL,
  SUNLIGHT_URL,
  type Scenario,
  type SightlineResult,
  type SunlightRequest,
  type SunlightResult,
  corridorBody,
  failureReason,
  type FailureReason,
  parseCorridor,
  parseSightline,
  parseSunlight,
  postJson,
  sightlineBody,
  sunlightBody,
} from "./analysis-api";
import {
  DEFAULT_HALF_WIDTH_M,
  DEFAULT_REQUIRED_HOURS,
  DEFAULT_STEP_MIN,
  DEFAULT_WINDOW,
  EYE_HEIGHT_M,
  type Side,
  type Tool,
  chosen,
  eyePoint,
  firstObstructingFeature,
  intrusionColour,
  intrusionColours,
  isClock,
  isDate,
  parseNumberField,
  parseWindow,
  scenarioFor,
  sightlineDrawing,
} from "./analysis-format";
import type { AnalysisDrawnHook, AnalysisScene, PickedPoint } from "./analysis-scene";
import { emptyDrawnHook } from "./analysis-scene";
import type { AnalysisPanel } from "./ui/analysis-panel";

/** The first obstructing building of a sightline is drawn in this red. */
export const OBSTRUCTION_COLOUR = "#dc2626";

export type Phase = "idle" | "picking" | "form" | "running" | "done" | "failed";

export interface CorridorForm {
  targetHeight: string;
  eyeHeight: string;
  halfWidth: string;
  kind: "plane" | "clearance";
  clearance: string;
}

export interface SunlightForm {
  date: string;
  start: string;
  end: string;
  requiredHours: string;
}

export type FormField = `corridor.${keyof CorridorForm}` | `sunlight.${keyof SunlightForm}`;

export type AnalysisResult =
  | { readonly tool: "sightline"; readonly data: SightlineResult }
  | { readonly tool: "corridor"; readonly data: CorridorResult }
  | { readonly tool: "sunlight"; readonly data: SunlightResult; readonly building: string };

export interface ProposalLayer {
  readonly id: string;
  readonly title: string;
}

/** What the panel shows (it renders from this alone). */
export interface AnalysisView {
  readonly tool: Tool | null;
  readonly phase: Phase;
  readonly clicks: readonly PickedPoint[];
  readonly proposals: readonly ProposalLayer[];
  readonly scenarioLayer: string | null;
  /** The review's submission whose layer was taken as the proposal (null: chosen here or none). */
  readonly scenarioFromReview: string | null;
  readonly corridor: Readonly<CorridorForm>;
  readonly sunlight: Readonly<SunlightForm>;
  /** The form field that does not read (null: all fine). */
  readonly invalidField: FormField | null;
  readonly result: AnalysisResult | null;
  readonly side: Side;
  readonly overlay: boolean;
  readonly failure: FailureReason | null;
  /** A hint about the last click (it hit no building, no position). */
  readonly notice: "notABuilding" | "noPosition" | null;
}

/** What a browser test asks `window.__twin.analysis.run` to do. */
export interface RunSpec {
  tool: Tool;
  /** Sightline: [from, to]; corridor: [viewpoint, target]; used as given (no eye height added). */
  points?: LonLatH[];
  /** Sunlight: the building's feature id. */
  building?: string;
  /** Proposal layer (undefined: keep the panel's choice, null: none). */
  scenario?: string | null;
  corridor?: Partial<CorridorForm>;
  sunlight?: Partial<SunlightForm>;
  /** Fly to the result (default true). */
  fly?: boolean;
}

/** window.__twin.analysis. */
export interface AnalysisHook {
  open: boolean;
  tool: Tool | null;
  phase: Phase;
  clicks: PickedPoint[];
  scenario: Scenario | null;
  scenarioFromReview: string | null;
  side: Side;
  /** The result has a before and an after. */
  compared: boolean;
  /** The tool, URL and body of the last request sent. */
  request: { tool: Tool; url: string; body: unknown } | null;
  /** The last answer, as the server sent it. */
  response: unknown;
  /** The server's description of the last failure (null: none). */
  error: string | null;
  /** Analyses answered so far. */
  runs: number;
  drawn: AnalysisDrawnHook;
  run(spec: RunSpec): Promise<Phase>;
  click(point: LonLatH, options?: { onGround?: boolean; featureId?: string | null; layer?: string | null }): void;
  setSide(side: Side): void;
}

declare module "./test-hooks" {
  interface TwinHooks {
    analysis?: AnalysisHook;
  }
}

export interface AnalysisHost {
  readonly scene: AnalysisScene;
  /** The BIM layers a proposal can be taken from (kind "ifc"/"bim"). */
  proposals(): ProposalLayer[];
  /** The submission selected in the review panel and its layer, if any. */
  reviewSelection(): { submission: string; layer: string } | null;
  error(message: string): void;
}

export interface AnalysisEvents {
  changed(open: boolean): void;
}

const CLICKS: Record<Tool, number> = { sightline: 2, corridor: 2, sunlight: 1 };

function defaultCorridorForm(): CorridorForm {
  return { targetHeight: "", eyeHeight: String(EYE_HEIGHT_M), halfWidth: String(DEFAULT_HALF_WIDTH_M), kind: "plane", clearance: "10" };
}

function defaultSunlightForm(): SunlightForm {
  return { date: "", start: DEFAULT_WINDOW[0], end: DEFAULT_WINDOW[1], requiredHours: String(DEFAULT_REQUIRED_HOURS) };
}

export class AnalysisController {
  readonly hook: AnalysisHook;
  private readonly panel: AnalysisPanel;
  private readonly host: AnalysisHost;
  private readonly events: AnalysisEvents;
  private tool: Tool | null = null;
  private phase: Phase = "idle";
  private clicks: PickedPoint[] = [];
  private scenarioLayer: string | null = null;
  private scenarioFromReview: string | null = null;
  /** The proposal was chosen in the panel: the review's selection no longer overrides it. */
  private scenarioChosen = false;
  private corridor: CorridorForm = defaultCorridorForm();
  private sunlight: SunlightForm = defaultSunlightForm();
  private invalidField: FormField | null = null;
  private result: AnalysisResult | null = null;
  private side: Side = "after";
  private overlay = false;
  private failure: FailureReason | null = null;
  private notice: AnalysisView["notice"] = null;
  private token = 0;
  private abort: AbortController | null = null;
  private fly = false;

  constructor(panel: AnalysisPanel, host: AnalysisHost, events: AnalysisEvents) {
    this.panel = panel;
    this.host = host;
    this.events = events;
    this.hook = {
      open: false,
      tool: null,
      phase: "idle",
      clicks: [],
      scenario: null,
      scenarioFromReview: null,
      side: "after",
      compared: false,
      request: null,
      response: null,
      error: null,
      runs: 0,
      drawn: emptyDrawnHook(),
      run: (spec) => this.runSpec(spec),
      click: (point, options = {}) =>
        this.clicked({ point, onGround: options.onGround ?? false, featureId: options.featureId ?? null, layer: options.layer ?? null }),
      setSide: (side) => this.setSide(side),
    };
  }

  /** The hook object the scene writes its drawing state into. */
  get drawnHook(): AnalysisDrawnHook {
    return this.hook.drawn;
  }

  get isOpen(): boolean {
    return this.panel.isOpen;
  }

  /** True while a tool waits for a click in the scene (the click is then the analysis', not a selection). */
  wantsClicks(): boolean {
    return this.isOpen && this.tool !== null && this.phase !== "running";
  }

  open(): void {
    this.panel.show();
    this.hook.open = true;
    this.followReview();
    this.events.changed(true);
    this.render();
  }

  close(): void {
    this.panel.hide();
    this.hook.open = false;
    this.cancel();
    this.tool = null;
    this.phase = "idle";
    this.clicks = [];
    this.host.scene.showPicks([]);
    this.events.changed(false);
    this.render();
  }

  toggle(): void {
    if (this.isOpen) {
      this.close();
    } else {
      this.open();
    }
  }

  /** A tool's button: switches to that tool, or off again when it is the one on (the result stays). */
  pressTool(tool: Tool): void {
    if (this.tool === tool && this.phase !== "running") {
      this.tool = null;
      this.phase = "idle";
      this.clicks = [];
      this.notice = null;
      this.host.scene.showPicks([]);
      this.render();
      return;
    }
    this.selectTool(tool);
  }

  /** Switches to a tool (the same tool again: starts its clicks over). */
  selectTool(tool: Tool): void {
    this.cancel();
    if (this.result !== null && this.result.tool !== tool) {
      this.dropResult();
    }
    this.tool = tool;
    this.clicks = [];
    this.notice = null;
    this.failure = null;
    this.invalidField = null;
    this.phase = "picking";
    this.host.scene.showPicks([]);
    this.render();
  }

  /** The proposal layer chosen in the panel ("" / null: none). */
  setScenario(layer: string | null): void {
    this.scenarioChosen = true;
    this.scenarioLayer = layer === "" ? null : layer;
    this.scenarioFromReview = null;
    this.render();
  }

  setSide(side: Side): void {
    this.side = side;
    this.drawResult();
    this.render();
  }

  setField(field: FormField, value: string): void {
    const [form, name] = field.split(".") as ["corridor" | "sunlight", string];
    if (form === "corridor") {
      if (name === "kind") {
        this.corridor.kind = value === "clearance" ? "clearance" : "plane";
        this.render();
      } else {
        (this.corridor as unknown as Record<string, string>)[name] = value;
      }
    } else {
      (this.sunlight as unknown as Record<string, string>)[name] = value;
    }
    if (this.invalidField === field) {
      this.invalidField = null;
      this.render();
    }
  }

  setOverlay(shown: boolean): void {
    this.overlay = shown;
    const result = this.result;
    this.host.scene.showMaxHeight(shown && result?.tool === "corridor" ? result.data.maxHeight : null);
    this.render();
  }

  /** Clears the result and the points clicked; the tool stays on, waiting for its first click. */
  clear(): void {
    this.cancel();
    this.dropResult();
    this.failure = null;
    this.notice = null;
    this.clicks = [];
    this.hook.error = null;
    this.host.scene.showPicks([]);
    this.phase = this.tool === null ? "idle" : "picking";
    this.render();
  }

  /** A click in the scene at canvas position (x, y), while a tool waits for one. */
  clickAt(x: number, y: number): void {
    const picked = this.host.scene.pickAt(x, y);
    if (picked === null) {
      this.notice = "noPosition";
      this.render();
      return;
    }
    this.clicked(picked);
  }

  /** Runs the corridor or sunlight analysis with the form's values (the "run" button). */
  submit(): void {
    if (this.tool === "corridor" && this.clicks.length >= 2) {
      void this.runCorridor();
    } else if (this.tool === "sunlight" && this.clicks.length >= 1) {
      void this.runSunlight();
    }
  }

  private clicked(picked: PickedPoint): void {
    const tool = this.tool;
    if (tool === null) {
      return;
    }
    this.notice = null;
    if (tool === "sunlight" && picked.featureId === null) {
      this.notice = "notABuilding";
      this.render();
      return;
    }
    if (this.clicks.length >= CLICKS[tool]) {
      this.clicks = []; // a new analysis of the same tool
    }
    this.clicks = [...this.clicks, picked];
    this.failure = null;
    this.host.scene.showPicks(this.clicks.map((c) => this.shownPoint(tool, c, this.clicks.indexOf(c))));
    if (this.clicks.length < CLICKS[tool]) {
      this.phase = "picking";
      this.render();
      return;
    }
    if (tool === "sightline") {
      void this.runSightline();
    } else if (tool === "corridor") {
      const target = this.clicks[1];
      if (target !== undefined) {
        this.corridor.targetHeight = target.point[2].toFixed(1);
      }
      this.phase = "form";
      this.render();
    } else {
      void this.runSunlight();
    }
  }

  /** Where a click is drawn: a sightline end on the ground at eye height. */
  private shownPoint(tool: Tool, click: PickedPoint, index: number): LonLatH {
    if (tool === "sightline" || (tool === "corridor" && index === 0)) {
      const eye = tool === "corridor" ? (parseNumberField(this.corridor.eyeHeight, 0, 1000) ?? EYE_HEIGHT_M) : EYE_HEIGHT_M;
      return eyePoint(click.point, click.onGround, eye);
    }
    return click.point;
  }

  private scenario(): Scenario | null {
    return scenarioFor(this.scenarioLayer);
  }

  /** Takes the proposal from the review panel's selection, unless one was chosen here. */
  private followReview(): void {
    if (this.scenarioChosen) {
      return;
    }
    const review = this.host.reviewSelection();
    if (review !== null && this.host.proposals().some((p) => p.id === review.layer)) {
      this.scenarioLayer = review.layer;
      this.scenarioFromReview = review.submission;
    }
  }

  private cancel(): void {
    this.token += 1;
    this.abort?.abort();
    this.abort = null;
    if (this.phase === "running") {
      this.phase = this.tool === null ? "idle" : "picking";
    }
  }

  private async post(tool: Tool, url: string, body: unknown): Promise<unknown | undefined> {
    this.cancel();
    const token = this.token;
    const abort = new AbortController();
    this.abort = abort;
    this.phase = "running";
    this.failure = null;
    this.hook.error = null;
    this.hook.request = { tool, url, body };
    this.render();
    try {
      const answer = await postJson(url, body, abort.signal);
      if (token !== this.token) {
        return undefined;
      }
      this.abort = null;
      this.hook.response = answer;
      return answer;
    } catch (error) {
      if (token !== this.token) {
        return undefined;
      }
      this.abort = null;
      this.fail(tool, error);
      return undefined;
    }
  }

  /** Forgets the result shown (and takes it out of the scene). */
  private dropResult(): void {
    this.result = null;
    this.overlay = false;
    this.hook.response = null;
    this.host.scene.clearResults();
  }

  private fail(tool: Tool, error: unknown): void {
    this.dropResult();
    this.failure = failureReason(error);
    this.phase = "failed";
    this.hook.error = this.failure.kind === "server" ? this.failure.text : this.failure.kind;
    this.host.error(`api/analysis/${tool}: ${String(error)}`);
    this.render();
  }

  private async runSightline(): Promise<void> {
    const [a, b] = this.clicks;
    if (a === undefined || b === undefined) {
      return;
    }
    const from = eyePoint(a.point, a.onGround);
    const to = eyePoint(b.point, b.onGround);
    const token = this.token + 1;
    const answer = await this.post("sightline", SIGHTLINE_URL, sightlineBody(from, to, this.scenario()));
    if (answer === undefined || token !== this.token) {
      return;
    }
    this.accept("sightline", () => ({ tool: "sightline", data: parseSightline(answer) }));
  }

  private readCorridor(): CorridorRequest | null {
    const [viewpoint, target] = this.clicks;
    if (viewpoint === undefined || target === undefined) {
      return null;
    }
    const form = this.corridor;
    const eye = parseNumberField(form.eyeHeight, 0, 1000);
    if (eye === null) {
      this.invalidField = "corridor.eyeHeight";
      return null;
    }
    const halfWidth = parseNumberField(form.halfWidth, 0.1, 10_000);
    if (halfWidth === null) {
      this.invalidField = "corridor.halfWidth";
      return null;
    }
    const height = form.targetHeight.trim() === "" ? target.point[2] : parseNumberField(form.targetHeight, -1000, 10_000);
    if (height === null) {
      this.invalidField = "corridor.targetHeight";
      return null;
    }
    let threshold: CorridorRequest["threshold"] = { kind: "plane", targetHeightM: height };
    if (form.kind === "clearance") {
      const metres = parseNumberField(form.clearance, 0, 10_000);
      if (metres === null) {
        this.invalidField = "corridor.clearance";
        return null;
      }
      threshold = { kind: "clearance", metres };
    }
    return {
      viewpoint: viewpoint.point,
      targets: [[target.point[0], target.point[1], height]],
      eyeHeightM: eye,
      threshold,
      halfWidthM: halfWidth,
    };
  }

  private async runCorridor(): Promise<void> {
    this.invalidField = null;
    const request = this.readCorridor();
    if (request === null) {
      this.render();
      return;
    }
    const token = this.token + 1;
    const answer = await this.post("corridor", CORRIDOR_URL, corridorBody(request, this.scenario()));
    if (answer === undefined || token !== this.token) {
      return;
    }
    this.accept("corridor", () => ({ tool: "corridor", data: parseCorridor(answer) }));
  }

  private readSunlight(building: string): SunlightRequest | null {
    const form = this.sunlight;
    const date = form.date.trim();
    if (date !== "" && !isDate(date)) {
      this.invalidField = "sunlight.date";
      return null;
    }
    const window = parseWindow(form.start, form.end);
    if (window === null) {
      this.invalidField = isClock(form.start.trim()) ? "sunlight.end" : "sunlight.start";
      return null;
    }
    const required = parseNumberField(form.requiredHours, 0, 24);
    if (required === null) {
      this.invalidField = "sunlight.requiredHours";
      return null;
    }
    return { building, date, window, stepMin: DEFAULT_STEP_MIN, requiredHours: required };
  }

  private async runSunlight(): Promise<void> {
    const building = this.clicks[0]?.featureId ?? null;
    if (building === null) {
      return;
    }
    this.invalidField = null;
    const request = this.readSunlight(building);
    if (request === null) {
      this.phase = "form";
      this.render();
      return;
    }
    const token = this.token + 1;
    const answer = await this.post("sunlight", SUNLIGHT_URL, sunlightBody(request, this.scenario()));
    if (answer === undefined || token !== this.token) {
      return;
    }
    this.accept("sunlight", () => ({ tool: "sunlight", data: parseSunlight(answer), building }));
  }

  /** Reads an answer into the result shown (a body that does not read is a failure). */
  private accept(tool: Tool, read: () => AnalysisResult): void {
    let result: AnalysisResult;
    try {
      result = read();
    } catch (error) {
      this.fail(tool, error);
      return;
    }
    this.result = result;
    if (result.data.before === null) {
      this.side = "after";
    }
    this.phase = "done";
    this.overlay = false;
    this.host.scene.showMaxHeight(null);
    this.hook.runs += 1;
    this.drawResult();
    if (this.fly) {
      this.fly = false;
      this.host.scene.flyToPoints(this.extentPoints(result));
    }
    this.render();
  }

  private extentPoints(result: AnalysisResult): LonLatH[] {
    switch (result.tool) {
      case "sightline":
        return [result.data.from, result.data.to];
      case "corridor": {
        const surface = result.data.surface;
        const ring = (result.data.polygon[0] ?? []).map(([lon, lat]): LonLatH => [lon, lat, surface?.eye[2] ?? 0]);
        return surface === null ? ring : [surface.eye, ...surface.targets, ...ring];
      }
      case "sunlight":
        return chosen(result.data, "after").points.map((p) => p.point);
    }
  }

  /** Draws the result of the side shown. */
  private drawResult(): void {
    const result = this.result;
    const scene = this.host.scene;
    if (result === null) {
      scene.clearResults();
      return;
    }
    switch (result.tool) {
      case "sightline": {
        const run = chosen(result.data, this.side);
        scene.drawSightline(sightlineDrawing(result.data.from, result.data.to, run));
        const first = firstObstructingFeature(run.obstructions);
        scene.setTint(first === null ? new Map() : new Map([[first.featureId, OBSTRUCTION_COLOUR]]));
        break;
      }
      case "corridor": {
        const intrusions = chosen(result.data, this.side);
        scene.drawCorridor(result.data);
        scene.setTint(intrusionColours(intrusions));
        scene.markIntrusions(intrusions.map((i) => ({ point: i.point, colour: intrusionColour(i.maxIntrusionM) })));
        break;
      }
      case "sunlight": {
        const run = chosen(result.data, this.side);
        scene.drawSunlight(run.points, result.data.requiredHours);
        scene.setTint(new Map());
        break;
      }
    }
  }

  private async runSpec(spec: RunSpec): Promise<Phase> {
    if (!this.isOpen) {
      this.open();
    }
    if (spec.scenario !== undefined) {
      this.setScenario(spec.scenario);
    }
    Object.assign(this.corridor, spec.corridor ?? {});
    Object.assign(this.sunlight, spec.sunlight ?? {});
    this.selectTool(spec.tool);
    this.fly = spec.fly ?? true;
    const before = this.hook.runs;
    if (spec.tool === "sunlight") {
      if (spec.building === undefined) {
        throw new Error("run: sunlight needs a building");
      }
      this.clicked({ point: spec.points?.[0] ?? [0, 0, 0], onGround: false, featureId: spec.building, layer: null });
    } else {
      const points = spec.points ?? [];
      if (points.length < 2) {
        throw new Error(`run: ${spec.tool} needs two points`);
      }
      for (const point of points.slice(0, 2)) {
        this.clicked({ point, onGround: false, featureId: null, layer: null });
      }
      if (spec.tool === "corridor") {
        if (spec.corridor?.targetHeight !== undefined) {
          this.corridor.targetHeight = spec.corridor.targetHeight;
        }
        this.submit();
      }
    }
    // resolve once the request ended
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (this.phase !== "running" && (this.hook.runs > before || this.phase === "failed" || this.phase === "form")) {
          resolve();
        } else {
          setTimeout(check, 50);
        }
      };
      check();
    });
    this.fly = false;
    return this.phase;
  }

  private view(): AnalysisView {
    return {
      tool: this.tool,
      phase: this.phase,
      clicks: this.clicks,
      proposals: this.host.proposals(),
      scenarioLayer: this.scenarioLayer,
      scenarioFromReview: this.scenarioFromReview,
      corridor: { ...this.corridor },
      sunlight: { ...this.sunlight },
      invalidField: this.invalidField,
      result: this.result,
      side: this.side,
      overlay: this.overlay,
      failure: this.failure,
      notice: this.notice,
    };
  }

  private render(): void {
    const hook = this.hook;
    hook.tool = this.tool;
    hook.phase = this.phase;
    hook.clicks = this.clicks.map((c) => ({ ...c }));
    hook.scenario = this.scenario();
    hook.scenarioFromReview = this.scenarioFromReview;
    hook.side = this.side;
    hook.compared = this.result !== null && this.result.data.before !== null;
    this.panel.render(this.view());
  }
}
