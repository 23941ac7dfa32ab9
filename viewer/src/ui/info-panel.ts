// The info panel on the right (data-testid="info-panel"): the attributes of the
// picked or found feature, as the server knows them; for an object the server
// does not know, the properties stored in its 3D tile.

import type { FeatureInfo } from "../api";
import type { ChildFeature } from "../bim-api";
import { formatNumber, translateAttribute, translateClass } from "../i18n";
import { CHILDREN_SECTION, type ChildrenState, renderBimFeature, sectionOpenByDefault } from "./bim-info";
import { el, replaceChildren } from "./dom";
import { attributeTable, factsList, idCell } from "./info-parts";
import type { LangStore } from "./lang";

type Shown =
  | { readonly kind: "loading"; readonly id: string }
  | {
      readonly kind: "feature";
      readonly feature: FeatureInfo;
      readonly layerTitle: string | null;
      readonly bim: boolean;
      children: ChildrenState;
    }
  | { readonly kind: "tile"; readonly id: string | null; readonly properties: ReadonlyArray<[string, unknown]> };

export interface InfoPanelActions {
  /** The user closed the panel. */
  close(): void;
  /** The user followed a link to another feature (parent, storey, child) of `layer`. */
  open(id: string, layer: string): void;
  /** Reads the direct children of a BIM feature of `layer`. */
  children(id: string, layer: string): Promise<ChildFeature[]>;
  /** Whether `storeyId` is a storey of `layer` that can be isolated. */
  canIsolate(layer: string, storeyId: string): boolean;
  /** Shows only that storey of `layer`. */
  isolate(layer: string, storeyId: string): void;
}

export class InfoPanel {
  readonly element: HTMLElement;
  private readonly heading: HTMLHeadingElement;
  private readonly close: HTMLButtonElement;
  private readonly body: HTMLDivElement;
  private readonly lang: LangStore;
  private readonly actions: InfoPanelActions;
  private shown: Shown | null = null;
  /** Sections of BIM elements the user opened or closed, by set name (kept across elements). */
  private readonly sectionChoice = new Map<string, boolean>();

  constructor(lang: LangStore, actions: InfoPanelActions) {
    this.lang = lang;
    this.actions = actions;
    this.heading = el("h2", { class: "info-heading" });
    this.close = el("button", { type: "button", class: "icon-button info-close" }, "×");
    this.close.addEventListener("click", () => {
      this.hide();
      actions.close();
    });
    this.body = el("div", { class: "info-body" });
    this.element = el(
      "aside",
      { class: "info", "data-testid": "info-panel", hidden: true, "aria-live": "polite" },
      el("header", { class: "info-header" }, this.heading, this.close),
      this.body,
    );
    lang.onChange(() => this.render());
  }

  showLoading(id: string): void {
    this.show({ kind: "loading", id });
  }

  /** `bim`: the feature is an IFC element, shown with its sets and hierarchy. */
  showFeature(feature: FeatureInfo, layerTitle: string | null, bim = false): void {
    this.show({ kind: "feature", feature, layerTitle, bim, children: { kind: "idle" } });
  }

  showTileProperties(id: string | null, properties: ReadonlyArray<[string, unknown]>): void {
    this.show({ kind: "tile", id, properties });
  }

  hide(): void {
    this.shown = null;
    this.render();
  }

  private show(shown: Shown): void {
    this.shown = shown;
    this.render();
  }

  private render(): void {
    const t = this.lang.t.bind(this.lang);
    const shownBim = this.shown?.kind === "feature" && this.shown.bim;
    this.heading.textContent = t(shownBim ? "bim.heading" : "info.heading");
    this.close.title = t("info.close");
    this.close.setAttribute("aria-label", t("info.close"));
    const shown = this.shown;
    this.element.hidden = shown === null;
    if (shown === null) {
      replaceChildren(this.body);
      return;
    }
    if (shown.kind === "loading") {
      replaceChildren(
        this.body,
        factsList([[t("info.id"), idCell(shown.id)]]),
        el("p", { class: "info-note" }, t("info.loading")),
      );
      return;
    }
    if (shown.kind === "tile") {
      replaceChildren(
        this.body,
        shown.id === null ? null : factsList([[t("info.id"), idCell(shown.id)]]),
        el("p", { class: "info-note" }, t(shown.id === null ? "info.noId" : "info.tileOnly")),
        this.table(shown.properties),
      );
      return;
    }
    if (shown.bim) {
      this.renderBim(shown);
      return;
    }
    const f = shown.feature;
    const facts: Array<[string, Node | string]> = [
      [t("info.id"), idCell(f.id)],
      [t("info.layer"), shown.layerTitle === null ? f.layer : `${shown.layerTitle} (${f.layer})`],
      [t("info.class"), translateClass(this.lang.lang, f.cls)],
    ];
    if (f.parentId !== null) {
      const link = el("button", { type: "button", class: "link-button" }, f.parentId);
      const parentId = f.parentId;
      link.addEventListener("click", () => this.actions.open(parentId, f.layer));
      facts.push([t("info.parent"), link]);
    }
    if (f.zmin !== null && f.zmax !== null) {
      const lang = this.lang.lang;
      facts.push([t("info.height"), t("info.metres", { min: formatNumber(lang, f.zmin, 1), max: formatNumber(lang, f.zmax, 1) })]);
    }
    if (f.version !== null) {
      facts.push([t("info.version"), String(f.version)]);
    }
    replaceChildren(
      this.body,
      factsList(facts),
      el("h3", { class: "section-label" }, t("info.attributes")),
      this.table(Object.entries(f.attributes)),
    );
  }

  private renderBim(shown: Extract<Shown, { kind: "feature" }>): void {
    const isOpen = (set: string | null): boolean =>
      this.sectionChoice.get(set ?? "") ?? sectionOpenByDefault(set);
    replaceChildren(
      this.body,
      ...renderBimFeature({
        lang: this.lang,
        feature: shown.feature,
        layerTitle: shown.layerTitle,
        children: shown.children,
        open: (id) => this.actions.open(id, shown.feature.layer),
        canIsolate: (storeyId) => this.actions.canIsolate(shown.feature.layer, storeyId),
        isolate: (storeyId) => this.actions.isolate(shown.feature.layer, storeyId),
        isOpen,
        toggled: (set, open) => this.sectionChoice.set(set ?? "", open),
        loadChildren: () => void this.loadChildren(shown),
      }),
    );
    if (isOpen(CHILDREN_SECTION)) {
      void this.loadChildren(shown);
    }
  }

  /** Reads the children of the shown feature once; the answer is dropped if another feature is shown by then. */
  private async loadChildren(shown: Extract<Shown, { kind: "feature" }>): Promise<void> {
    if (shown.children.kind !== "idle") {
      return;
    }
    shown.children = { kind: "loading" };
    let children: ChildrenState;
    try {
      children = { kind: "ready", children: await this.actions.children(shown.feature.id, shown.feature.layer) };
    } catch {
      children = { kind: "failed" };
    }
    shown.children = children;
    if (this.shown === shown) {
      this.render();
    }
  }

  private table(entries: ReadonlyArray<[string, unknown]>): HTMLElement {
    if (entries.length === 0) {
      return el("p", { class: "info-note" }, this.lang.t("info.noAttributes"));
    }
    const lang = this.lang.lang;
    return attributeTable(
      lang,
      entries.map(([key, value]) => ({ key, label: translateAttribute(lang, key), value })),
    );
  }
}
