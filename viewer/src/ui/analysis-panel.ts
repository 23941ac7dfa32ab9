// The analysis panel (data-testid="analysis-panel"), floating over the right of
// the scene: the three tools, the proposal to compare with, what to click next,
// the corridor and sunlight forms, the before/after switch and the result
// (obstructions, intrusions with the maximum-height download and overlay, the
// sunlight summary with its legend). Plain DOM, rendered from AnalysisView; the
// form inputs are kept across renders so that typing is never interrupted.

import {
  type AnalysisResult,
  type AnalysisView,
  type FormField,
} from "../analysis-controller";
import {
  type LegendStop,
  type Side,
  TOOLS,
  type Tool,
  HOURS_STOPS,
  INTRUSION_STOPS,
  chosen,
  corridorVerdict,
  hoursLegend,
  hoursText,
  intrusionLegend,
  intrusionRows,
  legendGradient,
  metresText,
  obstructionRows,
  pointText,
  sightlineVerdict,
  sunSummaryView,
  sunlightVerdict,
} from "../analysis-format";
import { type AnalysisKey, analysisText } from "../analysis-i18n";
import { el, replaceChildren } from "./dom";
import type { LangStore } from "./lang";

export interface AnalysisPanelActions {
  close(): void;
  selectTool(tool: Tool): void;
  setScenario(layer: string | null): void;
  setSide(side: Side): void;
  setField(field: FormField, value: string): void;
  setOverlay(shown: boolean): void;
  submit(): void;
  clear(): void;
}

type Params = Readonly<Record<string, string | number>>;

const CLICK_LABELS: Record<Tool, readonly AnalysisKey[]> = {
  sightline: ["analysis.picked.from", "analysis.picked.to"],
  corridor: ["analysis.picked.viewpoint", "analysis.picked.target"],
  sunlight: ["analysis.picked.building"],
};

interface Field {
  readonly field: FormField;
  readonly label: HTMLElement;
  readonly input: HTMLInputElement | HTMLSelectElement;
  readonly labelKey: AnalysisKey;
  readonly row: HTMLElement;
}

export class AnalysisPanel {
  readonly element: HTMLElement;
  private readonly lang: LangStore;
  private readonly actions: AnalysisPanelActions;
  private readonly heading: HTMLHeadingElement;
  private readonly closeButton: HTMLButtonElement;
  private readonly toolsLabel: HTMLElement;
  private readonly toolButtons = new Map<Tool, HTMLButtonElement>();
  private readonly scenarioLabel: HTMLElement;
  private readonly scenarioSelect: HTMLSelectElement;
  private readonly scenarioNote: HTMLElement;
  private readonly step: HTMLElement;
  private readonly clicksList: HTMLElement;
  private readonly corridorForm: HTMLElement;
  private readonly sunlightForm: HTMLElement;
  private readonly fields: Field[] = [];
  private readonly runButtons: HTMLButtonElement[] = [];
  private readonly sideRow: HTMLElement;
  private readonly resultSection: HTMLElement;
  private readonly clearButton: HTMLButtonElement;
  private view: AnalysisView | null = null;

