// Tells when the scene is "settled": every shown tileset and the globe have loaded
// what the current view needs and a few frames were drawn since. With requestRenderMode
// frames are only drawn on demand, so while unsettled this watcher keeps asking
// for frames; once settled it stops and the page goes idle.

import type { Cesium3DTileset, Viewer } from "cesium";

/** Frames drawn with all tiles loaded before the scene counts as settled. */
const SETTLED_FRAMES = 3;

export class SettleWatcher {
  private readonly viewer: Viewer;
  private readonly tilesets: () => readonly Cesium3DTileset[];
  private readonly onChange: (settled: boolean) => void;
  private readonly onLoading: (loading: boolean) => void;
  private loading = false;
  private quietFrames = 0;
  private settled = false;
  private armed = false;
  private flights = 0;
  private readonly othersReady: () => boolean;

  /** `othersReady`: whether everything else drawn (e.g. the selection overlay) is built. */
  constructor(
    viewer: Viewer,
    tilesets: () => readonly Cesium3DTileset[],
    onChange: (settled: boolean) => void,
    onLoading: (loading: boolean) => void,
    othersReady: () => boolean = () => true,
  ) {
    this.viewer = viewer;
    this.tilesets = tilesets;
    this.onChange = onChange;
    this.onLoading = onLoading;
    this.othersReady = othersReady;
  }

  /** Starts watching; call once the camera is placed and the tilesets are added. */
  start(): void {
    const scene = this.viewer.scene;
    scene.postRender.addEventListener(() => this.afterFrame());
    scene.camera.moveStart.addEventListener(() => this.kick());
    this.armed = true;
    this.kick();
  }

  /** Something changed (a tileset loads, the camera moves, a layer was toggled). */
  kick(): void {
    if (!this.armed) {
      return;
    }
    this.quietFrames = 0;
    this.setSettled(false);
    this.viewer.scene.requestRender();
  }

  /** Marks a camera flight as under way; the scene is not settled until the returned function is called. */
  beginFlight(): () => void {
    this.flights += 1;
    this.kick();
    let ended = false;
    return () => {
      if (!ended) {
        ended = true;
        this.flights -= 1;
        this.kick();
      }
    };
  }

  /** Hooks a tileset's own events, so that loading triggered elsewhere unsettles the scene. */
  watch(tileset: Cesium3DTileset): void {
    tileset.loadProgress.addEventListener((pending: number, processing: number) => {
      if (pending > 0 || processing > 0) {
        this.kick();
      }
    });
    tileset.allTilesLoaded.addEventListener(() => this.viewer.scene.requestRender());
  }

  private afterFrame(): void {
    if (!this.armed || this.settled) {
      return;
    }
    const tilesLoaded = this.tilesets().every((tileset) => !tileset.show || tileset.tilesLoaded);
    if (tilesLoaded === this.loading) {
      this.loading = !tilesLoaded;
      this.onLoading(this.loading);
    }
    // the globe's own tiles too: until they are in, every frame asks for another
    // (and on a software renderer each one holds the page for a good half second)
    const globe = this.viewer.scene.globe;
    const globeLoaded = !globe.show || globe.tilesLoaded;
    const quiet = tilesLoaded && globeLoaded && this.flights === 0 && this.othersReady();
    this.quietFrames = quiet ? this.quietFrames + 1 : 0;
    if (this.quietFrames >= SETTLED_FRAMES) {
      this.setSettled(true);
    } else {
      this.viewer.scene.requestRender();
    }
  }

  private setSettled(value: boolean): void {
    if (this.settled !== value) {
      this.settled = value;
      this.onChange(value);
    }
  }
}
