// The info panel's body for a BIM element (an IFC entity): its class, name,
// storey and GlobalId; a link up to its parent; its attributes in collapsible
// sections (general, then one per property or quantity set); and, on demand,
// the features it contains.

import type { FeatureInfo } from "../api";
import { type AttributeSection, groupAttributes, openByDefault, translateProperty } from "../bim-attributes";
import type { ChildFeature } from "../bim-api";
import { classWithCode, formatNumber, translateAttribute, translateClass } from "../i18n";
import { el } from "./dom";
import { type TableRow, attributeTable, factsList, featureLink, idCell } from "./info-parts";
import type { LangStore } from "./lang";

/** Children shown at most; a storey can hold thousands of elements. */
export const MAX_CHILDREN = 200;

export type ChildrenState =
  | { readonly kind: "idle" }
  | { readonly kind: "loading" }
  | { readonly kind: "failed" }
  | { readonly kind: "ready"; readonly children: readonly ChildFeature[] };

export interface BimInfoContext {
  readonly lang: LangStore;
  readonly feature: FeatureInfo;
  readonly layerTitle: string | null;
  readonly children: ChildrenState;
  /** Opens another feature (parent, storey, child). */
  open(id: string): void;
  /** Whether the layer tree can isolate this storey of the feature's layer. */
  canIsolate(storeyId: string): boolean;
  /** Shows only this storey of the feature's layer. */
  isolate(storeyId: string): void;
  /** Whether the section of `set` (null: general) is open. */
  isOpen(set: string | null): boolean;
  /** The user opened or closed a section. */
  toggled(set: string | null, open: boolean): void;
  /** The user opened the children section for the first time. */
  loadChildren(): void;
}

/** The section key of the children list in isOpen/toggled. */
export const CHILDREN_SECTION = "\u0000children";

function text(value: unknown): string | null {
  return typeof value === "string" && value.trim() !== "" ? value : null;
}

function facts(ctx: BimInfoContext): HTMLDListElement {
  const { lang, feature: f } = ctx;
  const t = lang.t.bind(lang);
  const cls = f.cls !== "" ? f.cls : (text(f.attributes["class"]) ?? "");
  const rows: Array<[string, Node | string]> = [];
  if (cls !== "") {
    rows.push([t("info.class"), el("span", { "data-testid": "info-class", "data-class": cls }, classWithCode(lang.lang, cls))]);
  }
  const name = text(f.attributes["name"]);
  const storey = text(f.attributes["storey"]);
  const storeyId = text(f.attributes["storey_id"]);
  if (name !== null) {
    // a storey itself can be isolated from its own name
    rows.push([t("bim.name"), withIsolate(ctx, name, f.id)]);
  }
  if (storeyId !== null && storeyId !== f.id) {
    const label = storey ?? storeyId;
    const link = featureLink(label, t("bim.openStorey", { name: label }), "info-storey", () => ctx.open(storeyId));
    rows.push([t("bim.storey"), withIsolate(ctx, link, storeyId)]);
  } else if (storey !== null) {
    rows.push([t("bim.storey"), storey]);
  }
  rows.push([t("bim.globalId"), idCell(f.id)]);
  rows.push([t("info.layer"), ctx.layerTitle === null ? f.layer : `${ctx.layerTitle} (${f.layer})`]);
  const parentId = f.parentId;
  if (parentId !== null) {
    rows.push([t("bim.parent"), featureLink(parentId, t("bim.openParent"), "info-parent", () => ctx.open(parentId))]);
  }
  if (f.zmin !== null && f.zmax !== null) {
    rows.push([t("info.height"), t("info.metres", { min: formatNumber(lang.lang, f.zmin, 1), max: formatNumber(lang.lang, f.zmax, 1) })]);
  }
  if (f.version !== null) {
    rows.push([t("info.version"), String(f.version)]);
  }
  return factsList(rows);
}

