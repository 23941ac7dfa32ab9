// Pure rules of the health-check display: an indicator's red/amber/green
// status against its target, the colours of problems (by severity) and projects
// (by stage), and how an indicator's value and gap read.

import type { Comparison, IndicatorValue, Project, Rag } from "./health-api";

/** A miss of at most this share of the target is amber; more is red. */
export const AMBER_TOLERANCE = 0.1;

/**
 * The status of `value` against `target`: green when it meets the target
 * (`>=`: at least, `<=`: at most), amber when it misses by at most 10% of the
 * target, red otherwise; null without a value, a target or a comparison.
 */
export function ragStatus(value: number | null, target: number | null, comparison: Comparison | null): Rag | null {
  if (value === null || target === null || comparison === null) {
    return null;
  }
  const miss = comparison === ">=" ? target - value : value - target;
  if (miss <= 0) {
    return "green";
  }
  return miss <= Math.abs(target) * AMBER_TOLERANCE + 1e-9 ? "amber" : "red";
}

/** The indicator's status: the server's when it sends one, else computed from its figures. */
export function indicatorStatus(indicator: IndicatorValue): Rag | null {
  return indicator.status ?? ragStatus(indicator.value, indicator.target, indicator.comparison);
}

export const RAG_COLOURS: Readonly<Record<Rag, string>> = {
  green: "#22c55e",
  amber: "#f59e0b",
  red: "#ef4444",
};
export const NO_STATUS_COLOUR = "#94a3b8";

export function ragColour(status: Rag | null): string {
  return status === null ? NO_STATUS_COLOUR : RAG_COLOURS[status];
}

/** Problem marker colours by severity: 1 minor (yellow), 2 serious (orange), 3 critical (red). */
export const SEVERITY_COLOURS: Readonly<Record<1 | 2 | 3, string>> = {
  1: "#facc15",
  2: "#f97316",
  3: "#dc2626",
};

export function severityColour(severity: number): string {
  return severity >= 3 ? SEVERITY_COLOURS[3] : severity === 2 ? SEVERITY_COLOURS[2] : SEVERITY_COLOURS[1];
}

/** A closed problem is drawn greyed out: it stays on the map, but quiet. */
export const CLOSED_COLOUR = "#64748b";

/**
 * The land lifecycle stages of a renewal project (twin/healthcheck/stages.yaml), in
 * order, each with its labels and colour: 收储 → 供地 → 开工 → 竣工 → 验收.
 */
export const KNOWN_STAGES: ReadonlyArray<{ readonly key: string; readonly zh: string; readonly en: string; readonly colour: string }> = [
  { key: "acquisition", zh: "收储", en: "Land acquisition", colour: "#a78bfa" },
  { key: "supply", zh: "供地", en: "Land supply", colour: "#38bdf8" },
  { key: "construction", zh: "开工", en: "Under construction", colour: "#fb923c" },
  { key: "completion", zh: "竣工", en: "Completed", colour: "#22c55e" },
  { key: "acceptance", zh: "验收", en: "Accepted", colour: "#a3e635" },
];

/** The label of a known stage in `lang` (else null: the server's label is the one to use). */
export function knownStageLabel(stage: string, lang: string): string | null {
  const known = KNOWN_STAGES.find((s) => s.key === stage.toLowerCase());
  return known === undefined ? null : lang === "en" ? known.en : known.zh;
}

/** Colours for stages not in KNOWN_STAGES, chosen by a hash of the key so that each keeps its own. */
const OTHER_STAGE_COLOURS = ["#f472b6", "#e879f9", "#fbbf24", "#4ade80", "#93c5fd", "#fca5a5"] as const;

/** A stable hash of a string (FNV-1a, 32 bits). */
export function hashString(value: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < value.length; i += 1) {
    hash ^= value.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

export function stageColour(stage: string): string {
  const known = KNOWN_STAGES.find((s) => s.key === stage.toLowerCase());
  if (known !== undefined) {
    return known.colour;
  }
  return OTHER_STAGE_COLOURS[hashString(stage) % OTHER_STAGE_COLOURS.length] ?? NO_STATUS_COLOUR;
}

/** Marker outline of an item needing attention: overdue (red-white ring) or idle (grey ring). */
export type Attention = "overdue" | "idle" | null;

export function projectAttention(project: Pick<Project, "overdue" | "idle">): Attention {
  return project.overdue ? "overdue" : project.idle ? "idle" : null;
}

/** Stage keys to offer in the progress form: the known ones in order, then any others seen, sorted. */
export function stageOptions(seen: Iterable<string>): string[] {
  const known = KNOWN_STAGES.map((s) => s.key);
  const others = [...new Set(seen)].filter((s) => s !== "" && !known.includes(s.toLowerCase())).sort();
  return [...known, ...others];
}

/** The value with up to `digits` decimals and its unit ("95.2%", "12 km²"; no unit: the bare figure). */
export function formatValue(value: number | null, unit: string, lang: string, digits = 2): string {
  if (value === null) {
    return "—";
  }
  const figure = new Intl.NumberFormat(lang, { maximumFractionDigits: digits }).format(value);
  if (unit === "") {
    return figure;
  }
  return unit === "%" || unit === "‰" ? `${figure}${unit}` : `${figure} ${unit}`;
}

/** The comparison sign and target: "≥ 30%" / "≤ 0.5"; empty without a target. */
export function formatTarget(indicator: IndicatorValue, lang: string): string {
  if (indicator.target === null || indicator.comparison === null) {
    return "";
  }
  const sign = indicator.comparison === ">=" ? "≥" : "≤";
  return `${sign} ${formatValue(indicator.target, indicator.unit, lang)}`;
}

/** How far the value misses its target as a share of the target (0 when it meets it); null if unknown. */
export function missShare(indicator: IndicatorValue): number | null {
  const { value, target, comparison } = indicator;
  if (value === null || target === null || comparison === null || target === 0) {
    return null;
  }
  const miss = comparison === ">=" ? target - value : value - target;
  return Math.max(0, miss / Math.abs(target));
}

const RAG_ORDER: Readonly<Record<Rag, number>> = { red: 0, amber: 1, green: 2 };

/** Indicators worst first (red, amber, green, no status), then by code. */
export function sortIndicators(indicators: readonly IndicatorValue[]): IndicatorValue[] {
  const rank = (i: IndicatorValue): number => {
    const status = indicatorStatus(i);
    return status === null ? 3 : RAG_ORDER[status];
  };
  return [...indicators].sort((a, b) => rank(a) - rank(b) || a.code.localeCompare(b.code) || a.area.localeCompare(b.area));
}

/** For each indicator code and area, its value of the latest year only (older years are history). */
export function latestIndicators(indicators: readonly IndicatorValue[]): IndicatorValue[] {
  const latest = new Map<string, IndicatorValue>();
  for (const i of indicators) {
    const key = `${i.code}|${i.area}`;
    const seen = latest.get(key);
    if (seen === undefined || (i.year ?? -Infinity) > (seen.year ?? -Infinity)) {
      latest.set(key, i);
    }
  }
  return [...latest.values()];
}

export type RagTally = Readonly<Record<Rag | "none", number>>;

/** How many indicators are red, amber, green, and without a status. */
export function ragTally(indicators: readonly IndicatorValue[]): RagTally {
  const tally = { red: 0, amber: 0, green: 0, none: 0 };
  for (const i of indicators) {
    tally[indicatorStatus(i) ?? "none"] += 1;
  }
  return tally;
}
