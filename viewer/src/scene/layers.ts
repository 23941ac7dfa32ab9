// The layers in the scene: one Cesium3DTileset per published layer, its
// visibility, its opacity and the highlighted feature. Opacity and highlight go
// through one per-layer Cesium3DTileStyle whose colour is computed in code, so a
// highlighted feature keeps its colour when the opacity changes and is coloured
// as soon as its tile loads (also when it was found by id before being seen).

import {
  BoundingSphere,
  type Cesium3DTileFeature,
  Cesium3DTileStyle,
  Cesium3DTileset,
  Color,
  Expression,
  PointCloudShading,
  type Viewer,
} from "cesium";

import type { LayerInfo } from "../api";
import { sphereAroundBBox } from "../geo";
import { isPointCloudKind, maximumScreenSpaceError } from "../layer-kinds";
import { DEFAULT_POINT_STYLE, type PointStyleMode } from "../point-style";
import { sphereToCesium } from "./globe";
import { pointCloudStyle } from "./point-cloud-style";

export type LayerStatus = "unpublished" | "loading" | "ready" | "failed";

export interface LayerState {
  readonly info: LayerInfo;
  status: LayerStatus;
  visible: boolean;
  /** 0..1 */
  opacity: number;
  tileset: Cesium3DTileset | null;
  /** The layer's show expression (3D Tiles styling language); "true" shows every feature. */
  showExpression: string;
  /** How a point cloud layer is coloured (other layers ignore it). */
  pointStyle: PointStyleMode;
}

/** The property of every feature that holds its stable id. */
export const ID_PROPERTY = "id";

const HIGHLIGHT = Color.fromCssColorString("#f59e0b");
/** Elements of a review failure (see review-controller.ts). */
const REVIEW_FOCUS = Color.fromCssColorString("#e11d2e");
/** The property of BIM elements that holds their storey's GlobalId (a failing storey marks its elements). */
const STOREY_PROPERTY = "storey_id";
const BASE = Color.WHITE;

/** The stable id of a picked feature, or null when it has none. */
export function featureId(feature: Cesium3DTileFeature): string | null {
  const value: unknown = feature.getProperty(ID_PROPERTY);
  if (typeof value === "string" && value !== "") {
    return value;
  }
  if (typeof value === "number" || typeof value === "bigint") {
    return String(value);
  }
  return null;
}

export interface SceneLayersEvents {
  /** A layer's status, visibility or opacity changed. */
  changed(state: LayerState): void;
  /** A tileset was created (before it is added to the scene). */
  tilesetCreated(tileset: Cesium3DTileset): void;
  /** Something failed; `message` is technical, for the error log. */
  failed(state: LayerState, message: string): void;
}

export class SceneLayers {
  private readonly viewer: Viewer;
  private readonly events: SceneLayersEvents;
  private readonly states = new Map<string, LayerState>();
  private readonly styles = new Map<string, Cesium3DTileStyle>();
  private highlighted: string | null = null;
  /** The elements of a review failure: their layer, ids and who hears of each one drawn. */
  private focus: { layer: string; ids: ReadonlySet<string>; styled: (id: string) => void } | null = null;

  constructor(viewer: Viewer, events: SceneLayersEvents) {
    this.viewer = viewer;
    this.events = events;
  }

  /** Registers the layers (in order) without loading anything. */
  register(layers: readonly LayerInfo[]): LayerState[] {
    return layers.map((info) => {
      const state: LayerState = {
        info,
        status: info.tilesetUrl === null ? "unpublished" : "loading",
        visible: info.visible,
        opacity: 1,
        tileset: null,
        showExpression: "true",
        pointStyle: DEFAULT_POINT_STYLE,
      };
      this.states.set(info.id, state);
      return state;
    });
  }

  all(): LayerState[] {
    return [...this.states.values()];
  }

  /** The ids of every layer in the tree, in tree order. */
  ids(): string[] {
    return [...this.states.keys()];
  }

  get(id: string): LayerState | undefined {
    return this.states.get(id);
  }

  /** The layer drawn by this tileset, if any. */
  layerOfTileset(tileset: unknown): LayerState | undefined {
    return this.all().find((state) => state.tileset !== null && state.tileset === tileset);
  }

