// The review panel (data-testid="review-panel"), floating over the left of the
// scene: the list of submissions (project, version, state, result) and, for the
// one selected, its version switch, BCF download, indicators, floor areas per
// storey, planning conditions and IDS specifications. A failure's "show" button
// asks for its elements to be highlighted. Plain DOM; every text is rendered
// from the state kept here, so a language switch re-renders in place.

import { type Submission, type SubmissionSummary, bcfUrl } from "../review-api";
import {
  diffText,
  idsRows,
  indicatorRows,
  resultLabel,
  ruleRows,
  shownState,
  stateLabel,
  storeyRows,
} from "../review-format";
import type { ReviewKey } from "../review-i18n";
import { el, replaceChildren } from "./dom";
import type { LangStore } from "./lang";

export type ListState =
  | { readonly kind: "loading" }
  | { readonly kind: "failed" }
  | { readonly kind: "ready"; readonly items: readonly SubmissionSummary[] };

export type DetailState =
  | { readonly kind: "none" }
  | { readonly kind: "loading"; readonly id: string }
  | { readonly kind: "notFound"; readonly id: string }
  | { readonly kind: "failed"; readonly id: string }
  | {
      readonly kind: "ready";
      readonly submission: Submission;
      /** The project's versions, oldest first (this one included). */
      readonly versions: readonly SubmissionSummary[];
      /** Whether its layer is in the scene (a layer published after the page opened is not). */
      readonly layerLoaded: boolean;
    };

/** A failure whose elements are shown: a rule ("rule:max_height_m") or an IDS specification ("ids:0"). */
export interface FocusState {
  readonly key: string;
  readonly status: "locating" | "done" | "failed";
  readonly count: number;
  readonly missing: number;
}

export interface ReviewPanelActions {
  close(): void;
  select(id: string): void;
  locate(key: string, elements: readonly string[]): void;
  clearFocus(): void;
}

function statusChip(text: string, status: string, testId?: string): HTMLElement {
  return el("span", { class: "review-chip", "data-status": status, "data-testid": testId }, text);
}

function resultStatus(passed: boolean | null): string {
  return passed === null ? "none" : passed ? "pass" : "fail";
}

export class ReviewPanel {
  readonly element: HTMLElement;
  private readonly heading: HTMLHeadingElement;
  private readonly closeButton: HTMLButtonElement;
  private readonly listSection: HTMLElement;
  private readonly detailSection: HTMLElement;
  private readonly lang: LangStore;
  private readonly actions: ReviewPanelActions;
  private list: ListState = { kind: "loading" };
  private detail: DetailState = { kind: "none" };
  private focus: FocusState | null = null;

