// The layer tree (data-testid="layer-tree"): per layer a visibility checkbox, an
// opacity slider, a "fly to" button, its feature count and its loading status;
// a BIM layer also its source, georeferencing warnings, storeys and spaces; a
// point cloud layer its colour mode. The terrain is listed first (see layer-kinds.ts).

import { formatNumber, translateKind } from "../i18n";
import { isPointCloudKind, isTerrainKind } from "../layer-kinds";
import { isBimKind } from "../layer-metadata";
import type { LayerState } from "../scene/layers";
import { type BimLayerActions, BimLayerPanel } from "./bim-layer";
import { el, replaceChildren } from "./dom";
import type { LangStore } from "./lang";
import { type PointLayerActions, PointLayerPanel } from "./point-layer";

export interface LayerTreeActions extends BimLayerActions, PointLayerActions {
  toggle(id: string, visible: boolean): void;
  opacity(id: string, opacity: number): void;
  fly(id: string): void;
}

interface Row {
  readonly state: LayerState;
  readonly item: HTMLLIElement;
  readonly toggle: HTMLInputElement;
  readonly opacity: HTMLInputElement;
  readonly opacityLabel: HTMLSpanElement;
  readonly opacityValue: HTMLOutputElement;
  readonly fly: HTMLButtonElement;
  readonly count: HTMLSpanElement;
  readonly kind: HTMLSpanElement | null;
  readonly status: HTMLSpanElement;
  readonly bim: BimLayerPanel | null;
  readonly points: PointLayerPanel | null;
}

export class LayerTree {
  readonly element: HTMLElement;
  private readonly heading: HTMLHeadingElement;
  private readonly list: HTMLUListElement;
  private readonly note: HTMLParagraphElement;
  private readonly lang: LangStore;
  private readonly actions: LayerTreeActions;
  private rows: Row[] = [];
  private noteKey: "layers.loading" | "layers.empty" | null = "layers.loading";

  constructor(lang: LangStore, actions: LayerTreeActions) {
    this.lang = lang;
    this.actions = actions;
    this.heading = el("h2", { class: "section-label" });
    this.list = el("ul", { class: "layer-list", "data-testid": "layer-tree" });
    this.note = el("p", { class: "layer-note" });
    this.element = el("section", { class: "layers" }, this.heading, this.note, this.list);
    lang.onChange(() => this.renderAll());
    this.renderAll();
  }

  /** Shows these layers (replacing any shown before). */
  setLayers(states: readonly LayerState[]): void {
    this.rows = states.map((state, index) => this.buildRow(state, index));
    replaceChildren(this.list, ...this.rows.map((row) => row.item));
    this.noteKey = states.length === 0 ? "layers.empty" : null;
    this.renderAll();
  }

  /** Hides the "loading" note without showing layers (the list could not be read). */
  clearNote(): void {
    this.noteKey = null;
    this.renderAll();
  }

  /** The BIM part of a layer's entry (undefined for other layers). */
  bimPanel(id: string): BimLayerPanel | undefined {
    return this.rows.find((r) => r.state.info.id === id)?.bim ?? undefined;
  }

  /** Re-renders one layer after its state changed. */
  update(state: LayerState): void {
    const row = this.rows.find((r) => r.state.info.id === state.info.id);
    if (row !== undefined) {
      this.renderRow(row);
    }
  }

  private buildRow(state: LayerState, index: number): Row {
    const id = state.info.id;
    const toggleId = `layer-toggle-${index}`;
    const opacityId = `layer-opacity-${index}`;
    const toggle = el("input", { type: "checkbox", id: toggleId, class: "layer-toggle", "data-testid": `layer-toggle-${id}` });
    const opacity = el("input", {
      type: "range",
      id: opacityId,
      min: 0,
      max: 100,
      step: 5,
      class: "layer-opacity",
      "data-testid": `layer-opacity-${id}`,
    });
    const opacityValue = el("output", { class: "layer-opacity-value", for: opacityId });
    const opacityLabel = el("span", { class: "layer-opacity-label" });
    const fly = el("button", { type: "button", class: "button button-small", "data-testid": `layer-fly-${id}` });
    const count = el("span", { class: "layer-count" });
    const status = el("span", { class: "layer-status" });
    const title = el("label", { class: "layer-title", for: toggleId, title: state.info.title }, state.info.title);
    const kind = state.info.kind === "" ? null : el("span", { class: "layer-kind" });

    toggle.addEventListener("change", () => this.actions.toggle(id, toggle.checked));
    opacity.addEventListener("input", () => this.actions.opacity(id, Number(opacity.value) / 100));
    fly.addEventListener("click", () => this.actions.fly(id));

    const bim = isBimKind(state.info.kind)
      ? new BimLayerPanel(this.lang, id, index, state.info.metadata, this.actions)
      : null;

    const points = isPointCloudKind(state.info.kind)
      ? new PointLayerPanel(this.lang, id, state.info.title, index, this.actions)
      : null;
    points?.setMode(state.pointStyle);

    const item = el(
      "li",
      { class: "layer", "data-layer-id": id, "data-kind": state.info.kind, "data-terrain": isTerrainKind(state.info.kind) },
      el("div", { class: "layer-head" }, toggle, title, kind, fly),
      el("div", { class: "layer-meta" }, count, status),
      el("div", { class: "layer-opacity-row" }, opacityLabel, opacity, opacityValue),
      bim?.element,
      points?.element,
    );
    const row: Row = { state, item, toggle, opacity, opacityLabel, opacityValue, fly, count, kind, status, bim, points };
    return row;
  }

  private renderAll(): void {
    this.heading.textContent = this.lang.t("layers.heading");
    this.note.hidden = this.noteKey === null;
    this.note.textContent = this.noteKey === null ? "" : this.lang.t(this.noteKey);
    for (const row of this.rows) {
      this.renderRow(row);
      row.bim?.render();
      row.points?.render();
    }
  }

  private renderRow(row: Row): void {
    const { state } = row;
    const title = state.info.title;
    const usable = state.status === "ready";
    const percent = Math.round(state.opacity * 100);
    row.item.dataset["status"] = state.status;
    row.toggle.checked = state.visible;
    row.toggle.disabled = !usable;
    row.toggle.title = this.lang.t("layer.toggle", { title });
    row.opacity.value = String(percent);
    row.opacity.disabled = !usable;
    row.opacity.setAttribute("aria-label", this.lang.t("layer.opacityOf", { title }));
    row.opacityLabel.textContent = this.lang.t("layer.opacity");
    row.opacityValue.textContent = `${percent}%`;
    if (row.kind !== null) {
      row.kind.textContent = translateKind(this.lang.lang, state.info.kind);
    }
    row.fly.textContent = this.lang.t("layer.fly");
    row.fly.title = this.lang.t("layer.flyTitle", { title });
    row.fly.disabled = state.info.bbox === null && state.tileset === null;
    row.count.textContent = this.lang.t("layer.features", {
      count: formatNumber(this.lang.lang, state.info.featureCount, 0),
    });
    const statusKey =
      state.status === "loading"
        ? "layer.status.loading"
        : state.status === "failed"
          ? "layer.status.failed"
          : state.status === "unpublished"
            ? "layer.status.unpublished"
            : null;
    row.status.textContent = statusKey === null ? "" : this.lang.t(statusKey);
    row.status.hidden = statusKey === null;
    row.bim?.setEnabled(usable);
    row.points?.setEnabled(usable);
    row.points?.setMode(state.pointStyle);
  }
}
