// The part of a layer-tree entry that only BIM layers have: where the model
// came from (schema, file, CRS), its georeferencing warnings, the storeys to
// isolate (or all) and the switch for spaces (IfcSpace).

import type { Storey } from "../bim-api";
import { formatNumber, translateGeorefSource } from "../i18n";
import type { LayerMetadata } from "../layer-metadata";
import type { StoreyFilter } from "../storey-style";
import { el, replaceChildren } from "./dom";
import type { LangStore } from "./lang";

export interface BimLayerActions {
  /** Show only this storey (null: every storey). */
  isolate(layerId: string, storeyId: string | null): void;
  /** Show or hide the spaces. */
  spaces(layerId: string, visible: boolean): void;
}

export type StoreyList =
  | { readonly kind: "none" }
  | { readonly kind: "loading" }
  | { readonly kind: "failed" }
  | { readonly kind: "ready"; readonly storeys: readonly Storey[] };

export class BimLayerPanel {
  readonly element: HTMLElement;
  private readonly lang: LangStore;
  private readonly layerId: string;
  private readonly metadata: LayerMetadata;
  private readonly actions: BimLayerActions;
  private readonly radioName: string;
  private readonly meta: HTMLParagraphElement;
  private readonly warnings: HTMLDetailsElement;
  private readonly warningsSummary: HTMLElement;
  private readonly warningsList: HTMLUListElement;
  private readonly storeyBox: HTMLFieldSetElement;
  private readonly storeyLegend: HTMLLegendElement;
  private readonly storeyNote: HTMLParagraphElement;
  private readonly storeyList: HTMLDivElement;
  private readonly spaces: HTMLInputElement;
  private readonly spacesLabel: HTMLSpanElement;
  private radios: HTMLInputElement[] = [];
  private storeys: StoreyList = { kind: "loading" };
  private filter: StoreyFilter = { storeyId: null, showSpaces: true };
  private enabled = false;

  /** `index` makes element ids unique on the page. */
  constructor(lang: LangStore, layerId: string, index: number, metadata: LayerMetadata, actions: BimLayerActions) {
    this.lang = lang;
    this.layerId = layerId;
    this.metadata = metadata;
    this.actions = actions;
    this.radioName = `storey-${index}`;
    this.meta = el("p", { class: "bim-meta" });
    this.warningsSummary = el("summary", { class: "georef-summary" });
    this.warningsList = el("ul", { class: "georef-list" });
    this.warnings = el(
      "details",
      { class: "georef-warnings", "data-testid": `georef-warnings-${layerId}` },
      this.warningsSummary,
      this.warningsList,
    );
    this.storeyLegend = el("legend", { class: "section-label" });
    this.storeyNote = el("p", { class: "bim-note" });
    this.storeyList = el("div", { class: "storey-list", role: "radiogroup" });
    this.spaces = el("input", { type: "checkbox", class: "layer-toggle", "data-testid": `spaces-toggle-${layerId}` });
    this.spaces.addEventListener("change", () => this.actions.spaces(this.layerId, this.spaces.checked));
    this.spacesLabel = el("span");
    this.storeyBox = el(
      "fieldset",
      { class: "storeys", "data-testid": `storey-list-${layerId}` },
      this.storeyLegend,
      this.storeyNote,
      this.storeyList,
      el("label", { class: "bim-option spaces-option" }, this.spaces, this.spacesLabel),
    );
    this.element = el("div", { class: "bim-layer" }, this.meta, this.warnings, this.storeyBox);
    this.render();
  }

  setStoreys(storeys: StoreyList): void {
    this.storeys = storeys;
    this.render();
  }

  setFilter(filter: StoreyFilter): void {
    this.filter = filter;
    this.syncInputs();
  }

  /** Controls work only while the layer's tileset is in the scene. */
  setEnabled(enabled: boolean): void {
    if (enabled !== this.enabled) {
      this.enabled = enabled;
      this.syncInputs();
    }
  }

  render(): void {
    this.renderMeta();
    this.renderWarnings();
    this.renderStoreys();
  }

