// How an attribute value reads in the info panel (pure).

import { type Lang, formatNumber, translate } from "./i18n";

/** Items of a list are joined the way the language separates them. */
function listSeparator(lang: Lang): string {
  return lang === "zh-CN" ? "、" : ", ";
}

function isPrimitive(value: unknown): value is string | number | boolean | bigint | null {
  return value === null || ["string", "number", "boolean", "bigint"].includes(typeof value);
}

/**
 * One attribute value as text: empty → "—", booleans → 是/否 (Yes/No), whole
 * numbers as they are (years and counts are not grouped), other numbers
 * grouped with up to 3 decimals, lists of plain values joined, anything else
 * as JSON.
 */
export function formatValue(lang: Lang, value: unknown): string {
  if (value === null || value === undefined || value === "") {
    return translate(lang, "value.empty");
  }
  if (typeof value === "boolean") {
    return translate(lang, value ? "value.true" : "value.false");
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
  if (Array.isArray(value) && value.length > 0 && value.every(isPrimitive)) {
    return value.map((item) => formatValue(lang, item)).join(listSeparator(lang));
  }
  return JSON.stringify(value);
}