  constructor(lang: LangStore, actions: ReviewPanelActions) {
    this.lang = lang;
    this.actions = actions;
    this.heading = el("h2", { class: "review-heading" });
    this.closeButton = el("button", { type: "button", class: "icon-button", "data-testid": "review-close" }, "×");
    this.closeButton.addEventListener("click", () => actions.close());
    this.listSection = el("section", { class: "review-list-section" });
    this.detailSection = el("section", { class: "review-detail", "data-testid": "review-detail" });
    this.element = el(
      "aside",
      { class: "review", "data-testid": "review-panel", hidden: true, "aria-live": "polite" },
      el("header", { class: "review-header" }, this.heading, this.closeButton),
      el("div", { class: "review-body" }, this.listSection, this.detailSection),
    );
    lang.onChange(() => this.render());
    this.render();
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

  setList(list: ListState): void {
    this.list = list;
    this.renderList();
  }

  setDetail(detail: DetailState): void {
    this.detail = detail;
    this.render();
  }

  setFocus(focus: FocusState | null): void {
    this.focus = focus;
    this.renderDetail();
  }

  private t(key: ReviewKey, params: Readonly<Record<string, string | number>> = {}): string {
    return this.lang.t(key, params);
  }

  private render(): void {
    this.heading.textContent = this.t("review.heading");
    this.closeButton.title = this.t("review.close");
    this.closeButton.setAttribute("aria-label", this.t("review.close"));
    this.renderList();
    this.renderDetail();
  }

  private selectedId(): string | null {
    return this.detail.kind === "none" ? null : this.detail.kind === "ready" ? this.detail.submission.id : this.detail.id;
  }

  private renderList(): void {
    const lang = this.lang.lang;
    const label = el("h3", { class: "section-label" }, this.t("review.list"));
    const list = this.list;
    if (list.kind !== "ready") {
      const key = list.kind === "loading" ? "review.listLoading" : "review.listFailed";
      replaceChildren(this.listSection, label, el("p", { class: `review-note${list.kind === "failed" ? " review-note-error" : ""}` }, this.t(key)));
      return;
    }
    if (list.items.length === 0) {
      replaceChildren(this.listSection, label, el("p", { class: "review-note" }, this.t("review.listEmpty")));
      return;
    }
    const selected = this.selectedId();
    const head = el(
      "tr",
      {},
      el("th", { scope: "col" }, this.t("review.col.project")),
      el("th", { scope: "col" }, this.t("review.col.version")),
      el("th", { scope: "col" }, this.t("review.col.state")),
      el("th", { scope: "col" }, this.t("review.col.result")),
    );
    const body = el("tbody");
    for (const item of list.items) {
      const row = el(
        "tr",
        {
          class: "review-item",
          tabindex: 0,
          title: item.title,
          "data-testid": `review-item-${item.id}`,
          "data-state": shownState(item),
          "data-passed": resultStatus(item.passed),
          "aria-selected": item.id === selected ? "true" : "false",
        },
        el("td", {}, item.project),
        el("td", {}, this.t("review.versionLabel", { version: item.version })),
        el("td", {}, statusChip(stateLabel(lang, item), shownState(item))),
        el("td", {}, statusChip(resultLabel(lang, item.passed), resultStatus(item.passed))),
      );
      row.addEventListener("click", () => this.actions.select(item.id));
      row.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          this.actions.select(item.id);
        }
      });
      body.append(row);
    }
    replaceChildren(
      this.listSection,
      label,
      el("div", { class: "review-scroll review-list-scroll" }, el("table", { class: "review-table review-list", "data-testid": "review-list" }, el("thead", {}, head), body)),
    );
  }

  private renderDetail(): void {
    const detail = this.detail;
    this.detailSection.hidden = detail.kind === "none";
    delete this.detailSection.dataset["id"];
    delete this.detailSection.dataset["state"];
    switch (detail.kind) {
      case "none":
        replaceChildren(this.detailSection);
        return;
      case "loading":
        replaceChildren(this.detailSection, el("p", { class: "review-note" }, this.t("review.loading")));
        return;
      case "notFound":
      case "failed":
        replaceChildren(
          this.detailSection,
          el(
            "p",
            { class: "review-note review-note-error", "data-testid": "review-error" },
            this.t(detail.kind === "notFound" ? "review.notFound" : "review.failed", { id: detail.id }),
          ),
        );
        return;
      case "ready":
        this.renderSubmission(detail.submission, detail.versions, detail.layerLoaded);
        return;
    }
  }

  private renderSubmission(sub: Submission, versions: readonly SubmissionSummary[], layerLoaded: boolean): void {
    const lang = this.lang.lang;
    const state = shownState(sub);
    this.detailSection.dataset["id"] = sub.id;
    this.detailSection.dataset["state"] = state;
    const parts: Node[] = [];

    parts.push(
      el(
        "div",
        { class: "review-title-row" },
        el("h3", { class: "review-title", "data-testid": "review-title" }, sub.title),
        el(
          "div",
          { class: "review-chips" },
          statusChip(stateLabel(lang, sub), state, "review-state"),
          statusChip(resultLabel(lang, sub.passed), resultStatus(sub.passed), "review-result"),
        ),
      ),
    );
    parts.push(this.versionSwitch(sub, versions), this.bcfLink(sub));

    if (state === "checking") {
      parts.push(el("p", { class: "review-note review-note-busy", "data-testid": "review-status-note" }, this.t("review.checkingNote")));
    } else if (state === "checkError") {
      parts.push(
        el(
          "p",
          { class: "review-note review-note-error", "data-testid": "review-status-note" },
          this.t("review.checkErrorNote", { error: sub.checkError ?? "" }),
        ),
      );
    }
    if (sub.layer !== null && !layerLoaded && state !== "checking") {
      parts.push(el("p", { class: "review-note", "data-testid": "review-layer-missing" }, this.t("review.layerMissing", { layer: sub.layer })));
    }

    const report = sub.report;
    if (report === null) {
      if (state !== "checking" && state !== "checkError") {
        parts.push(el("p", { class: "review-note" }, this.t("review.noReport")));
      }
      replaceChildren(this.detailSection, ...parts);
      return;
    }
    if (report.passed !== null) {
      parts.push(
        el(
          "p",
          { class: "review-overall", "data-status": report.passed ? "pass" : "fail", "data-testid": "review-overall" },
          this.t(report.passed ? "review.overall.pass" : "review.overall.fail"),
        ),
      );
    }
    const diff = diffText(lang, sub.diffCounts);
    if (diff !== null) {
      parts.push(el("p", { class: "review-note", "data-testid": "review-diff" }, diff));
    }
    parts.push(this.focusLine());
    parts.push(this.rulesSection(sub), this.idsSection(sub));
    if (report.indicators !== null) {
      parts.push(this.indicatorsSection(sub), this.storeysSection(sub));
    }
    replaceChildren(this.detailSection, ...parts);
  }

  private versionSwitch(sub: Submission, versions: readonly SubmissionSummary[]): HTMLElement {
    const group = el("div", { class: "review-versions", role: "group", "data-testid": "review-versions", "aria-label": this.t("review.versions") });
    group.append(el("span", { class: "review-versions-label" }, this.t("review.versions")));
    for (const version of versions) {
      const current = version.id === sub.id;
      const button = el(
        "button",
        {
          type: "button",
          class: "button button-small review-version",
          "data-testid": `review-version-${version.id}`,
          "aria-pressed": current ? "true" : "false",
          "data-state": shownState(version),
          title: this.t("review.versionTitle", { version: version.version }),
        },
        this.t("review.versionLabel", { version: version.version }),
      );
      button.addEventListener("click", () => {
        if (!current) {
          this.actions.select(version.id);
        }
      });
      group.append(button);
    }
    return group;
  }

  private bcfLink(sub: Submission): HTMLElement {
    if (!sub.hasBcf) {
      return el("p", { class: "review-bcf review-bcf-none", "data-testid": "review-bcf-none" }, this.t("review.noBcf"));
    }
    return el(
      "p",
      { class: "review-bcf" },
      el(
        "a",
        { class: "button button-small", href: bcfUrl(sub.id), download: `${sub.id}-review.bcfzip`, "data-testid": "review-bcf", title: this.t("review.bcfTitle") },
        this.t("review.bcf"),
      ),
    );
  }

  private focusLine(): HTMLElement {
    const focus = this.focus;
    const line = el("div", { class: "review-focus", "data-testid": "review-focus", hidden: focus === null });
    if (focus === null) {
      return line;
    }
    line.dataset["status"] = focus.status;
    line.dataset["key"] = focus.key;
    let text: string;
    if (focus.status === "failed") {
      text = this.t("review.locateFailed");
    } else if (focus.missing > 0) {
      text = this.t("review.locatedPartly", { count: focus.count, missing: focus.missing });
    } else {
      text = this.t("review.located", { count: focus.count });
    }
    const clear = el("button", { type: "button", class: "link-button", "data-testid": "review-clear-focus" }, this.t("review.clearFocus"));
    clear.addEventListener("click", () => this.actions.clearFocus());
    line.append(el("span", {}, text), clear);
    return line;
  }

  private locateButton(key: string, elements: readonly string[], testId: string): HTMLElement {
    if (elements.length === 0) {
      return el("span", { class: "review-muted" }, "—");
    }
    const active = this.focus?.key === key;
    const button = el(
      "button",
      {
        type: "button",
        class: `button button-small review-locate${active ? " review-locate-active" : ""}`,
        "data-testid": testId,
        "data-count": elements.length,
        "aria-pressed": active ? "true" : "false",
        title: this.t("review.locateTitle", { count: elements.length }),
      },
      `${this.t("review.locate")} (${elements.length})`,
    );
    button.addEventListener("click", () => this.actions.locate(key, elements));
    return button;
  }

  private section(titleKey: ReviewKey, testId: string, content: Node): HTMLElement {
    return el("section", { class: "review-section", "data-testid": `${testId}-section` }, el("h4", { class: "section-label" }, this.t(titleKey)), content);
  }

  private rulesSection(sub: Submission): HTMLElement {
    const rows = ruleRows(this.lang.lang, sub.report?.rules ?? []);
    if (rows.length === 0) {
      return this.section("review.rules", "review-rules", el("p", { class: "review-note" }, this.t("review.rulesEmpty")));
    }
    const body = el("tbody");
    for (const row of rows) {
      const key = `rule:${row.key}`;
      body.append(
        el(
          "tr",
          { "data-key": row.key, "data-status": row.status, class: this.focus?.key === key ? "review-row-focus" : undefined },
          el("th", { scope: "row", title: row.note === "—" ? row.key : `${row.key} · ${row.note}` }, row.label),
          el("td", { class: "review-num" }, row.value),
          el("td", { class: "review-num" }, row.limit),
          el("td", {}, statusChip(row.statusLabel, row.status)),
          el("td", {}, row.status === "fail" ? this.locateButton(key, row.elements, `review-rule-${row.key}`) : el("span", { class: "review-muted" }, "—")),
        ),
      );
    }
    const head = el(
      "tr",
      {},
      el("th", { scope: "col" }, this.t("review.col.rule")),
      el("th", { scope: "col", class: "review-num" }, this.t("review.col.measured")),
      el("th", { scope: "col", class: "review-num" }, this.t("review.col.limit")),
      el("th", { scope: "col" }, this.t("review.col.status")),
      el("th", { scope: "col" }, this.t("review.col.elements")),
    );
    return this.section("review.rules", "review-rules", el("table", { class: "review-table", "data-testid": "review-rules" }, el("thead", {}, head), body));
  }

  private idsSection(sub: Submission): HTMLElement {
    const rows = idsRows(this.lang.lang, sub.report?.ids ?? []);
    if (rows.length === 0) {
      return this.section("review.ids", "review-ids", el("p", { class: "review-note" }, this.t("review.idsEmpty")));
    }
    const body = el("tbody");
    for (const row of rows) {
      const key = `ids:${row.index}`;
      const tip = [row.description, ...row.reasons].filter((s) => s !== "").join("\n");
      body.append(
        el(
          "tr",
          { "data-index": row.index, "data-status": row.status, class: this.focus?.key === key ? "review-row-focus" : undefined },
          el("th", { scope: "row", title: tip === "" ? undefined : tip }, row.name),
          el("td", {}, statusChip(row.statusLabel, row.status)),
          el("td", { class: "review-num", "data-field": "applicable" }, row.applicable),
          el("td", { class: "review-num", "data-field": "failed" }, row.failedCount),
          el("td", {}, this.locateButton(key, row.elements, `review-ids-${row.index}`)),
        ),
      );
    }
    const head = el(
      "tr",
      {},
      el("th", { scope: "col" }, this.t("review.col.spec")),
      el("th", { scope: "col" }, this.t("review.col.status")),
      el("th", { scope: "col", class: "review-num" }, this.t("review.col.applicable")),
      el("th", { scope: "col", class: "review-num" }, this.t("review.col.failed")),
      el("th", { scope: "col" }, this.t("review.col.elements")),
    );
    return this.section("review.ids", "review-ids", el("table", { class: "review-table", "data-testid": "review-ids" }, el("thead", {}, head), body));
  }

  private indicatorsSection(sub: Submission): HTMLElement {
    const indicators = sub.report?.indicators;
    const body = el("tbody");
    for (const row of indicators ? indicatorRows(this.lang.lang, indicators) : []) {
      body.append(
        el(
          "tr",
          { "data-key": row.key },
          el("th", { scope: "row" }, row.label),
          el("td", {}, el("span", { class: "review-value" }, row.value), el("span", { class: "review-source" }, row.source)),
        ),
      );
    }
    return this.section("review.indicators", "review-indicators", el("table", { class: "review-table review-facts", "data-testid": "review-indicators" }, body));
  }

  private storeysSection(sub: Submission): HTMLElement {
    const indicators = sub.report?.indicators;
    const rows = indicators ? storeyRows(this.lang.lang, indicators) : [];
    const half = this.t("review.halfArea");
    const body = el("tbody");
    for (const row of rows) {
      const marks: Node[] = [];
      if (row.half) {
        marks.push(el("span", { class: "review-half", title: half, "aria-label": half, "data-testid": "review-half" }, "½"));
      }
      if (row.belowGround) {
        marks.push(el("span", { class: "review-below" }, this.t("review.belowGround")));
      }
      body.append(
        el(
          "tr",
          { "data-storey": row.id, "data-half": row.half ? "true" : "false" },
          el("th", { scope: "row" }, row.name, ...marks),
          el("td", { class: "review-num" }, row.elevation),
          el("td", { class: "review-num", title: row.heightSource }, row.height),
          el("td", { class: "review-num" }, el("span", { class: "review-value" }, row.area), el("span", { class: "review-source" }, row.source)),
          el("td", { class: "review-num" }, row.counted),
        ),
      );
    }
    const head = el(
      "tr",
      {},
      el("th", { scope: "col" }, this.t("review.col.storey")),
      el("th", { scope: "col", class: "review-num" }, this.t("review.col.elevation")),
      el("th", { scope: "col", class: "review-num" }, this.t("review.col.storeyHeight")),
      el("th", { scope: "col", class: "review-num" }, this.t("review.col.area")),
      el("th", { scope: "col", class: "review-num" }, this.t("review.col.counted")),
    );
    const table = el("table", { class: "review-table", "data-testid": "review-storeys" }, el("thead", {}, head), body);
    const legend = rows.some((r) => r.half) ? el("p", { class: "review-legend" }, el("span", { class: "review-half" }, "½"), ` ${half}`) : null;
    const content = el("div", {}, table);
    if (legend !== null) {
      content.append(legend);
    }
    return this.section("review.storeys", "review-storeys", content);
  }
}