  private renderMeta(): void {
    const t = this.lang.t.bind(this.lang);
    const { schema, sourceFile, georeference } = this.metadata;
    const parts: Array<[string, string]> = [];
    if (sourceFile !== null) {
      parts.push([t("bim.sourceFile"), sourceFile]);
    }
    if (schema !== null) {
      parts.push([t("bim.schema"), schema]);
    }
    const crs = georeference?.crs ?? null;
    if (crs !== null) {
      parts.push([t("bim.crs"), crs]);
    }
    const source = georeference?.source ?? null;
    if (source !== null) {
      parts.push([t("bim.georefSource"), translateGeorefSource(this.lang.lang, source)]);
    }
    const nodes: Node[] = [];
    for (const [label, value] of parts) {
      if (nodes.length > 0) {
        nodes.push(document.createTextNode(" · "));
      }
      nodes.push(el("span", { title: label, "aria-label": `${label}: ${value}` }, value));
    }
    if (georeference === null) {
      if (nodes.length > 0) {
        nodes.push(document.createTextNode(" · "));
      }
      nodes.push(el("span", { class: "bim-unreferenced" }, t("bim.notGeoreferenced")));
    }
    replaceChildren(this.meta, ...nodes);
    this.meta.hidden = nodes.length === 0;
  }

  private renderWarnings(): void {
    const warnings = this.metadata.georeference?.warnings ?? [];
    this.warnings.hidden = warnings.length === 0;
    this.warnings.dataset["count"] = String(warnings.length);
    const title = this.lang.t("bim.georefWarningsTitle");
    this.warningsSummary.title = [title, ...warnings.map((w) => `• ${w}`)].join("\n");
    replaceChildren(
      this.warningsSummary,
      el("span", { class: "georef-icon", "aria-hidden": "true" }, "⚠"),
      this.lang.t("bim.georefWarnings", { count: warnings.length }),
    );
    replaceChildren(this.warningsList, ...warnings.map((warning) => el("li", {}, warning)));
  }

  /** Checked and enabled states only: the inputs stay, so keyboard focus is kept. */
  private syncInputs(): void {
    for (const radio of this.radios) {
      radio.checked = radio.value === (this.filter.storeyId ?? "");
      radio.disabled = !this.enabled;
    }
    this.spaces.checked = this.filter.showSpaces;
    this.spaces.disabled = !this.enabled;
  }

  private radio(storeyId: string | null, label: Node | string, title: string, testId: string): HTMLLabelElement {
    const input = el("input", {
      type: "radio",
      name: this.radioName,
      value: storeyId ?? "",
      "data-testid": testId,
    });
    this.radios.push(input);
    input.addEventListener("change", () => {
      if (input.checked) {
        this.actions.isolate(this.layerId, storeyId);
      }
    });
    const item = el("label", { class: "bim-option storey-option", title }, input, label);
    if (storeyId !== null) {
      item.dataset["storeyId"] = storeyId;
    }
    return item;
  }

  private renderStoreys(): void {
    const t = this.lang.t.bind(this.lang);
    const list = this.storeys;
    this.storeyBox.hidden = list.kind === "none";
    this.storeyLegend.textContent = t("bim.storeys");
    const note =
      list.kind === "loading"
        ? t("bim.storeysLoading")
        : list.kind === "failed"
          ? t("bim.storeysFailed")
          : list.kind === "ready" && list.storeys.length === 0
            ? t("bim.storeysEmpty")
            : null;
    this.storeyNote.hidden = note === null;
    this.storeyNote.textContent = note ?? "";
    this.storeyNote.dataset["level"] = list.kind === "failed" ? "error" : "info";
    const storeys = list.kind === "ready" ? list.storeys : [];
    const items: HTMLElement[] = [];
    this.radios = [];
    if (storeys.length > 0) {
      items.push(this.radio(null, t("bim.allStoreys"), t("bim.allStoreysTitle"), `storey-all-${this.layerId}`));
    }
    for (const storey of storeys) {
      const label = el("span", {}, el("span", { class: "storey-name" }, storey.name));
      if (storey.elevation !== null) {
        const elevation = formatNumber(this.lang.lang, storey.elevation, 2);
        label.append(" ", el("span", { class: "storey-elevation" }, t("bim.storeyElevation", { elevation })));
      }
      items.push(this.radio(storey.id, label, t("bim.isolateTitle", { name: storey.name }), `storey-${this.layerId}-${storey.id}`));
    }
    replaceChildren(this.storeyList, ...items);
    this.syncInputs();
    this.spacesLabel.textContent = t("bim.spaces");
    this.spaces.parentElement?.setAttribute("title", t("bim.spacesTitle"));
  }
}