  tilesets(): Cesium3DTileset[] {
    return this.all().flatMap((state) => (state.tileset === null ? [] : [state.tileset]));
  }

  /**
   * Reads every published layer's tileset.json (nothing is drawn yet, so the
   * camera can be aimed before any tile is requested); never rejects.
   */
  async createAll(): Promise<void> {
    await Promise.all(this.all().map((state) => this.create(state)));
  }

  /** Adds the created tilesets to the scene. */
  addAll(): void {
    for (const state of this.all()) {
      if (state.tileset !== null && state.status === "loading") {
        this.viewer.scene.primitives.add(state.tileset);
        state.status = "ready";
        this.events.changed(state);
      }
    }
    this.viewer.scene.requestRender();
  }

  /** The sphere around every created tileset, or null when there is none. */
  tilesetBounds(): BoundingSphere | null {
    const spheres = this.tilesets().map((tileset) => tileset.boundingSphere);
    return spheres.length === 0 ? null : BoundingSphere.fromBoundingSpheres(spheres);
  }

  private async create(state: LayerState): Promise<void> {
    const url = state.info.tilesetUrl;
    if (url === null) {
      return;
    }
    try {
      const tileset = await Cesium3DTileset.fromUrl(url, {
        maximumScreenSpaceError: maximumScreenSpaceError(state.info.kind),
        // Tiles at the edge of the view are deferred until the camera has been still
        // this long; in request-render mode no frame may come after that, so the
        // deferred tiles would never load. Request them at once.
        foveatedTimeDelay: 0,
      });
      tileset.style = this.makeStyle(state);
      tileset.show = state.visible;
      tileset.tileFailed.addEventListener((error: { url?: string; message?: string }) => {
        this.events.failed(state, `tile failed: ${error.url ?? ""} ${error.message ?? ""}`.trim());
      });
      this.events.tilesetCreated(tileset);
      state.tileset = tileset;
    } catch (error) {
      state.status = "failed";
      this.events.failed(state, `tileset ${state.info.id}: ${String(error)}`);
      this.events.changed(state);
    }
  }

  setVisible(id: string, visible: boolean): void {
    const state = this.states.get(id);
    if (state === undefined) {
      return;
    }
    state.visible = visible;
    if (state.tileset !== null) {
      state.tileset.show = visible;
    }
    this.events.changed(state);
    this.viewer.scene.requestRender();
  }

  setOpacity(id: string, opacity: number): void {
    const state = this.states.get(id);
    if (state === undefined) {
      return;
    }
    state.opacity = Math.min(Math.max(opacity, 0), 1);
    if (isPointCloudKind(state.info.kind)) {
      this.restyle(state); // point styles are compiled into the shader: a new style, not a dirty one
    } else {
      state.tileset?.makeStyleDirty();
    }
    this.events.changed(state);
    this.viewer.scene.requestRender();
  }

  /**
   * Sets which features of a layer are drawn: `expression` is a show expression
   * of the 3D Tiles styling language, built from checked parts only (see
   * storey-style.ts). It applies as soon as the tileset exists.
   */
  setShowExpression(id: string, expression: string): void {
    const state = this.states.get(id);
    if (state === undefined || state.showExpression === expression) {
      return;
    }
    state.showExpression = expression;
    const style = this.styles.get(id);
    if (style !== undefined) {
      style.show = new Expression(expression);
      state.tileset?.makeStyleDirty();
    }
    this.events.changed(state);
    this.viewer.scene.requestRender();
  }

  /** Colours a point cloud layer by its own colours, its classification or its intensity. */
  setPointStyle(id: string, mode: PointStyleMode): void {
    const state = this.states.get(id);
    if (state === undefined || !isPointCloudKind(state.info.kind) || state.pointStyle === mode) {
      return;
    }
    state.pointStyle = mode;
    this.restyle(state);
    this.events.changed(state);
  }

