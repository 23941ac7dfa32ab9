// The panels of the command-centre mode over the 3D city: the header (title,
// date, connection light), the totals, the indicator list (red/amber/green),
// the per-district bar charts (plain SVG), the legend and the tour control.
// DOM only; what to show comes from command-app.ts.

import { type ChartLayout, PROBLEM_SERIES, PROJECT_SERIES, type Series, layoutBars, sortDistricts } from "./command-bars";
import type { Counts, DistrictCounts, Flagged, IndicatorValue } from "./health-api";
import {
  RAG_COLOURS,
  SEVERITY_COLOURS,
  formatTarget,
  formatValue,
  indicatorStatus,
  latestIndicators,
  missShare,
  ragColour,
  ragTally,
  sortIndicators,
} from "./health-format";
import { type HealthKey, healthText } from "./health-i18n";
import type { Lang } from "./i18n";
import type { FeedStatus } from "./overlay-live";
import { el, replaceChildren } from "./ui/dom";

const SVG = "http://www.w3.org/2000/svg";

function svg(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) {
    node.setAttribute(name, String(value));
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

const COUNT_KEYS: ReadonlyArray<keyof Counts> = [
  "problemsOpen",
  "problemsOverdue",
  "projectsActive",
  "projectsOverdue",
  "projectsIdle",
];

function countLabel(lang: Lang, key: keyof Counts): string {
  const keys: Record<keyof Counts, HealthKey> = {
    problemsOpen: "command.totals.problemsOpen",
    problemsOverdue: "command.totals.problemsOverdue",
    projectsActive: "command.totals.projectsActive",
    projectsOverdue: "command.totals.projectsOverdue",
    projectsIdle: "command.totals.projectsIdle",
  };
  return healthText(lang, keys[key]);
}

/** An SVG chart of `layout` with its district labels, axis and values. */
export function chartSvg(layout: ChartLayout, lang: Lang, testid: string): SVGElement {
  const chart = svg("svg", {
    width: layout.width,
    height: layout.height,
    viewBox: `0 0 ${layout.width} ${layout.height}`,
    class: "command-chart",
    "data-testid": testid,
    role: "img",
  });
  const plotBottom = layout.height - 16;
  for (const tick of layout.ticks) {
    chart.append(svg("line", { x1: tick.x, x2: tick.x, y1: 0, y2: plotBottom, class: "command-chart-grid" }));
    chart.append(svg("text", { x: tick.x, y: layout.height - 2, class: "command-chart-tick" }, String(tick.value)));
  }
  for (const row of layout.rows) {
    chart.append(svg("text", { x: 0, y: row.y + row.height / 2 + 5, class: "command-chart-label" }, row.district));
  }
  for (const bar of layout.bars) {
    const rect = svg("rect", {
      x: bar.x,
      y: bar.y,
      width: Math.max(bar.value > 0 ? 2 : 0, bar.width),
      height: bar.height,
      fill: bar.colour,
      "data-district": bar.district,
      "data-key": bar.key,
      "data-value": bar.value,
    });
    rect.append(svg("title", {}, `${bar.district} · ${countLabel(lang, bar.key)}: ${bar.value}`));
    chart.append(rect);
    chart.append(svg("text", { x: bar.x + bar.width + 4, y: bar.y + bar.height - 1, class: "command-chart-value" }, String(bar.value)));
  }
  return chart;
}

export class CommandPanels {
  readonly element: HTMLElement;
  readonly langSwitch: HTMLButtonElement;
  readonly tourButton: HTMLButtonElement;
  readonly tourNext: HTMLButtonElement;
  readonly fullscreen: HTMLButtonElement;
  private readonly title = el("h1", { class: "command-title" });
  private readonly subtitle = el("p", { class: "command-subtitle" });
  private readonly asOf = el("p", { class: "command-asof", "data-testid": "command-asof" });
  private readonly live = el("span", { class: "command-live", "data-testid": "command-live", "data-status": "stopped" });
  private readonly liveText = el("span", { class: "command-live-text" });
  private readonly exit = el("a", { class: "command-exit", href: "./" });
  private readonly totals = el("div", { class: "command-totals", "data-testid": "command-totals" });
  private readonly indicatorsHeading = el("h2");
  private readonly tally = el("div", { class: "command-tally", "data-testid": "command-tally" });
  private readonly indicators = el("ul", { class: "command-indicators", "data-testid": "command-indicators" });
  private readonly problemsHeading = el("h2");
  private readonly projectsHeading = el("h2");
  private readonly problemChart = el("div", { class: "command-chart-box" });
  private readonly projectChart = el("div", { class: "command-chart-box" });
  private readonly legend = el("div", { class: "command-legend" });
  private readonly tourText = el("span", { class: "command-tour-text", "data-testid": "command-tour-text" });
  private readonly errorText = el("p", { class: "command-error", role: "alert", hidden: true });

  constructor() {
    this.langSwitch = el("button", { type: "button", class: "command-button", "data-testid": "lang-switch" });
    this.tourButton = el("button", { type: "button", class: "command-button", "data-testid": "command-tour-toggle" });
    this.tourNext = el("button", { type: "button", class: "command-button", "data-testid": "command-tour-next" });
    this.fullscreen = el("button", { type: "button", class: "command-button", "data-testid": "command-fullscreen" });
    const header = el(
      "header",
      { class: "command-header" },
      el("div", { class: "command-brand" }, this.title, this.subtitle),
      el("div", { class: "command-header-right" }, this.asOf, el("span", {}, this.live, this.liveText), this.fullscreen, this.langSwitch, this.exit),
    );
    const left = el(
      "section",
      { class: "command-panel command-left" },
      this.indicatorsHeading,
      this.tally,
      this.indicators,
    );
    const right = el(
      "section",
      { class: "command-panel command-right" },
      this.problemsHeading,
      this.problemChart,
      this.projectsHeading,
      this.projectChart,
    );
    const bottom = el(
      "footer",
      { class: "command-footer" },
      this.legend,
      el("div", { class: "command-tour" }, this.tourText, this.tourButton, this.tourNext),
    );
    this.element = el("div", { class: "command-overlay" }, header, this.totals, left, right, bottom, this.errorText);
  }

  renderStatic(lang: Lang): void {
    this.title.textContent = healthText(lang, "command.title");
    this.subtitle.textContent = healthText(lang, "command.subtitle");
    this.exit.textContent = healthText(lang, "command.exit");
    this.exit.href = `./?lang=${encodeURIComponent(lang)}`;
    this.langSwitch.textContent = lang === "en" ? "中文" : "EN";
    this.indicatorsHeading.textContent = healthText(lang, "command.indicators");
    this.problemsHeading.textContent = healthText(lang, "command.districtProblems");
    this.projectsHeading.textContent = healthText(lang, "command.districtProjects");
    this.tourNext.textContent = healthText(lang, "command.tourNext");
    this.fullscreen.textContent = healthText(lang, "command.fullscreen");
    const item = (colour: string, label: string, shape: string): HTMLElement =>
      el("span", { class: "command-legend-item" }, el("i", { class: `command-swatch ${shape}`, style: `background:${colour}` }), label);
    replaceChildren(
      this.legend,
      item(SEVERITY_COLOURS[1], healthText(lang, "command.legend.severity1"), "disc"),
      item(SEVERITY_COLOURS[2], healthText(lang, "command.legend.severity2"), "disc"),
      item(SEVERITY_COLOURS[3], healthText(lang, "command.legend.severity3"), "disc"),
      item("#60a5fa", healthText(lang, "command.legend.project"), "square"),
      item("transparent", healthText(lang, "command.legend.overdue"), "disc ring"),
    );
  }

  renderError(message: string | null): void {
    this.errorText.hidden = message === null;
    this.errorText.textContent = message ?? "";
  }

  renderLive(lang: Lang, status: FeedStatus, attempt: number, lastEvent: string | null): void {
    this.live.dataset["status"] = status;
    const key: HealthKey = status === "live" ? "live.live" : status === "connecting" ? "live.connecting" : status === "reconnecting" ? "live.reconnecting" : "live.stopped";
    const suffix = lastEvent === null ? "" : ` · ${healthText(lang, "live.lastEvent", { time: lastEvent })}`;
    this.liveText.textContent = healthText(lang, key, { attempt }) + suffix;
  }

  renderSummary(lang: Lang, asOf: string | null, totals: Counts, districts: readonly DistrictCounts[]): void {
    this.asOf.textContent = asOf === null ? "" : healthText(lang, "command.asOf", { date: asOf });
    replaceChildren(
      this.totals,
      ...COUNT_KEYS.map((key) =>
        el(
          "div",
          { class: `command-total command-total-${key}`, "data-testid": `command-total-${key}` },
          el("strong", {}, String(totals[key])),
          el("span", {}, countLabel(lang, key)),
        ),
      ),
    );
    const sorted = sortDistricts(districts);
    this.renderChart(lang, this.problemChart, sorted, PROBLEM_SERIES, "command-chart-problems");
    this.renderChart(lang, this.projectChart, sorted, PROJECT_SERIES, "command-chart-projects");
  }

  private renderChart(lang: Lang, box: HTMLElement, districts: readonly DistrictCounts[], series: readonly Series[], testid: string): void {
    if (districts.length === 0) {
      replaceChildren(box, el("p", { class: "command-empty" }, healthText(lang, "command.districtsEmpty")));
      return;
    }
    const keys = el(
      "div",
      { class: "command-chart-keys" },
      ...series.map((s) => el("span", {}, el("i", { class: "command-swatch", style: `background:${s.colour}` }), countLabel(lang, s.key))),
    );
    replaceChildren(box, keys, chartSvg(layoutBars(districts, series), lang, testid));
  }

  /** The indicators of the latest year, worst first, under a tally of red, amber and green. */
  renderIndicators(lang: Lang, all: readonly IndicatorValue[]): void {
    const indicators = latestIndicators(all);
    const tally = ragTally(indicators);
    replaceChildren(
      this.tally,
      ...(["red", "amber", "green"] as const).map((status) =>
        el(
          "span",
          { class: "command-tally-item", "data-status": status, "data-testid": `command-tally-${status}` },
          el("i", { class: "command-rag", style: `background:${RAG_COLOURS[status]}` }),
          el("strong", {}, String(tally[status])),
          healthText(lang, `command.rag.${status}`),
        ),
      ),
    );
    if (indicators.length === 0) {
      replaceChildren(this.indicators, el("li", { class: "command-empty" }, healthText(lang, "command.indicatorsEmpty")));
      return;
    }
    const rows = sortIndicators(indicators).map((i) => {
      const status = indicatorStatus(i);
      const statusKey: HealthKey = status === null ? "command.rag.none" : `command.rag.${status}`;
      const share = missShare(i);
      const target = formatTarget(i, lang);
      const detail = [
        target === "" ? "" : healthText(lang, "command.target", { target }),
        share !== null && share > 0 ? healthText(lang, "command.miss", { share: formatValue(share * 100, "%", lang, 1) }) : "",
        [i.area, i.year === null ? "" : String(i.year)].filter((s) => s !== "").join(" "),
      ].filter((s) => s !== "");
      return el(
        "li",
        { class: "command-indicator", "data-code": i.code, "data-area": i.area, "data-status": status ?? "none" },
        el("i", { class: "command-rag", style: `background:${ragColour(status)}`, title: healthText(lang, statusKey) }),
        el("span", { class: "command-indicator-name" }, i.name),
        el("strong", { class: "command-indicator-value" }, formatValue(i.value, i.unit, lang)),
        el("span", { class: "command-indicator-status" }, healthText(lang, statusKey)),
        el("span", { class: "command-indicator-detail" }, detail.join(" · ")),
      );
    });
    replaceChildren(this.indicators, ...rows);
  }

  renderTour(lang: Lang, paused: boolean, stop: Flagged | null, index: number, count: number): void {
    this.tourButton.textContent = healthText(lang, paused ? "command.tourResume" : "command.tourPause");
    this.tourButton.setAttribute("aria-pressed", String(paused));
    this.tourButton.disabled = count === 0;
    this.tourNext.disabled = count === 0;
    if (count === 0) {
      this.tourText.textContent = `${healthText(lang, "command.tour")} · ${healthText(lang, "command.tourEmpty")}`;
      return;
    }
    if (stop === null) {
      this.tourText.textContent = `${healthText(lang, "command.tour")} · ${healthText(lang, "command.tourCount", { count })}`;
      return;
    }
    const reason = healthText(lang, `command.reason.${stop.reason}`);
    const at = healthText(lang, "command.tourAt", { index: index + 1, count, title: `${stop.title}（${reason}）` });
    this.tourText.textContent = `${healthText(lang, "command.tour")} · ${at}`;
  }
}