  constructor(lang: LangStore, actions: AnalysisPanelActions) {
    this.lang = lang;
    this.actions = actions;
    this.heading = el("h2", { class: "analysis-heading" });
    this.closeButton = el("button", { type: "button", class: "icon-button", "data-testid": "analysis-close" }, "×");
    this.closeButton.addEventListener("click", () => actions.close());

    this.toolsLabel = el("h3", { class: "section-label" });
    const tools = el("div", { class: "analysis-tools", role: "group" });
    for (const tool of TOOLS) {
      const button = el("button", {
        type: "button",
        class: "button button-small analysis-tool",
        "data-testid": `analysis-tool-${tool}`,
        "data-tool": tool,
        "aria-pressed": "false",
      });
      button.addEventListener("click", () => actions.selectTool(tool));
      this.toolButtons.set(tool, button);
      tools.append(button);
    }

    this.scenarioLabel = el("label", { class: "analysis-field-label", for: "analysis-scenario" });
    this.scenarioSelect = el("select", { id: "analysis-scenario", class: "analysis-select", "data-testid": "analysis-scenario" });
    this.scenarioSelect.addEventListener("change", () => actions.setScenario(this.scenarioSelect.value === "" ? null : this.scenarioSelect.value));
    this.scenarioNote = el("p", { class: "analysis-note", "data-testid": "analysis-scenario-note", hidden: true });

    this.step = el("p", { class: "analysis-step", "data-testid": "analysis-step", role: "status" });
    this.clicksList = el("ul", { class: "analysis-clicks", "data-testid": "analysis-clicks" });

    this.corridorForm = this.form("corridor", [
      this.numberField("corridor.targetHeight", "analysis.form.targetHeight"),
      this.numberField("corridor.eyeHeight", "analysis.form.eyeHeight"),
      this.numberField("corridor.halfWidth", "analysis.form.halfWidth"),
      this.selectField("corridor.kind", "analysis.form.threshold", ["plane", "clearance"]),
      this.numberField("corridor.clearance", "analysis.form.clearance"),
    ]);
    this.sunlightForm = this.form("sunlight", [
      this.textField("sunlight.date", "analysis.form.date", "date"),
      this.textField("sunlight.start", "analysis.form.windowStart", "time"),
      this.textField("sunlight.end", "analysis.form.windowEnd", "time"),
      this.numberField("sunlight.requiredHours", "analysis.form.requiredHours"),
    ]);

    this.sideRow = el("div", { class: "analysis-side", role: "group", "data-testid": "analysis-side", hidden: true });
    this.resultSection = el("section", { class: "analysis-result", "data-testid": "analysis-result", hidden: true, "aria-live": "polite" });
    this.clearButton = el("button", { type: "button", class: "button button-small", "data-testid": "analysis-clear" });
    this.clearButton.addEventListener("click", () => actions.clear());

    this.element = el(
      "aside",
      { class: "analysis", "data-testid": "analysis-panel", hidden: true },
      el("header", { class: "analysis-header" }, this.heading, this.closeButton),
      el(
        "div",
        { class: "analysis-body" },
        this.toolsLabel,
        tools,
        el("div", { class: "analysis-scenario-row" }, this.scenarioLabel, this.scenarioSelect),
        this.scenarioNote,
        this.step,
        this.clicksList,
        this.corridorForm,
        this.sunlightForm,
        this.sideRow,
        this.resultSection,
        el("div", { class: "analysis-actions" }, this.clearButton),
      ),
    );
    lang.onChange(() => {
      if (this.view !== null) {
        this.render(this.view);
      }
    });
  }

  get isOpen(): boolean {
    return !this.element.hidden;
  }

  show(): void {
    this.element.hidden = false;
  }

  hide(): void {
    this.element.hidden = true;
  }

  private t(key: AnalysisKey, params: Params = {}): string {
    return analysisText(this.lang.lang, key, params);
  }

  // -- form building ----------------------------------------------------------------

