// The viewer application: builds the page, places the camera, loads the layers
// and wires picking, search, the layer tree and the camera in the URL hash.

import {
  type Cartesian2,
  Cesium3DTileFeature,
  Cesium3DTileset,
  ScreenSpaceEventType,
  type Viewer,
} from "cesium";

import { AnalysisController } from "./analysis-controller";
import { isProposalKind } from "./analysis-format";
import { analysisText } from "./analysis-i18n";
import { AnalysisScene } from "./analysis-scene";
import { ApiError, type FeatureInfo, type LayerInfo, fetchFeature, fetchLayers, fetchSuggestions } from "./api";
import { fetchChildren } from "./bim-api";
import { BimController } from "./bim-controller";
import { readCameraFromHash, writeCameraToHash } from "./camera-hash";
import { homeExtent, sphereAroundBBox } from "./geo";
import { healthText } from "./health-i18n";
import { ProjectsController } from "./health-projects";
import { isPointCloudKind, isTerrainKind, orderLayers } from "./layer-kinds";
import { isBimKind } from "./layer-metadata";
import { fetchFeatureGeometry, overlayShapes } from "./overlay-geometry";
import type { PointStyleMode } from "./point-style";
import { ReviewController } from "./review-controller";
import { sceneReviewHost } from "./review-scene";
import {
  applyCameraView,
  createViewer,
  describeView,
  featureRange,
  flyToSphere,
  frameSphere,
  lightScene,
  readCameraView,
  sphereToCesium,
} from "./scene/globe";
import { type LayerState, SceneLayers, featureId } from "./scene/layers";
import { SelectionOverlay } from "./scene/overlay";
import { SettleWatcher } from "./scene/settle";
import { type TwinHooks, installHooks, recordError } from "./test-hooks";
import { el } from "./ui/dom";
import { InfoPanel } from "./ui/info-panel";
import { LangStore } from "./ui/lang";
import { LayerTree } from "./ui/layer-tree";
import { MessageBar, type Text } from "./ui/message";
import { AnalysisPanel } from "./ui/analysis-panel";
import { ReviewPanel } from "./ui/review-panel";
import { candidateIds } from "./search-ids";
import { SearchBox } from "./ui/search";

/** The message that explains a failed API call. */
function failureText(error: unknown): Text {
  if (error instanceof ApiError) {
    const failure = error.failure;
    if (failure.kind === "network") {
      return { key: "error.network" };
    }
    if (failure.kind === "server") {
      return { key: "error.server", params: { status: failure.status } };
    }
  }
  return { key: "error.badResponse" };
}

/** True for a feature of a BIM layer, or one whose class is an IFC class. */
function isBimFeature(feature: FeatureInfo, layerKind: string | null): boolean {
  return (layerKind !== null && isBimKind(layerKind)) || /^Ifc[A-Z]/.test(feature.cls);
}

/** The tileset a picked object belongs to (a feature's, or the primitive of a featureless tile). */
function pickedTileset(picked: unknown): Cesium3DTileset | null {
  if (picked instanceof Cesium3DTileFeature) {
    return picked.tileset;
  }
  if (typeof picked === "object" && picked !== null && "primitive" in picked) {
    const primitive: unknown = picked.primitive;
    return primitive instanceof Cesium3DTileset ? primitive : null;
  }
  return null;
}

function tileProperties(feature: Cesium3DTileFeature): Array<[string, unknown]> {
  return feature.getPropertyIds().map((name): [string, unknown] => [name, feature.getProperty(name)]);
}

class App {
  private readonly hooks: TwinHooks;
  private readonly lang: LangStore;
  private readonly viewer: Viewer;
  private readonly layers: SceneLayers;
  private readonly settle: SettleWatcher;
  private readonly tree: LayerTree;
  private readonly bim: BimController;
  private readonly overlay: SelectionOverlay;
  private readonly info: InfoPanel;
  private readonly message: MessageBar;
  private readonly loadingChip: HTMLElement;
  private readonly review: ReviewController;
  private readonly analysis: AnalysisController;
  private readonly projects: ProjectsController;
  /** Increases with every feature lookup, so that a slow answer cannot replace a newer one. */
  private lookup = 0;

