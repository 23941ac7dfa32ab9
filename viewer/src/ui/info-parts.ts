// Building blocks of the info panel shared by plain features and BIM elements.

import { formatValue } from "../format";
import type { Lang } from "../i18n";
import { el } from "./dom";

/** One table row: the wire key (data-field), the label shown, its tooltip and the value. */
export interface TableRow {
  readonly key: string;
  readonly label: string;
  readonly value: unknown;
}

/** The feature id, as browser tests find it (data-testid="info-id"). */
export function idCell(id: string): HTMLElement {
  return el("span", { class: "info-id", "data-testid": "info-id" }, id);
}

/** A definition list of facts (label → text or element). */
export function factsList(rows: ReadonlyArray<readonly [string, Node | string]>): HTMLDListElement {
  const list = el("dl", { class: "info-facts" });
  for (const [name, value] of rows) {
    list.append(el("dt", {}, name), el("dd", {}, value));
  }
  return list;
}

/** An attribute table (table.info-table): one row per attribute, th[data-field] its wire key. */
export function attributeTable(lang: Lang, rows: readonly TableRow[]): HTMLTableElement {
  const body = el("tbody");
  for (const row of rows) {
    const th = el("th", { scope: "row", "data-field": row.key, title: row.key }, row.label);
    body.append(el("tr", {}, th, el("td", {}, formatValue(lang, row.value))));
  }
  return el("table", { class: "info-table" }, body);
}

/** A button that reads like a link and opens another feature. */
export function featureLink(text: string, title: string, testId: string, open: () => void): HTMLButtonElement {
  const link = el("button", { type: "button", class: "link-button", title, "data-testid": testId }, text);
  link.addEventListener("click", open);
  return link;
}