  private form(tool: Tool, fields: Field[]): HTMLElement {
    const run = el("button", { type: "button", class: "button button-primary button-small", "data-testid": `analysis-run-${tool}` });
    run.addEventListener("click", () => this.actions.submit());
    this.runButtons.push(run);
    const form = el("form", { class: "analysis-form", "data-testid": `analysis-${tool}-form`, hidden: true, novalidate: true });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.actions.submit();
    });
    for (const field of fields) {
      form.append(field.row);
    }
    form.append(el("div", { class: "analysis-form-actions" }, run));
    return form;
  }

  private addField(field: FormField, labelKey: AnalysisKey, input: HTMLInputElement | HTMLSelectElement): Field {
    const id = `analysis-${field.replace(".", "-")}`;
    input.id = id;
    input.dataset["testid"] = id;
    input.dataset["field"] = field;
    const label = el("label", { class: "analysis-field-label", for: id });
    const row = el("div", { class: "analysis-field" }, label, input);
    const entry = { field, label, input, labelKey, row };
    const changed = (): void => this.actions.setField(field, input.value);
    input.addEventListener("input", changed);
    input.addEventListener("change", changed);
    this.fields.push(entry);
    return entry;
  }

  private numberField(field: FormField, labelKey: AnalysisKey): Field {
    return this.addField(field, labelKey, el("input", { type: "text", inputmode: "decimal", class: "analysis-input", autocomplete: "off" }));
  }

  private textField(field: FormField, labelKey: AnalysisKey, type: "date" | "time"): Field {
    return this.addField(field, labelKey, el("input", { type, class: "analysis-input", autocomplete: "off" }));
  }

  private selectField(field: FormField, labelKey: AnalysisKey, options: readonly string[]): Field {
    const select = el("select", { class: "analysis-select" });
    for (const value of options) {
      select.append(el("option", { value }));
    }
    return this.addField(field, labelKey, select);
  }

  // -- rendering --------------------------------------------------------------------

  render(view: AnalysisView): void {
    this.view = view;
    this.heading.textContent = this.t("analysis.heading");
    this.closeButton.title = this.t("analysis.close");
    this.closeButton.setAttribute("aria-label", this.t("analysis.close"));
    this.toolsLabel.textContent = this.t("analysis.tools");
    for (const [tool, button] of this.toolButtons) {
      button.textContent = this.t(`analysis.tool.${tool}`);
      button.title = this.t(`analysis.toolTitle.${tool}`);
      button.setAttribute("aria-pressed", String(view.tool === tool));
    }
    this.element.dataset["tool"] = view.tool ?? "";
    this.element.dataset["phase"] = view.phase;
    this.renderScenario(view);
    this.renderStep(view);
    this.renderClicks(view);
    this.renderForms(view);
    this.renderSide(view);
    this.renderResult(view);
    this.clearButton.textContent = this.t("analysis.clear");
    this.clearButton.hidden = view.result === null && view.clicks.length === 0;
  }

  private renderScenario(view: AnalysisView): void {
    this.scenarioLabel.textContent = this.t("analysis.scenario");
    this.scenarioSelect.title = this.t("analysis.scenarioTitle");
    const options = [el("option", { value: "" }, this.t("analysis.scenarioNone"))];
    for (const layer of view.proposals) {
      options.push(el("option", { value: layer.id, title: layer.id }, layer.title === layer.id ? layer.id : `${layer.title}（${layer.id}）`));
    }
    replaceChildren(this.scenarioSelect, ...options);
    this.scenarioSelect.value = view.scenarioLayer ?? "";
    this.scenarioSelect.disabled = view.proposals.length === 0;
    this.scenarioNote.hidden = view.scenarioFromReview === null;
    this.scenarioNote.textContent = view.scenarioFromReview === null ? "" : this.t("analysis.scenarioFromReview", { submission: view.scenarioFromReview });
  }

  private renderStep(view: AnalysisView): void {
    const step = this.step;
    step.className = "analysis-step";
    delete step.dataset["status"];
    let text: string;
    if (view.phase === "running") {
      text = this.t("analysis.running");
      step.dataset["status"] = "running";
    } else if (view.phase === "failed" && view.failure !== null) {
      const failure = view.failure;
      const reason =
        failure.kind === "server" ? failure.text : this.t(failure.kind === "network" ? "analysis.failedNetwork" : "analysis.failedBadResponse");
      text = this.t("analysis.failed", { reason });
      step.dataset["status"] = "failed";
      step.classList.add("analysis-step-error");
    } else if (view.notice !== null) {
      text = this.t(view.notice === "notABuilding" ? "analysis.notABuilding" : "analysis.noPosition");
      step.dataset["status"] = "notice";
      step.classList.add("analysis-step-error");
    } else if (view.tool === null) {
      text = this.t("analysis.step.idle");
    } else {
      text = this.stepText(view.tool, view);
    }
    step.textContent = text;
    step.setAttribute("data-testid", "analysis-step");
    if (view.phase === "failed") {
      step.setAttribute("data-error", "true");
    } else {
      step.removeAttribute("data-error");
    }
  }

  private stepText(tool: Tool, view: AnalysisView): string {
    const n = view.clicks.length;
    switch (tool) {
      case "sightline":
        return this.t(n === 1 ? "analysis.step.sightline.1" : "analysis.step.sightline.0");
      case "corridor":
        return this.t(n === 0 ? "analysis.step.corridor.0" : n === 1 ? "analysis.step.corridor.1" : view.result === null ? "analysis.step.corridor.2" : "analysis.step.corridor.0");
      case "sunlight":
        return this.t(view.phase === "form" ? "analysis.step.sunlight.1" : "analysis.step.sunlight.0");
    }
  }

  private renderClicks(view: AnalysisView): void {
    const tool = view.tool;
    const items: HTMLElement[] = [];
    if (tool !== null) {
      view.clicks.forEach((click, index) => {
        const labelKey = CLICK_LABELS[tool][index];
        if (labelKey === undefined) {
          return;
        }
        const value = tool === "sunlight" ? (click.featureId ?? "—") : pointText(this.lang.lang, click.point);
        items.push(el("li", { "data-index": index }, el("span", { class: "analysis-click-label" }, this.t(labelKey)), el("span", { class: "analysis-click-value" }, value)));
      });
    }
    replaceChildren(this.clicksList, ...items);
    this.clicksList.hidden = items.length === 0;
  }

  private renderForms(view: AnalysisView): void {
    this.corridorForm.hidden = !(view.tool === "corridor" && view.clicks.length >= 2);
    this.sunlightForm.hidden = view.tool !== "sunlight";
    for (const button of this.runButtons) {
      button.textContent = this.t("analysis.run");
      button.disabled = view.phase === "running" || (view.tool === "sunlight" && view.clicks.length === 0);
    }
    for (const field of this.fields) {
      field.label.textContent = this.t(field.labelKey);
      const [form, name] = field.field.split(".") as ["corridor" | "sunlight", string];
      const values = (form === "corridor" ? view.corridor : view.sunlight) as unknown as Record<string, string>;
      const value = values[name] ?? "";
      if (field.input instanceof HTMLSelectElement) {
        for (const option of Array.from(field.input.options)) {
          option.textContent = this.t(option.value === "clearance" ? "analysis.form.threshold.clearance" : "analysis.form.threshold.plane");
        }
      }
      if (document.activeElement !== field.input && field.input.value !== value) {
        field.input.value = value;
      }
      const invalid = view.invalidField === field.field;
      field.row.classList.toggle("analysis-field-invalid", invalid);
      field.input.setAttribute("aria-invalid", String(invalid));
      if (field.field === "corridor.clearance") {
        field.row.hidden = view.corridor.kind !== "clearance";
      }
    }
  }

  private renderSide(view: AnalysisView): void {
    const result = view.result;
    const compared = result !== null && result.data.before !== null;
    this.sideRow.hidden = !compared;
    if (!compared || result === null) {
      replaceChildren(this.sideRow);
      return;
    }
    const buttons = (["before", "after"] as const).map((side) => {
      const button = el(
        "button",
        {
          type: "button",
          class: "button button-small analysis-side-button",
          "data-testid": `analysis-side-${side}`,
          "aria-pressed": String(view.side === side),
          title: this.t(`analysis.sideTitle.${side}`),
        },
        this.t(`analysis.side.${side}`),
      );
      button.addEventListener("click", () => this.actions.setSide(side));
      return button;
    });
    const note = el(
      "span",
      { class: "analysis-compare-note", "data-testid": "analysis-compare-note" },
      this.t("analysis.compareNote", { before: this.verdict(result, "before"), after: this.verdict(result, "after") }),
    );
    replaceChildren(this.sideRow, el("span", { class: "analysis-side-label" }, this.t("analysis.side")), ...buttons, note);
  }

  private verdict(result: AnalysisResult, side: Side): string {
    const lang = this.lang.lang;
    switch (result.tool) {
      case "sightline":
        return sightlineVerdict(lang, chosen(result.data, side));
      case "corridor":
        return corridorVerdict(lang, chosen(result.data, side));
      case "sunlight":
        return sunlightVerdict(lang, chosen(result.data, side));
    }
  }

  private renderResult(view: AnalysisView): void {
    const result = view.result;
    const section = this.resultSection;
    section.hidden = result === null;
    if (result === null) {
      replaceChildren(section);
      delete section.dataset["tool"];
      return;
    }
    section.dataset["tool"] = result.tool;
    section.dataset["side"] = result.data.before === null ? "only" : view.side;
    switch (result.tool) {
      case "sightline":
        this.renderSightline(result.data, view.side);
        return;
      case "corridor":
        this.renderCorridor(result.data, view);
        return;
      case "sunlight":
        this.renderSunlight(result.data, view.side);
        return;
    }
  }

  private chip(text: string, status: string): HTMLElement {
    return el("span", { class: "analysis-chip", "data-status": status, "data-testid": "analysis-verdict" }, text);
  }

  private table(testId: string, head: readonly string[], numeric: readonly boolean[], rows: HTMLElement[]): HTMLElement {
    const headRow = el("tr");
    head.forEach((label, i) => headRow.append(el("th", { scope: "col", class: numeric[i] ? "analysis-num" : undefined }, label)));
    return el(
      "div",
      { class: "analysis-scroll" },
      el("table", { class: "analysis-table", "data-testid": testId }, el("thead", {}, headRow), el("tbody", {}, ...rows)),
    );
  }

  private renderSightline(data: Extract<AnalysisResult, { tool: "sightline" }>["data"], side: Side): void {
    const lang = this.lang.lang;
    const run = chosen(data, side);
    const parts: Node[] = [
      el(
        "div",
        { class: "analysis-result-head" },
        this.chip(sightlineVerdict(lang, run), run.visible ? "pass" : "fail"),
        el("span", { class: "analysis-muted", "data-testid": "analysis-distance" }, this.t("analysis.sightline.distance", { distance: metresText(lang, run.distanceM) })),
      ),
    ];
    if (run.obstructions.length === 0) {
      parts.push(el("p", { class: "analysis-note" }, this.t("analysis.sightline.none")));
    } else {
      const rows = obstructionRows(lang, run.obstructions).map((row) =>
        el(
          "tr",
          { "data-feature": row.featureId, "data-layer": row.layer, "data-first": row.first ? "true" : undefined, class: row.first ? "analysis-row-first" : undefined },
          el("td", { class: "analysis-id", title: row.featureId }, row.featureId),
          el("td", {}, row.layer),
          el("td", { class: "analysis-num" }, row.distance),
        ),
      );
      parts.push(
        el("h4", { class: "section-label" }, this.t("analysis.sightline.obstructions", { count: run.obstructions.length })),
        this.table("analysis-obstructions", [this.t("analysis.col.feature"), this.t("analysis.col.layer"), this.t("analysis.col.distance")], [false, false, true], rows),
      );
    }
    replaceChildren(this.resultSection, ...parts);
  }

  private legend(testId: string, title: string, gradient: readonly string[], stops: readonly LegendStop[]): HTMLElement {
    return el(
      "div",
      { class: "analysis-legend", "data-testid": testId },
      el("span", { class: "analysis-legend-title" }, title),
      el("span", { class: "analysis-legend-bar", style: `background: ${legendGradient(gradient)}` }),
      el("span", { class: "analysis-legend-labels" }, ...stops.map((s) => el("span", {}, s.label))),
    );
  }

  private renderCorridor(data: Extract<AnalysisResult, { tool: "corridor" }>["data"], view: AnalysisView): void {
    const lang = this.lang.lang;
    const intrusions = chosen(data, view.side);
    const head = el("div", { class: "analysis-result-head" }, this.chip(corridorVerdict(lang, intrusions), intrusions.length === 0 ? "pass" : "fail"));
    if (data.cellM !== null) {
      head.append(el("span", { class: "analysis-muted" }, this.t("analysis.corridor.cell", { cell: metresText(lang, data.cellM) })));
    }
    const parts: Node[] = [head];
    if (intrusions.length === 0) {
      parts.push(el("p", { class: "analysis-note" }, this.t("analysis.corridor.none")));
    } else {
      const rows = intrusionRows(lang, intrusions).map((row) =>
        el(
          "tr",
          { "data-feature": row.featureId, "data-layer": row.layer },
          el("td", { class: "analysis-id", title: row.featureId }, el("span", { class: "analysis-swatch", style: `background: ${row.colour}` }), row.featureId),
          el("td", { class: "analysis-num" }, row.maxIntrusion),
          el("td", { class: "analysis-num" }, row.volume),
        ),
      );
      parts.push(
        el("h4", { class: "section-label" }, this.t("analysis.corridor.intrusions", { count: intrusions.length })),
        this.table("analysis-intrusions", [this.t("analysis.col.feature"), this.t("analysis.col.maxIntrusion"), this.t("analysis.col.volume")], [false, true, true], rows),
        this.legend("analysis-intrusion-legend", this.t("analysis.corridor.legend"), INTRUSION_STOPS, intrusionLegend(lang)),
      );
    }
    const map = data.maxHeight;
    if (map !== null) {
      const overlay = el("input", { type: "checkbox", id: "analysis-overlay", "data-testid": "analysis-overlay" });
      overlay.checked = view.overlay;
      overlay.addEventListener("change", () => this.actions.setOverlay(overlay.checked));
      parts.push(
        el(
          "div",
          { class: "analysis-map" },
          el(
            "a",
            {
              class: "button button-small",
              href: map.tif,
              download: `corridor-${data.id || "max-height"}-max-height.tif`,
              "data-testid": "analysis-tif",
              title: this.t("analysis.corridor.tifTitle"),
            },
            this.t("analysis.corridor.tif"),
          ),
          el("label", { class: "analysis-check", for: "analysis-overlay" }, overlay, this.t("analysis.corridor.overlay")),
        ),
      );
    }
    replaceChildren(this.resultSection, ...parts);
  }

  private renderSunlight(data: Extract<AnalysisResult, { tool: "sunlight" }>["data"], side: Side): void {
    const lang = this.lang.lang;
    const run = chosen(data, side);
    const summary = sunSummaryView(lang, run);
    const required = data.requiredHours;
    const requiredText = required === null ? "—" : new Intl.NumberFormat(lang, { maximumFractionDigits: 2 }).format(required);
    const row = (key: string, label: string, value: string): HTMLElement =>
      el("tr", { "data-key": key }, el("th", { scope: "row" }, label), el("td", { class: "analysis-num" }, value));
    const parts: Node[] = [
      el("div", { class: "analysis-result-head" }, this.chip(summary.verdict, summary.passed ? "pass" : "fail")),
      el(
        "p",
        { class: "analysis-muted", "data-testid": "analysis-sun-date" },
        this.t("analysis.sunlight.date", { date: data.date, start: data.window[0], end: data.window[1], step: data.stepMin }),
      ),
      el(
        "table",
        { class: "analysis-table analysis-facts", "data-testid": "analysis-sun-summary" },
        el(
          "tbody",
          {},
          row("count", this.t("analysis.sunlight.count"), summary.count),
          row("passing", this.t("analysis.sunlight.passing", { hours: requiredText }), summary.passing),
          row("failing", this.t("analysis.sunlight.failing", { hours: requiredText }), summary.failing),
          row("range", this.t("analysis.sunlight.range"), summary.range),
        ),
      ),
      this.legend("analysis-sun-legend", this.t("analysis.sunlight.legend"), HOURS_STOPS, hoursLegend(lang, required)),
    ];
    if (required !== null) {
      parts.push(el("p", { class: "analysis-note" }, `${this.t("analysis.form.requiredHours")}: ${hoursText(lang, required)}`));
    }
    replaceChildren(this.resultSection, ...parts);
  }
}