/** `content`, followed by a "show only this storey" button when `storeyId` is a storey the layer tree lists. */
function withIsolate(ctx: BimInfoContext, content: Node | string, storeyId: string): Node | string {
  if (!ctx.canIsolate(storeyId)) {
    return content;
  }
  const button = el(
    "button",
    { type: "button", class: "button button-small info-isolate", "data-testid": "info-isolate-storey" },
    ctx.lang.t("bim.isolateStorey"),
  );
  button.addEventListener("click", () => ctx.isolate(storeyId));
  return el("span", { class: "info-with-action" }, content, button);
}

/** A collapsible section whose open state is remembered by the panel. */
function section(
  ctx: BimInfoContext,
  key: string | null,
  testId: string,
  title: string,
  count: string | null,
  content: Node,
): HTMLDetailsElement {
  const summary = el(
    "summary",
    { class: "info-section-summary" },
    el("span", { class: "info-section-name" }, title),
    count === null ? null : el("span", { class: "info-section-count" }, count),
  );
  const details = el("details", { class: "info-section", "data-testid": testId, "data-set": key ?? "" }, summary, content);
  details.open = ctx.isOpen(key);
  details.addEventListener("toggle", () => ctx.toggled(key, details.open));
  return details;
}

function attributeSection(ctx: BimInfoContext, part: AttributeSection): HTMLDetailsElement {
  const { lang } = ctx;
  const rows: TableRow[] = part.rows.map((row) => ({
    key: row.key,
    label: part.set === null ? translateAttribute(lang.lang, row.key) : translateProperty(lang.lang, row.name),
    value: row.value,
  }));
  const title = part.set ?? lang.t("bim.general");
  const testId = `info-section-${part.set ?? "general"}`;
  const count = lang.t("bim.setCount", { count: part.rows.length });
  return section(ctx, part.set, testId, title, count, attributeTable(lang.lang, rows));
}

function childrenList(ctx: BimInfoContext): HTMLElement {
  const { lang, children } = ctx;
  const t = lang.t.bind(lang);
  if (children.kind === "idle" || children.kind === "loading") {
    return el("p", { class: "info-note" }, t("bim.childrenLoading"));
  }
  if (children.kind === "failed") {
    return el("p", { class: "info-note info-note-error" }, t("bim.childrenFailed"));
  }
  if (children.children.length === 0) {
    return el("p", { class: "info-note" }, t("bim.childrenEmpty"));
  }
  const list = el("ul", { class: "info-children", "data-testid": "info-children" });
  for (const child of children.children.slice(0, MAX_CHILDREN)) {
    const kind = child.cls === "" ? "" : translateClass(lang.lang, child.cls);
    const label = [kind, child.name ?? (kind === "" ? child.id : "")].filter((part) => part !== "").join(" · ");
    const link = featureLink(label, child.id, "info-child", () => ctx.open(child.id));
    link.dataset["id"] = child.id;
    list.append(el("li", {}, link));
  }
  const more = children.children.length - MAX_CHILDREN;
  return el("div", {}, list, more > 0 ? el("p", { class: "info-note" }, t("bim.childrenMore", { count: more })) : null);
}

function childrenSection(ctx: BimInfoContext): HTMLDetailsElement {
  const count = ctx.children.kind === "ready" ? String(ctx.children.children.length) : null;
  const details = section(ctx, CHILDREN_SECTION, "info-section-children", ctx.lang.t("bim.children"), count, childrenList(ctx));
  details.addEventListener("toggle", () => {
    if (details.open && ctx.children.kind === "idle") {
      ctx.loadChildren();
    }
  });
  return details;
}

/** The nodes of the info panel's body for a BIM element. */
export function renderBimFeature(ctx: BimInfoContext): Node[] {
  const sections = groupAttributes(ctx.feature.attributes).map((part) => attributeSection(ctx, part));
  const nodes: Node[] = [facts(ctx)];
  if (sections.length === 0) {
    nodes.push(el("p", { class: "info-note" }, ctx.lang.t("info.noAttributes")));
  }
  nodes.push(...sections, childrenSection(ctx));
  return nodes;
}

/** Whether a section starts open when the user has not opened or closed it yet. */
export function sectionOpenByDefault(set: string | null): boolean {
  return set !== CHILDREN_SECTION && openByDefault(set);
}
