// The 3D city under the command-centre panels: the viewer, every published
// layer as shown by default, the home view, the settle watcher that drives
// window.__twin.ready / allTilesLoaded, and camera flights to a place.

import { BoundingSphere, Cartesian3, Color, HeadingPitchRange, Math as CesiumMath, type Viewer } from "cesium";

import { fetchLayers } from "./api";
import { homeExtent, sphereAroundBBox } from "./geo";
import { groundHeight } from "./health-overlays";
import { orderLayers } from "./layer-kinds";
import { createViewer, describeView, flyToSphere, frameSphere, lightScene, sphereToCesium } from "./scene/globe";
import { SceneLayers } from "./scene/layers";
import { SettleWatcher } from "./scene/settle";
import { type TwinHooks, recordError } from "./test-hooks";

/** How far (metres) the camera stays from a toured place, and how steeply it looks down. */
const TOUR_RANGE_M = 450;
const TOUR_PITCH = CesiumMath.toRadians(-38);
const WALL_BACKGROUND = "#0b1626";

export class CommandCity {
  readonly viewer: Viewer;
  private readonly layers: SceneLayers;
  private readonly settle: SettleWatcher;
  private readonly hooks: TwinHooks;
  private home: BoundingSphere | null = null;
  private heading = 0;

  constructor(container: HTMLElement, hooks: TwinHooks) {
    this.hooks = hooks;
    this.viewer = createViewer(container);
    // the wall's dark theme around the city (the normal viewer's sky is light)
    this.viewer.scene.backgroundColor = Color.fromCssColorString(WALL_BACKGROUND);
    this.viewer.scene.renderError.addEventListener((_scene: unknown, error: unknown) => {
      recordError(hooks, `render error: ${String(error)}`);
    });
    this.layers = new SceneLayers(this.viewer, {
      changed: () => undefined,
      tilesetCreated: (tileset) => this.settle.watch(tileset),
      failed: (state, detail) => recordError(hooks, `layer ${state.info.id}: ${detail}`),
    });
    this.settle = new SettleWatcher(
      this.viewer,
      () => this.layers.tilesets(),
      (settled) => {
        if (settled) {
          hooks.view = describeView(this.viewer);
        }
        hooks.allTilesLoaded = settled;
      },
      () => undefined,
    );
  }

  /** Reads the layer list, frames the home view and adds every published tileset. */
  async load(): Promise<void> {
    const layers = orderLayers(await fetchLayers().catch((error: unknown) => {
      recordError(this.hooks, `api/layers: ${String(error)}`);
      return [];
    }));
    this.hooks.layers = layers.map((l) => l.id);
    this.layers.register(layers);
    await this.layers.createAll();
    const extent = homeExtent(layers);
    this.hooks.home = extent === null ? null : [...extent.bbox];
    this.home = extent !== null ? sphereToCesium(sphereAroundBBox(extent.bbox, extent.zmin, extent.zmax)) : this.layers.tilesetBounds();
    if (this.home !== null) {
      lightScene(this.viewer, this.home.center);
      frameSphere(this.viewer, this.home);
    }
    this.layers.addAll();
    this.settle.start();
  }

  /** Something drawn changed: frames are needed until the scene settles again. */
  kick(): void {
    this.settle.kick();
  }

  /** Flies to look at lon/lat from TOUR_RANGE_M away, a quarter turn further round each time. */
  flyTo(lon: number, lat: number): void {
    const centre = Cartesian3.fromDegrees(lon, lat, groundHeight(this.viewer, lon, lat));
    this.heading = (this.heading + CesiumMath.PI_OVER_TWO / 2) % CesiumMath.TWO_PI;
    const done = this.settle.beginFlight();
    this.viewer.camera.flyToBoundingSphere(new BoundingSphere(centre, 30), {
      offset: new HeadingPitchRange(this.heading, TOUR_PITCH, TOUR_RANGE_M),
      duration: 2.5,
      complete: done,
      cancel: done,
    });
    this.viewer.scene.requestRender();
  }

  flyHome(): void {
    if (this.home !== null) {
      flyToSphere(this.viewer, this.home, { done: this.settle.beginFlight() });
    }
  }
}
