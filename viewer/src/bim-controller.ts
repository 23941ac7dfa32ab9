// What the viewer does with BIM layers: reads each one's storeys, keeps which
// storey is isolated and whether spaces are shown, turns that into the layer's
// show expression, and mirrors it in the layer tree and window.__twin.bim.

import { type Storey, fetchStoreys } from "./bim-api";
import { isBimKind } from "./layer-metadata";
import type { LayerState, SceneLayers } from "./scene/layers";
import { SHOW_EVERYTHING, type StoreyFilter, UnsafeIdError, showExpression } from "./storey-style";
import type { BimLayerHooks, TwinHooks } from "./test-hooks";
import type { LayerTree } from "./ui/layer-tree";

interface Entry {
  readonly state: LayerState;
  storeys: readonly Storey[];
  filter: StoreyFilter;
  readonly hooks: BimLayerHooks;
}

export interface BimControllerEvents {
  /** The storey list of a layer could not be read; `error` is what was thrown. */
  storeysFailed(state: LayerState, error: unknown): void;
  /** What a layer shows changed (the scene should settle again). */
  changed(): void;
}

export class BimController {
  private readonly layers: SceneLayers;
  private readonly tree: LayerTree;
  private readonly hooks: TwinHooks;
  private readonly events: BimControllerEvents;
  private readonly entries = new Map<string, Entry>();

  constructor(layers: SceneLayers, tree: LayerTree, hooks: TwinHooks, events: BimControllerEvents) {
    this.layers = layers;
    this.tree = tree;
    this.hooks = hooks;
    this.events = events;
  }

  /** Registers the BIM layers among `states` and reads their storeys; never rejects. */
  async load(states: readonly LayerState[]): Promise<void> {
    const bim = states.filter((state) => isBimKind(state.info.kind));
    for (const state of bim) {
      const hooks: BimLayerHooks = {
        storeysLoaded: false,
        storeys: [],
        isolated: null,
        spacesVisible: true,
        showExpression: "true",
        georefWarnings: [...(state.info.metadata.georeference?.warnings ?? [])],
      };
      this.hooks.bim[state.info.id] = hooks;
      this.entries.set(state.info.id, { state, storeys: [], filter: SHOW_EVERYTHING, hooks });
    }
    await Promise.all(bim.map((state) => this.loadStoreys(state)));
  }

  /** The storeys of a layer as listed (lowest first); empty before they are read. */
  storeysOf(layerId: string): readonly Storey[] {
    return this.entries.get(layerId)?.storeys ?? [];
  }

  /** Shows only `storeyId` of the layer (null: every storey); an id not in its list is ignored. */
  isolate(layerId: string, storeyId: string | null): void {
    const entry = this.entries.get(layerId);
    if (entry === undefined || (storeyId !== null && !entry.storeys.some((s) => s.id === storeyId))) {
      return;
    }
    this.apply(entry, { ...entry.filter, storeyId });
  }

  /** Shows or hides the spaces (IfcSpace) of the layer. */
  setSpaces(layerId: string, visible: boolean): void {
    const entry = this.entries.get(layerId);
    if (entry !== undefined) {
      this.apply(entry, { ...entry.filter, showSpaces: visible });
    }
  }

  private async loadStoreys(state: LayerState): Promise<void> {
    const entry = this.entries.get(state.info.id);
    const panel = this.tree.bimPanel(state.info.id);
    if (entry === undefined) {
      return;
    }
    if (state.info.tilesetUrl === null) {
      panel?.setStoreys({ kind: "none" });
      entry.hooks.storeysLoaded = true;
      return;
    }
    panel?.setStoreys({ kind: "loading" });
    try {
      entry.storeys = await fetchStoreys(state.info.id);
      entry.hooks.storeys = entry.storeys.map((s) => ({ id: s.id, name: s.name, elevation: s.elevation }));
      panel?.setStoreys({ kind: "ready", storeys: entry.storeys });
    } catch (error) {
      panel?.setStoreys({ kind: "failed" });
      this.events.storeysFailed(state, error);
    }
    entry.hooks.storeysLoaded = true;
  }

  private apply(entry: Entry, filter: StoreyFilter): void {
    let expression: string;
    try {
      expression = showExpression(filter);
    } catch (error) {
      if (error instanceof UnsafeIdError) {
        return; // storeys are checked when read: only a bug gets here; keep what is shown
      }
      throw error;
    }
    entry.filter = filter;
    entry.hooks.isolated = filter.storeyId;
    entry.hooks.spacesVisible = filter.showSpaces;
    entry.hooks.showExpression = expression;
    this.layers.setShowExpression(entry.state.info.id, expression);
    this.tree.bimPanel(entry.state.info.id)?.setFilter(filter);
    this.events.changed();
  }
}
