// The attributes of a BIM element, as the info panel groups them (pure).
//
// GET api/features/{GlobalId} sends flat keys: plain ones ("name", "storey",
// "materials") and property or quantity set values as "<SetName>.<PropName>"
// ("Pset_WallCommon.IsExternal", "Qto_SpaceBaseQuantities.NetFloorArea").
// Plain keys form the general section; each set becomes a section of its own.

import { type Lang, translate } from "./i18n";

/** One attribute: its key on the wire, the name shown, and its value. */
export interface AttributeRow {
  readonly key: string;
  /** The property name inside its set, or the key itself in the general section. */
  readonly name: string;
  readonly value: unknown;
}

export interface AttributeSection {
  /** The set name ("Pset_WallCommon"), or null for the general section. */
  readonly set: string | null;
  readonly rows: readonly AttributeRow[];
}

/** Plain keys shown first, in this order; other plain keys follow as sent. */
export const GENERAL_ORDER: readonly string[] = [
  "class",
  "name",
  "GlobalId",
  "predefined_type",
  "tag",
  "description",
  "storey",
  "storey_id",
  "building",
  "site",
  "elevation",
  "materials",
  "classification",
];

/** "Pset_WallCommon.IsExternal" → ["Pset_WallCommon", "IsExternal"]; null for a plain key. */
export function splitSetKey(key: string): [set: string, name: string] | null {
  const dot = key.indexOf(".");
  if (dot <= 0 || dot === key.length - 1) {
    return null;
  }
  return [key.slice(0, dot), key.slice(dot + 1)];
}

/** Sets in reading order: standard property sets, then quantity sets, then the rest; by name within each. */
function setRank(set: string): number {
  if (set.startsWith("Pset_")) {
    return 0;
  }
  if (set.startsWith("Qto_")) {
    return 1;
  }
  return 2;
}

function compareSets(a: string, b: string): number {
  return setRank(a) - setRank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * The sections of a BIM element's attributes: the general one first (when it
 * has rows), then one per set. Every attribute is in exactly one row; rows of a
 * set keep the order the server sent.
 */
export function groupAttributes(attributes: Readonly<Record<string, unknown>>): AttributeSection[] {
  const general: AttributeRow[] = [];
  const sets = new Map<string, AttributeRow[]>();
  for (const [key, value] of Object.entries(attributes)) {
    const split = splitSetKey(key);
    if (split === null) {
      general.push({ key, name: key, value });
      continue;
    }
    const [set, name] = split;
    const rows = sets.get(set) ?? [];
    rows.push({ key, name, value });
    sets.set(set, rows);
  }
  const rank = (key: string): number => {
    const index = GENERAL_ORDER.indexOf(key);
    return index < 0 ? GENERAL_ORDER.length : index;
  };
  const orderedGeneral = general
    .map((row, index) => ({ row, index }))
    .sort((a, b) => rank(a.row.key) - rank(b.row.key) || a.index - b.index)
    .map(({ row }) => row);
  const sections: AttributeSection[] = orderedGeneral.length === 0 ? [] : [{ set: null, rows: orderedGeneral }];
  for (const set of [...sets.keys()].sort(compareSets)) {
    sections.push({ set, rows: sets.get(set) ?? [] });
  }
  return sections;
}

/** Whether a section starts open: the general one and standard property sets; quantities and vendor sets start closed. */
export function openByDefault(set: string | null): boolean {
  return set === null || set.startsWith("Pset_");
}

/** The label of a property inside a set ("IsExternal" → "是否外部构件"); unknown names read as they are. */
export function translateProperty(lang: Lang, name: string): string {
  const key = `prop.${name}`;
  const label = translate(lang, key);
  return label === key ? name : label;
}