  constructor(root: HTMLElement, hooks: TwinHooks) {
    this.hooks = hooks;
    this.lang = new LangStore();
    const lang = this.lang;

    const title = el("h1", { class: "app-title" });
    const subtitle = el("p", { class: "app-subtitle" });
    const langSwitch = el("button", { type: "button", class: "button button-small lang-switch", "data-testid": "lang-switch" });
    langSwitch.addEventListener("click", () => lang.toggle());
    const reviewButton = el("button", {
      type: "button",
      class: "button button-small",
      "data-testid": "review-open",
      "aria-pressed": "false",
    });
    reviewButton.addEventListener("click", () => this.review.toggle());
    const reviewPanel = new ReviewPanel(lang, {
      close: () => this.review.close(),
      select: (id) => void this.review.select(id),
      locate: (key, elements) => void this.review.locate(key, elements),
      clearFocus: () => this.review.clearFocus(),
    });
    const analysisButton = el("button", {
      type: "button",
      class: "button button-small",
      "data-testid": "analysis-open",
      "aria-pressed": "false",
    });
    analysisButton.addEventListener("click", () => this.analysis.toggle());
    const analysisPanel = new AnalysisPanel(lang, {
      close: () => this.analysis.close(),
      selectTool: (tool) => this.analysis.pressTool(tool),
      setScenario: (layer) => this.analysis.setScenario(layer),
      setSide: (side) => this.analysis.setSide(side),
      setField: (field, value) => this.analysis.setField(field, value),
      setOverlay: (shown) => this.analysis.setOverlay(shown),
      submit: () => this.analysis.submit(),
      clear: () => this.analysis.clear(),
    });
    const projectsButton = el("button", {
      type: "button",
      class: "button button-small",
      "data-testid": "projects-open",
      "aria-pressed": "false",
    });
    projectsButton.addEventListener("click", () => this.projects.toggle());
    const commandLink = el("a", { class: "button button-small", "data-testid": "command-open", href: "?mode=command" });
    const hint = el("p", { class: "hint" });

    this.message = new MessageBar(lang);
    const search = new SearchBox(
      lang,
      {
        search: (text) => void this.search(text),
        choose: (s) =>
          void this.showFeature(s.id, { fly: true, picked: null, fromSearch: true, layer: s.layer, near: s }),
        suggest: (q) => fetchSuggestions(q),
      },
      hooks.search,
    );
    this.tree = new LayerTree(lang, {
      toggle: (id, visible) => {
        this.layers.setVisible(id, visible);
        this.settle.kick();
      },
      opacity: (id, opacity) => this.layers.setOpacity(id, opacity),
      fly: (id) => this.flyToLayer(id),
      isolate: (id, storeyId) => this.bim.isolate(id, storeyId),
      spaces: (id, visible) => this.bim.setSpaces(id, visible),
      pointStyle: (id, mode) => this.setPointStyle(id, mode),
    });
    this.info = new InfoPanel(lang, {
      close: () => this.select(null),
      open: (id, layer) => void this.showFeature(id, { fly: true, picked: null, fromSearch: false, layer }),
      children: (id, layer) => fetchChildren(id, layer),
      canIsolate: (layer, storeyId) => this.bim.storeysOf(layer).some((storey) => storey.id === storeyId),
      isolate: (layer, storeyId) => this.bim.isolate(layer, storeyId),
    });
    this.loadingChip = el("div", { class: "loading-chip", role: "status", hidden: true });
    const sceneElement = el("div", { class: "scene", id: "scene" });

    const side = el(
      "aside",
      { class: "side" },
      el(
        "header",
        { class: "side-header" },
        el("div", { class: "brand" }, title, subtitle),
        el("div", { class: "side-tools" }, reviewButton, analysisButton, projectsButton, commandLink, langSwitch),
      ),
      search.element,
      this.message.element,
      this.tree.element,
      el("footer", { class: "side-footer" }, hint),
    );
    const stage = el(
      "main",
      { class: "stage" },
      sceneElement,
      this.loadingChip,
      reviewPanel.element,
      this.info.element,
      analysisPanel.element,
    );
    root.replaceChildren(side, stage);

    const renderTexts = (): void => {
      document.title = lang.t("app.title");
      title.textContent = lang.t("app.title");
      subtitle.textContent = lang.t("app.subtitle");
      langSwitch.textContent = lang.t("lang.switch");
      langSwitch.title = lang.t("lang.switchTitle");
      langSwitch.lang = lang.lang === "en" ? "zh-CN" : "en";
      hint.textContent = lang.t("hint.click");
      reviewButton.textContent = lang.t("review.open");
      reviewButton.title = lang.t("review.openTitle");
      analysisButton.textContent = analysisText(lang.lang, "analysis.open");
      analysisButton.title = analysisText(lang.lang, "analysis.openTitle");
      projectsButton.textContent = healthText(lang.lang, "project.open");
      projectsButton.title = healthText(lang.lang, "project.openTitle");
      commandLink.textContent = healthText(lang.lang, "command.open");
      commandLink.href = `?mode=command&lang=${encodeURIComponent(lang.lang)}`;
      this.loadingChip.textContent = lang.t("status.loadingTiles");
      this.viewer.homeButton.viewModel.tooltip = lang.t("home.tooltip");
    };

    this.viewer = createViewer(sceneElement);
    this.overlay = new SelectionOverlay(this.viewer.scene);
    this.viewer.scene.renderError.addEventListener((_scene: unknown, error: unknown) => {
      recordError(hooks, `render error: ${String(error)}`);
    });
    this.layers = new SceneLayers(this.viewer, {
      changed: (state) => this.tree.update(state),
      tilesetCreated: (tileset) => this.settle.watch(tileset),
      failed: (state, detail) => this.layerFailed(state, detail),
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
      (loading) => {
        this.loadingChip.hidden = !loading;
      },
      () => this.overlay.ready(),
    );
    this.bim = new BimController(this.layers, this.tree, hooks, {
      storeysFailed: (state, error) => {
        recordError(hooks, `storeys of ${state.info.id}: ${String(error)}`);
        this.message.show({ key: "bim.storeysFailedMessage", params: { title: state.info.title } }, "error", failureText(error));
      },
      changed: () => this.settle.kick(),
    });
    const reviewHost = sceneReviewHost(this.viewer, this.layers, this.settle, hooks, reviewPanel.element);
    this.review = new ReviewController(reviewPanel, reviewHost, hooks.review, {
      changed: (open) => reviewButton.setAttribute("aria-pressed", String(open)),
    });
    this.analysis = this.createAnalysis(analysisPanel, (open) => {
      analysisButton.setAttribute("aria-pressed", String(open));
      stage.classList.toggle("analysis-open", open);
    });
    this.projects = new ProjectsController(this.viewer, lang, {
      changed: (open) => projectsButton.setAttribute("aria-pressed", String(open)),
      redraw: () => this.settle.kick(),
    });
    stage.append(this.projects.panel.element);
    lang.onChange(renderTexts);
    renderTexts();
  }

  /** The analysis tools: their scene drawing, the proposals they can add, window.__twin.analysis. */
  private createAnalysis(panel: AnalysisPanel, changed: (open: boolean) => void): AnalysisController {
    const hooks = this.hooks;
    let scene: AnalysisScene | null = null;
    const controller: AnalysisController = new AnalysisController(
      panel,
      {
        get scene(): AnalysisScene {
          if (scene === null) {
            throw new Error("analysis scene used before it was made");
          }
          return scene;
        },
        proposals: () =>
          this.layers
            .all()
            .filter((state) => isProposalKind(state.info.kind) && state.info.tilesetUrl !== null)
            .map((state) => ({ id: state.info.id, title: state.info.title })),
        reviewSelection: () => {
          const review = hooks.review;
          return review.selected !== null && review.loaded && review.layer !== null
            ? { submission: review.selected, layer: review.layer }
            : null;
        },
        error: (message) => recordError(hooks, message),
      },
      { changed },
    );
    scene = new AnalysisScene(
      this.viewer,
      this.layers,
      this.settle,
      controller.drawnHook,
      (pick) => this.overlay.pickThrough(pick),
      panel.element,
    );
    hooks.analysis = controller.hook;
    return controller;
  }

  async start(): Promise<void> {
    const viewer = this.viewer;
    const hashView = readCameraFromHash(window.location.hash);
    if (hashView !== null) {
      applyCameraView(viewer, hashView);
    }

    let layers: LayerInfo[] = [];
    try {
      layers = await fetchLayers();
    } catch (error) {
      recordError(this.hooks, `api/layers: ${String(error)}`);
      this.message.show({ key: "layers.loadFailed" }, "error", failureText(error));
      this.tree.clearNote();
    }
    layers = orderLayers(layers);
    this.hooks.layers = layers.map((layer) => layer.id);
    const states = this.layers.register(layers);
    for (const state of states) {
      if (isPointCloudKind(state.info.kind)) {
        this.hooks.pointStyle[state.info.id] = state.pointStyle;
      }
    }
    this.tree.setLayers(states);
    const storeys = this.bim.load(states);

    // Aim the camera before any tileset is added: tiles are then requested for
    // the view the user will see, and "all tiles loaded" means what it says.
    await this.layers.createAll();
    // Home: the union extent of the published layers that are shown (from the
    // catalog, so it is known before any tile), else the tilesets' own bounds.
    const extent = homeExtent(layers);
    this.hooks.home = extent === null ? null : [...extent.bbox];
    const home =
      extent !== null ? sphereToCesium(sphereAroundBBox(extent.bbox, extent.zmin, extent.zmax)) : this.layers.tilesetBounds();
    if (home !== null) {
      lightScene(viewer, home.center);
      if (hashView === null) {
        frameSphere(viewer, home);
      }
    }
    viewer.homeButton.viewModel.command.beforeExecute.addEventListener((info: { cancel: boolean }) => {
      if (home !== null) {
        info.cancel = true;
        flyToSphere(viewer, home, { done: this.settle.beginFlight() });
      }
    });
    this.layers.addAll();

    this.keepCameraInHash();
    // Replaces the viewer's own click handling (entity selection, double-click tracking).
    const handler = viewer.screenSpaceEventHandler;
    handler.removeInputAction(ScreenSpaceEventType.LEFT_DOUBLE_CLICK);
    handler.setInputAction(
      (click: { position: Cartesian2 }) => {
        if (this.analysis.wantsClicks()) {
          this.analysis.clickAt(click.position.x, click.position.y);
        } else {
          this.pick(click.position);
        }
      },
      ScreenSpaceEventType.LEFT_CLICK,
    );
    this.settle.start();
    this.review.followHash(window.location.hash, { fly: hashView === null });
    await storeys;
    this.hooks.ready = true;
  }

  private keepCameraInHash(): void {
    const viewer = this.viewer;
    viewer.camera.moveEnd.addEventListener(() => {
      const hash = writeCameraToHash(window.location.hash, readCameraView(viewer));
      if (hash !== window.location.hash) {
        window.history.replaceState(window.history.state, "", hash);
      }
    });
    window.addEventListener("hashchange", () => {
      const view = readCameraFromHash(window.location.hash);
      if (view !== null) {
        applyCameraView(viewer, view);
      }
      this.review.followHash(window.location.hash, { fly: view === null });
    });
  }

  private layerFailed(state: LayerState, detail: string): void {
    recordError(this.hooks, detail);
    if (state.status === "failed") {
      this.message.show({ key: "layer.failed", params: { title: state.info.title } }, "error");
    }
  }

  private flyToLayer(id: string): void {
    const sphere = this.layers.boundsOf(id);
    if (sphere !== null) {
      flyToSphere(this.viewer, sphere, { done: this.settle.beginFlight() });
    }
  }

  private setPointStyle(id: string, mode: PointStyleMode): void {
    this.layers.setPointStyle(id, mode);
    const state = this.layers.get(id);
    if (state !== undefined && isPointCloudKind(state.info.kind)) {
      this.hooks.pointStyle[id] = state.pointStyle;
    }
    this.settle.kick();
  }

  /** Marks `id` as the selected feature (null: nothing selected); another feature's footprint goes. */
  private select(id: string | null): void {
    this.hooks.lastPicked = id;
    this.layers.setHighlight(id);
    if (this.overlay.state !== null && this.overlay.state.featureId !== id) {
      this.overlay.clear();
      this.hooks.overlay = null;
      this.settle.kick();
    }
  }

  /** Drapes the footprint of the feature found by lookup `token` (unless a newer lookup began). */
  private async showFootprint(feature: FeatureInfo, token: number): Promise<void> {
    let geometry: unknown;
    try {
      geometry = await fetchFeatureGeometry(feature.layer, feature.id);
    } catch (error) {
      if (token === this.lookup) {
        recordError(this.hooks, `geometry of ${feature.id}: ${String(error)}`);
      }
      return;
    }
    if (token !== this.lookup) {
      return;
    }
    const state = this.overlay.show(feature.id, overlayShapes(geometry), feature.zmin, feature.zmax);
    this.hooks.overlay = state === null ? null : { ...state };
    this.settle.kick();
  }

  private pick(position: Cartesian2): void {
    const picked: unknown = this.overlay.pickThrough(() => this.viewer.scene.pick(position));
    this.message.clear();
    const project = this.projects.pickedProject(picked);
    if (project !== null) {
      void this.projects.select(project.id);
      return;
    }
    const layer = this.layers.layerOfTileset(pickedTileset(picked));
    this.hooks.lastPickedLayer = layer?.info.id ?? null;
    if (layer !== undefined && isTerrainKind(layer.info.kind)) {
      // The ground has nothing to show but its name.
      this.lookup += 1;
      this.select(null);
      this.info.hide();
      this.message.show({ key: "terrain.picked", params: { title: layer.info.title } });
      return;
    }
    if (!(picked instanceof Cesium3DTileFeature)) {
      this.lookup += 1;
      this.select(null);
      this.info.hide();
      return;
    }
    const id = featureId(picked);
    this.select(id);
    if (id === null) {
      this.lookup += 1;
      this.info.showTileProperties(null, tileProperties(picked));
      return;
    }
    void this.showFeature(id, { fly: false, picked, fromSearch: false, layer: layer?.info.id ?? null });
  }

  private async search(id: string): Promise<void> {
    if (id === "") {
      this.message.show({ key: "search.empty" }, "error");
      return;
    }
    this.message.show({ key: "search.searching", params: { id } });
    const resolved = await this.resolveId(id);
    await this.showFeature(resolved, { fly: true, picked: null, fromSearch: true, layer: null });
  }

  /** A bare source id ("B000123") is looked for in every layer ("<layer>:B000123"). */
  private async resolveId(id: string): Promise<string> {
    for (const candidate of candidateIds(id, this.layers.ids())) {
      try {
        if ((await fetchFeature(candidate)) !== null) {
          return candidate;
        }
      } catch {
        return candidate; // showFeature reports the failure
      }
    }
    return id; // not found anywhere: showFeature reports it under the text typed
  }

  /** Looks a feature up on the server and shows it; `picked` is the feature clicked, if any. */
  private async showFeature(
    id: string,
    options: {
      fly: boolean;
      picked: Cesium3DTileFeature | null;
      fromSearch: boolean;
      layer: string | null;
      /** Where the feature is (a search suggestion's centroid and top), when it has no box. */
      near?: { lon: number; lat: number; zmax: number };
    },
  ): Promise<void> {
    const token = ++this.lookup;
    if (options.picked !== null) {
      this.info.showLoading(id);
    }
    let feature: FeatureInfo | null;
    try {
      feature = await fetchFeature(id, options.layer);
    } catch (error) {
      if (token !== this.lookup) {
        return;
      }
      recordError(this.hooks, `api/features/${id}: ${String(error)}`);
      this.message.show({ key: "search.failed", params: { id } }, "error", failureText(error));
      if (options.picked !== null) {
        this.info.showTileProperties(id, tileProperties(options.picked));
      }
      return;
    }
    if (token !== this.lookup) {
      return;
    }
    if (feature === null) {
      if (options.picked !== null) {
        this.info.showTileProperties(id, tileProperties(options.picked));
      } else {
        this.message.show({ key: "search.notFound", params: { id } }, "error");
      }
      return;
    }
    this.select(feature.id);
    void this.showFootprint(feature, token);
    const layer = this.layers.get(feature.layer)?.info ?? null;
    this.info.showFeature(feature, layer?.title ?? null, isBimFeature(feature, layer?.kind ?? null));
    if (options.fromSearch) {
      this.message.show({ key: "search.found", params: { id: feature.id } });
    }
    const near = options.near;
    if (options.fly && feature.bbox !== null) {
      const sphere = sphereToCesium(sphereAroundBBox(feature.bbox, feature.zmin, feature.zmax));
      flyToSphere(this.viewer, sphere, { range: featureRange(sphere), done: this.settle.beginFlight() });
    } else if (options.fly && near !== undefined) {
      const top = Math.max(near.zmax, 0);
      const sphere = sphereToCesium({ lon: near.lon, lat: near.lat, height: top / 2, radius: Math.max(top / 2, 20) });
      flyToSphere(this.viewer, sphere, { range: featureRange(sphere), done: this.settle.beginFlight() });
    }
  }
}

/** Starts the viewer in `root`; problems end up in window.__twin.errors and on screen. */
export async function startApp(root: HTMLElement): Promise<void> {
  const hooks = installHooks();
  const app = new App(root, hooks);
  await app.start();
}
