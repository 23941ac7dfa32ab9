// The info panel on the right (data-testid="info-panel"): the attributes of the
// picked or found feature, as the server knows them; for an object the server
// does not know, the properties stored in its 3D tile.

import type { FeatureInfo } from "../api";
import { type Lang, formatNumber, translateAttribute, translateClass } from "../i18n";
import { el, replaceChildren } from "./dom";
import type { LangStore } from "./lang";

type Shown =
  | { readonly kind: "loading"; readonly id: string }
  | { readonly kind: "feature"; readonly feature: FeatureInfo; readonly layerTitle: string | null }
  | { readonly kind: "tile"; readonly id: string | null; readonly properties: ReadonlyArray<[string, unknown]> };

/** How one attribute value reads in a table cell. */
export function formatValue(lang: Lang, t: (key: "value.true" | "value.false" | "value.empty") => string, value: unknown): string {
  if (value === null || value === undefined || value === "") {
    return t("value.empty");
  }
  if (typeof value === "boolean") {
    return t(value ? "value.true" : "value.false");
  }
  if (typeof value === "number") {
    return Number.isInteger(value) ? String(value) : formatNumber(lang, value);
  }
  if (typeof value === "bigint") {
    return value.toString();
  }
  if (typeof value === "string") {
    return value;
  }
  return JSON.stringify(value);
}

export class InfoPanel {
  readonly element: HTMLElement;
  private readonly heading: HTMLHeadingElement;
  private readonly close: HTMLButtonElement;
  private readonly body: HTMLDivElement;
  private readonly lang: LangStore;
  private readonly onOpen: (id: string) => void;
  private shown: Shown | null = null;

  /** `onOpen` is called when the user follows a link to another feature (its parent). */
  constructor(lang: LangStore, onClose: () => void, onOpen: (id: string) => void) {
    this.lang = lang;
    this.onOpen = onOpen;
    this.heading = el("h2", { class: "info-heading" });
    this.close = el("button", { type: "button", class: "icon-button info-close" }, "×");
    this.close.addEventListener("click", () => {
      this.hide();
      onClose();
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

  showFeature(feature: FeatureInfo, layerTitle: string | null): void {
    this.show({ kind: "feature", feature, layerTitle });
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
    this.heading.textContent = t("info.heading");
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
        this.facts([[t("info.id"), this.idCell(shown.id)]]),
        el("p", { class: "info-note" }, t("info.loading")),
      );
      return;
    }
    if (shown.kind === "tile") {
      replaceChildren(
        this.body,
        shown.id === null ? null : this.facts([[t("info.id"), this.idCell(shown.id)]]),
        el("p", { class: "info-note" }, t(shown.id === null ? "info.noId" : "info.tileOnly")),
        this.table(shown.properties),
      );
      return;
    }
    const f = shown.feature;
    const facts: Array<[string, Node | string]> = [
      [t("info.id"), this.idCell(f.id)],
      [t("info.layer"), shown.layerTitle === null ? f.layer : `${shown.layerTitle} (${f.layer})`],
      [t("info.class"), translateClass(this.lang.lang, f.cls)],
    ];
    if (f.parentId !== null) {
      const link = el("button", { type: "button", class: "link-button" }, f.parentId);
      const parentId = f.parentId;
      link.addEventListener("click", () => this.onOpen(parentId));
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
      this.facts(facts),
      el("h3", { class: "section-label" }, t("info.attributes")),
      this.table(Object.entries(f.attributes)),
    );
  }

  private value(value: unknown): string {
    return formatValue(this.lang.lang, (key) => this.lang.t(key), value);
  }

  private idCell(id: string): HTMLElement {
    return el("span", { class: "info-id", "data-testid": "info-id" }, id);
  }

  private facts(rows: ReadonlyArray<[string, Node | string]>): HTMLDListElement {
    const list = el("dl", { class: "info-facts" });
    for (const [name, value] of rows) {
      list.append(el("dt", {}, name), el("dd", {}, value));
    }
    return list;
  }

  private table(entries: ReadonlyArray<[string, unknown]>): HTMLElement {
    if (entries.length === 0) {
      return el("p", { class: "info-note" }, this.lang.t("info.noAttributes"));
    }
    const body = el("tbody");
    for (const [name, value] of entries) {
      const label = translateAttribute(this.lang.lang, name);
      const th = el("th", { scope: "row", "data-field": name, title: name }, label);
      body.append(el("tr", {}, th, el("td", {}, this.value(value))));
    }
    return el("table", { class: "info-table" }, body);
  }
}