  private restyle(state: LayerState): void {
    const tileset = state.tileset;
    if (tileset !== null) {
      tileset.style = this.makeStyle(state);
      if (isPointCloudKind(state.info.kind)) {
        // Cesium compiles a point style into the shader when it builds a tile's draw
        // commands and, for glTF points, does not rebuild them when the style changes;
        // a new PointCloudShading object (same settings) makes every tile rebuild them.
        const old = tileset.pointCloudShading;
        tileset.pointCloudShading = new PointCloudShading({
          attenuation: old.attenuation,
          geometricErrorScale: old.geometricErrorScale,
          ...(old.maximumAttenuation === undefined ? {} : { maximumAttenuation: old.maximumAttenuation }),
          ...(old.baseResolution === undefined ? {} : { baseResolution: old.baseResolution }),
          eyeDomeLighting: old.eyeDomeLighting,
          eyeDomeLightingStrength: old.eyeDomeLightingStrength,
          eyeDomeLightingRadius: old.eyeDomeLightingRadius,
          backFaceCulling: old.backFaceCulling,
          normalShading: old.normalShading,
        });
      }
    }
    this.viewer.scene.requestRender();
  }

  /** Highlights the feature with this id in every layer (null clears the highlight). */
  setHighlight(id: string | null): void {
    if (id === this.highlighted) {
      return;
    }
    this.highlighted = id;
    for (const tileset of this.tilesets()) {
      tileset.makeStyleDirty();
    }
    this.viewer.scene.requestRender();
  }

  /**
   * Colours these features of one layer (a review failure's elements, or the
   * elements of its storeys) until cleared with `layer` null; `styled` is told
   * the id of every feature drawn so, as its tile's style is applied.
   */
  setFocus(layer: string | null, ids: ReadonlySet<string>, styled: (id: string) => void = () => undefined): void {
    const before = this.focus?.layer ?? null;
    this.focus = layer === null || ids.size === 0 ? null : { layer, ids, styled };
    for (const id of new Set([before, layer])) {
      if (id !== null) {
        this.states.get(id)?.tileset?.makeStyleDirty();
      }
    }
    this.viewer.scene.requestRender();
  }

  /** The sphere that frames a layer: its bbox, else its tileset's bounds. */
  boundsOf(id: string): BoundingSphere | null {
    const state = this.states.get(id);
    if (state === undefined) {
      return null;
    }
    if (state.info.bbox !== null) {
      return sphereToCesium(sphereAroundBBox(state.info.bbox, state.info.zmin, state.info.zmax));
    }
    return state.tileset?.boundingSphere ?? null;
  }

  private isFocused(state: LayerState, id: string, feature: Cesium3DTileFeature): boolean {
    const focus = this.focus;
    if (focus === null || focus.layer !== state.info.id) {
      return false;
    }
    const storey: unknown = focus.ids.has(id) ? null : feature.getProperty(STOREY_PROPERTY);
    if (focus.ids.has(id) || (typeof storey === "string" && focus.ids.has(storey))) {
      focus.styled(id);
      return true;
    }
    return false;
  }

  private makeStyle(state: LayerState): Cesium3DTileStyle {
    if (isPointCloudKind(state.info.kind)) {
      // Points have no features to highlight; expressions only, which Cesium compiles for the GPU.
      const points = pointCloudStyle(state.pointStyle, state.opacity);
      this.styles.set(state.info.id, points);
      return points;
    }
    const style = new Cesium3DTileStyle({});
    // Cesium passes no feature for contents without a feature table.
    const colourOf = (feature: Cesium3DTileFeature | undefined, result?: Color): Color => {
      const id = feature === undefined ? null : featureId(feature);
      const highlighted = this.highlighted !== null && id !== null && id === this.highlighted;
      const focused = !highlighted && id !== null && feature !== undefined && this.isFocused(state, id, feature);
      const alpha = (highlighted || focused) && state.opacity > 0 ? Math.max(state.opacity, 0.9) : state.opacity;
      return Color.fromAlpha(highlighted ? HIGHLIGHT : focused ? REVIEW_FOCUS : BASE, alpha, result);
    };
    style.color = { evaluate: colourOf, evaluateColor: colourOf };
    if (state.showExpression !== "true") {
      style.show = new Expression(state.showExpression);
    }
    this.styles.set(state.info.id, style);
    return style;
  }
}
