// The part of a layer-tree entry that only point cloud layers have: how the
// points are coloured (their own RGB, ASPRS class, intensity) and, when by
// class, a legend of the class colours.

import type { MessageKey } from "../i18n";
import {
  CLASSIFICATION_COLOURS,
  OTHER_CLASS_COLOUR,
  POINT_STYLE_MODES,
  type PointStyleMode,
  parsePointStyleMode,
} from "../point-style";
import { el } from "./dom";
import type { LangStore } from "./lang";

export interface PointLayerActions {
  pointStyle(layerId: string, mode: PointStyleMode): void;
}

const MODE_KEYS: Record<PointStyleMode, MessageKey> = {
  rgb: "pointcloud.style.rgb",
  classification: "pointcloud.style.classification",
  intensity: "pointcloud.style.intensity",
};

/** Legend names of the class colour table, by first ASPRS code. */
const CLASS_KEYS: Readonly<Record<number, MessageKey>> = {
  2: "pointcloud.class.ground",
  3: "pointcloud.class.lowVegetation",
  4: "pointcloud.class.mediumVegetation",
  5: "pointcloud.class.highVegetation",
  6: "pointcloud.class.building",
  9: "pointcloud.class.water",
  11: "pointcloud.class.road",
};

export class PointLayerPanel {
  readonly element: HTMLElement;
  private readonly lang: LangStore;
  private readonly label: HTMLLabelElement;
  private readonly select: HTMLSelectElement;
  private readonly options: Map<PointStyleMode, HTMLOptionElement>;
  private readonly legend: HTMLUListElement;
  private readonly legendNames: Array<[HTMLSpanElement, MessageKey]> = [];
  private readonly title: string;

  /** `index` makes element ids unique on the page. */
  constructor(lang: LangStore, layerId: string, title: string, index: number, actions: PointLayerActions) {
    this.lang = lang;
    this.title = title;
    const selectId = `point-style-${index}`;
    this.label = el("label", { class: "point-style-label", for: selectId });
    this.select = el("select", { id: selectId, class: "point-style", "data-testid": `point-style-${layerId}` });
    this.options = new Map(POINT_STYLE_MODES.map((mode) => [mode, el("option", { value: mode })]));
    for (const option of this.options.values()) {
      this.select.append(option);
    }
    this.legend = el("ul", { class: "point-legend", "data-testid": `point-legend-${layerId}`, hidden: true });
    const entries: Array<[string, MessageKey]> = CLASSIFICATION_COLOURS.flatMap((entry) => {
      const key = entry.codes[0] === undefined ? undefined : CLASS_KEYS[entry.codes[0]];
      return key === undefined ? [] : [[entry.colour, key] as [string, MessageKey]];
    });
    entries.push([OTHER_CLASS_COLOUR, "pointcloud.class.other"]);
    for (const [colour, key] of entries) {
      const name = el("span");
      this.legendNames.push([name, key]);
      this.legend.append(el("li", {}, el("span", { class: "point-swatch", style: `background:${colour}` }), name));
    }
    this.select.addEventListener("change", () => {
      const mode = parsePointStyleMode(this.select.value);
      this.setMode(mode);
      actions.pointStyle(layerId, mode);
    });
    this.element = el(
      "div",
      { class: "point-layer" },
      el("div", { class: "point-style-row" }, this.label, this.select),
      this.legend,
    );
  }

  setMode(mode: PointStyleMode): void {
    this.select.value = mode;
    this.legend.hidden = mode !== "classification";
  }

  setEnabled(enabled: boolean): void {
    this.select.disabled = !enabled;
  }

  render(): void {
    this.label.textContent = this.lang.t("pointcloud.styleLabel");
    this.select.title = this.lang.t("pointcloud.styleOf", { title: this.title });
    for (const [mode, option] of this.options) {
      option.textContent = this.lang.t(MODE_KEYS[mode]);
    }
    for (const [name, key] of this.legendNames) {
      name.textContent = this.lang.t(key);
    }
  }
}
