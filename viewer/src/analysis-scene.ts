// What the analysis tools draw in the scene, and how they read a click.
//
// * sightline: a green segment up to the first obstruction and a red one from
//   there to the end (dashed where buildings hide it), a marker at every
//   obstruction;
// * view corridor: the threshold surface as a translucent wedge from the eye to
//   the target edges, the corridor's ground outline draped over terrain and
//   roofs, the maximum-height image as an imagery overlay on its rectangle;
// * sunlight: the facade points, coloured by their sunlight hours;
// * intruding / obstructing features coloured through their layer's tile
//   style: the style's colour function is wrapped once, analysis colours come
//   first, the layer's own colours (selection, review focus, opacity) otherwise.
//
// Everything lives in one PrimitiveCollection that is hidden while picking.

import {
  Cartesian2,
  Cartesian3,
  Cartographic,
  Cesium3DTileFeature,
  Cesium3DTileStyle,
  type Cesium3DTileset,
  ClassificationPrimitive,
  ClassificationType,
  Color,
  ColorGeometryInstanceAttribute,
  CornerType,
  CorridorGeometry,
  GeometryInstance,
  ImageryLayer,
  Material,
  Math as CesiumMath,
  Matrix4,
  PerInstanceColorAppearance,
  PointPrimitiveCollection,
  PolygonGeometry,
  PolygonHierarchy,
  PolylineGeometry,
  PolylineMaterialAppearance,
  Primitive,
  PrimitiveCollection,
  Rectangle,
  SingleTileImageryProvider,
  Transforms,
  type Viewer,
} from "cesium";

import type { CorridorResult, LonLatH, MaxHeightMap, SunPoint } from "./analysis-api";
import { type SightlineDrawing, hoursColour, wedgeTriangles } from "./analysis-format";
import { sphereAroundBBox } from "./geo";
import { isPointCloudKind, isTerrainKind } from "./layer-kinds";
import { panelShiftMetres, shiftWest } from "./review-format";
import { flyToSphere, sphereToCesium } from "./scene/globe";
import { type SceneLayers, featureId } from "./scene/layers";
import type { SettleWatcher } from "./scene/settle";

const CLEAR = Color.fromCssColorString("#16a34a");
const BLOCKED = Color.fromCssColorString("#dc2626");
const PICK = Color.fromCssColorString("#1d5fbf");
const WEDGE = Color.fromCssColorString("#ef4444").withAlpha(0.3);
const WEDGE_EDGE = Color.fromCssColorString("#f97316");
const OUTLINE = Color.fromCssColorString("#f97316").withAlpha(0.95);
const LINE_WIDTH = 4;
/** Width (metres) of the corridor's ground outline. */
const OUTLINE_WIDTH = 1.5;
/** Facade points sit this far in front of their wall (metres), so the wall does not hide them. */
const FACADE_OFFSET_M = 0.4;
const MAX_HEIGHT_ALPHA = 0.6;
/** A result is seen from this many times the distance that just fits it. */
const FLY_MARGIN = 1.3;
const MIN_FLY_RANGE = 120;

/** What the analysis drew, for window.__twin.analysis.drawn. */
export interface AnalysisDrawnHook {
  /** Markers of the points clicked so far. */
  picks: number;
  /** Green segments (clear sight). */
  clearSegments: number;
  /** Red segments (behind the first obstruction). */
  blockedSegments: number;
  /** Markers at the obstructions. */
  markers: number;
  /** The corridor's threshold surface. */
  wedge: boolean;
  /** The corridor's ground outline. */
  outline: boolean;
  /** Facade points of a sunlight analysis. */
  sunPoints: number;
  /** Feature ids given an analysis colour, and the colour ("#rrggbb"). */
  tinted: Record<string, string>;
  /** Of those, the ids drawn in that colour so far (their tiles' style was applied). */
  styled: string[];
  /** The maximum-height image overlay. */
  overlay: "none" | "loading" | "shown" | "failed";
  /** Every primitive drawn is built. */
  ready: boolean;
}

export function emptyDrawnHook(): AnalysisDrawnHook {
  return {
    picks: 0,
    clearSegments: 0,
    blockedSegments: 0,
    markers: 0,
    wedge: false,
    outline: false,
    sunPoints: 0,
    tinted: {},
    styled: [],
    overlay: "none",
    ready: true,
  };
}

/** A click read in the scene. */
export interface PickedPoint {
  readonly point: LonLatH;
  /** On the terrain or the globe (not on a building). */
  readonly onGround: boolean;
  /** The layer of the object under the click (null: the globe). */
  readonly layer: string | null;
  /** The feature clicked, when it has an id. */
  readonly featureId: string | null;
}

function cartesian(p: LonLatH): Cartesian3 {
  return Cartesian3.fromDegrees(p[0], p[1], p[2]);
}

function lineInstance(points: readonly LonLatH[]): GeometryInstance {
  return new GeometryInstance({
    geometry: new PolylineGeometry({
      positions: points.map(cartesian),
      width: LINE_WIDTH,
      vertexFormat: PolylineMaterialAppearance.VERTEX_FORMAT,
      arcType: 0, // ArcType.NONE: straight lines in space
    }),
  });
}

function linePrimitive(instances: GeometryInstance[], colour: Color): Primitive {
  return new Primitive({
    geometryInstances: instances,
    appearance: new PolylineMaterialAppearance({ material: Material.fromType("Color", { color: colour }) }),
    // where buildings hide the line it is drawn dashed and fainter
    depthFailAppearance: new PolylineMaterialAppearance({
      material: Material.fromType("PolylineDash", { color: colour.withAlpha(0.7), dashLength: 12 }),
    }),
    asynchronous: false,
    allowPicking: false,
  });
}

/** The wrapped colour function of a tile style, so it is wrapped only once. */
type ColourFunction = (feature: Cesium3DTileFeature | undefined, result?: Color) => Color;

export class AnalysisScene {
  private readonly viewer: Viewer;
  private readonly layers: SceneLayers;
  private readonly settle: SettleWatcher;
  private readonly drawn: AnalysisDrawnHook;
  private readonly pickThrough: <T>(pick: () => T) => T;
  private readonly root = new PrimitiveCollection();
  private readonly picks = new PointPrimitiveCollection();
  private readonly results = new PrimitiveCollection();
  private readonly markers = new PointPrimitiveCollection();
  private readonly tint = new Map<string, Color>();
  private readonly styledIds = new Set<string>();
  private readonly wrapped = new WeakMap<Cesium3DTileStyle, ColourFunction>();
  private overlays: Array<{ collection: { remove(layer: ImageryLayer, destroy?: boolean): boolean }; layer: ImageryLayer }> = [];
  private overlayToken = 0;
  private readonly panel: HTMLElement | null;

  constructor(
    viewer: Viewer,
    layers: SceneLayers,
    settle: SettleWatcher,
    drawn: AnalysisDrawnHook,
    pickThrough: <T>(pick: () => T) => T = (pick) => pick(),
    panel: HTMLElement | null = null,
  ) {
    this.panel = panel;
    this.viewer = viewer;
    this.layers = layers;
    this.settle = settle;
    this.drawn = drawn;
    this.pickThrough = pickThrough;
    this.root.add(this.results);
    this.root.add(this.markers);
    this.root.add(this.picks);
    viewer.scene.primitives.add(this.root);
    // Classification volumes and polylines are built on the first frames after
    // they are added; keep frames coming until they are (requestRenderMode).
    viewer.scene.postRender.addEventListener(() => {
      const ready = this.ready();
      if (ready !== this.drawn.ready) {
        this.drawn.ready = ready;
      }
      if (!ready) {
        viewer.scene.requestRender();
      }
    });
  }

  // -- clicks -----------------------------------------------------------------------

  /** What lies under the canvas position (CSS pixels): the point, whether on the ground, its feature. */
  pickAt(x: number, y: number): PickedPoint | null {
    const scene = this.viewer.scene;
    const position = new Cartesian2(x, y);
    const shown = this.root.show;
    this.root.show = false;
    try {
      return this.pickThrough(() => {
        const picked: unknown = scene.pick(position);
        let layer: string | null = null;
        let id: string | null = null;
        let onTerrain = false;
        let tileset: unknown = null;
        if (picked instanceof Cesium3DTileFeature) {
          tileset = picked.tileset;
          id = featureId(picked);
        } else if (typeof picked === "object" && picked !== null && "primitive" in picked) {
          tileset = picked.primitive;
        }
        const state = this.layers.layerOfTileset(tileset);
        if (state !== undefined) {
          layer = state.info.id;
          onTerrain = isTerrainKind(state.info.kind);
        }
        let where: Cartesian3 | undefined;
        if (picked !== undefined && scene.pickPositionSupported) {
          where = scene.pickPosition(position);
        }
        const onGlobe = where === undefined;
        if (where === undefined) {
          const ray = scene.camera.getPickRay(position);
          where = (ray === undefined ? undefined : scene.globe.pick(ray, scene)) ?? scene.camera.pickEllipsoid(position);
        }
        if (where === undefined) {
          return null;
        }
        const c = Cartographic.fromCartesian(where);
        if (c === undefined) {
          return null;
        }
        const point: LonLatH = [CesiumMath.toDegrees(c.longitude), CesiumMath.toDegrees(c.latitude), c.height];
        return { point, onGround: onGlobe || onTerrain || state === undefined, layer, featureId: onTerrain ? null : id };
      });
    } finally {
      this.root.show = shown;
    }
  }

  /** Markers of the points clicked so far. */
  showPicks(points: readonly LonLatH[]): void {
    this.picks.removeAll();
    for (const p of points) {
      this.picks.add({
        position: cartesian(p),
        color: PICK,
        pixelSize: 11,
        outlineColor: Color.WHITE,
        outlineWidth: 2,
        disableDepthTestDistance: Number.POSITIVE_INFINITY,
      });
    }
    this.drawn.picks = points.length;
    this.changed();
  }

  // -- results ----------------------------------------------------------------------

  /** Removes every result drawn (not the pick markers), the colours and the overlay. */
  clearResults(): void {
    this.results.removeAll();
    this.markers.removeAll();
    Object.assign(this.drawn, { clearSegments: 0, blockedSegments: 0, markers: 0, wedge: false, outline: false, sunPoints: 0 });
    this.setTint(new Map());
    this.showMaxHeight(null);
    this.changed();
  }

  clearAll(): void {
    this.clearResults();
    this.showPicks([]);
  }

  drawSightline(drawing: SightlineDrawing): void {
    this.results.removeAll();
    this.markers.removeAll();
    this.results.add(linePrimitive([lineInstance(drawing.clear)], CLEAR));
    if (drawing.blocked !== null) {
      this.results.add(linePrimitive([lineInstance(drawing.blocked)], BLOCKED));
    }
    for (const p of drawing.markers) {
      this.markers.add({
        position: cartesian(p),
        color: BLOCKED,
        pixelSize: 10,
        outlineColor: Color.WHITE,
        outlineWidth: 2,
        disableDepthTestDistance: Number.POSITIVE_INFINITY,
      });
    }
    Object.assign(this.drawn, {
      clearSegments: 1,
      blockedSegments: drawing.blocked === null ? 0 : 1,
      markers: drawing.markers.length,
      wedge: false,
      outline: false,
      sunPoints: 0,
    });
    this.changed();
  }

  drawCorridor(result: CorridorResult): void {
    this.results.removeAll();
    this.markers.removeAll();
    const surface = result.surface;
    const triangles = wedgeTriangles(surface, result.polygon[0]);
    const wedge = triangles.length > 0;
    if (wedge) {
      this.results.add(
        new Primitive({
          geometryInstances: triangles.map(
            (triangle) =>
              new GeometryInstance({
                geometry: new PolygonGeometry({
                  polygonHierarchy: new PolygonHierarchy(triangle.map(cartesian)),
                  perPositionHeight: true,
                  vertexFormat: PerInstanceColorAppearance.FLAT_VERTEX_FORMAT,
                }),
                attributes: { color: ColorGeometryInstanceAttribute.fromColor(WEDGE) },
              }),
          ),
          appearance: new PerInstanceColorAppearance({ flat: true, translucent: true, closed: false }),
          asynchronous: false,
          allowPicking: false,
        }),
      );
    }
    if (wedge) {
      // the wedge's outline: every triangle's edges (the shared ones drawn twice)
      this.results.add(linePrimitive(triangles.map((triangle) => lineInstance(triangle.concat(triangle.slice(0, 1)))), WEDGE_EDGE));
    }
    const outer = result.polygon[0];
    let outline = false;
    if (outer !== undefined && outer.length >= 3) {
      const heights = surface === null ? [0] : [surface.eye[2], ...surface.targets.map((t) => t[2])];
      const bottom = Math.min(...heights) - 500;
      const top = Math.max(...heights) + 100;
      const first = outer[0];
      const closed = first === undefined ? outer : [...outer, first];
      const positions = Cartesian3.fromDegreesArray(closed.flatMap(([lon, lat]) => [lon, lat]));
      if (ClassificationPrimitive.isSupported(this.viewer.scene)) {
        this.results.add(
          new ClassificationPrimitive({
            geometryInstances: new GeometryInstance({
              geometry: new CorridorGeometry({
                positions,
                width: OUTLINE_WIDTH,
                height: bottom,
                extrudedHeight: top,
                cornerType: CornerType.MITERED,
                vertexFormat: PerInstanceColorAppearance.FLAT_VERTEX_FORMAT,
              }),
              attributes: { color: ColorGeometryInstanceAttribute.fromColor(OUTLINE) },
            }),
            classificationType: ClassificationType.BOTH,
            allowPicking: false,
            asynchronous: false,
          }),
        );
      } else {
        const h = surface === null ? 0 : surface.eye[2];
        this.results.add(linePrimitive([lineInstance(closed.map(([lon, lat]): LonLatH => [lon, lat, h]))], WEDGE_EDGE));
      }
      outline = true;
    }
    Object.assign(this.drawn, { clearSegments: 0, blockedSegments: 0, markers: 0, wedge, outline, sunPoints: 0 });
    this.changed();
  }

  /** Colours the intruding features and marks the highest point of each intrusion. */
  markIntrusions(points: ReadonlyArray<{ point: LonLatH | null; colour: string }>): void {
    this.markers.removeAll();
    let count = 0;
    for (const { point, colour } of points) {
      if (point !== null) {
        this.markers.add({
          position: cartesian(point),
          color: Color.fromCssColorString(colour),
          pixelSize: 9,
          outlineColor: Color.WHITE,
          outlineWidth: 1.5,
          disableDepthTestDistance: Number.POSITIVE_INFINITY,
        });
        count += 1;
      }
    }
    this.drawn.markers = count;
    this.changed();
  }

  drawSunlight(points: readonly SunPoint[], required: number | null): void {
    this.results.removeAll();
    this.markers.removeAll();
    const collection = new PointPrimitiveCollection();
    const scratch = new Matrix4();
    for (const p of points) {
      let position = cartesian(p.point);
      if (p.normal !== null) {
        // east, north, up → earth-fixed: the point just in front of its wall
        const enu = Transforms.eastNorthUpToFixedFrame(position, undefined, scratch);
        const offset = Matrix4.multiplyByPointAsVector(
          enu,
          new Cartesian3(p.normal[0] * FACADE_OFFSET_M, p.normal[1] * FACADE_OFFSET_M, p.normal[2] * FACADE_OFFSET_M),
          new Cartesian3(),
        );
        position = Cartesian3.add(position, offset, new Cartesian3());
      }
      collection.add({
        position,
        color: Color.fromCssColorString(hoursColour(p.hours, required)),
        pixelSize: 8,
        outlineColor: Color.fromCssColorString("#1c2733").withAlpha(0.6),
        outlineWidth: 1,
      });
    }
    this.results.add(collection);
    Object.assign(this.drawn, { clearSegments: 0, blockedSegments: 0, markers: 0, wedge: false, outline: false, sunPoints: points.length });
    this.changed();
  }

  // -- feature colours --------------------------------------------------------------

  /** Colours these features (id → "#rrggbb") in every layer of features; an empty map clears. */
  setTint(colours: ReadonlyMap<string, string>): void {
    const before = this.tint.size;
    this.tint.clear();
    this.styledIds.clear();
    this.drawn.styled = [];
    this.drawn.tinted = {};
    for (const [id, css] of colours) {
      this.tint.set(id, Color.fromCssColorString(css).withAlpha(1));
      this.drawn.tinted[id] = css;
    }
    if (before === 0 && this.tint.size === 0) {
      return;
    }
    for (const tileset of this.featureTilesets()) {
      this.wrap(tileset);
      tileset.makeStyleDirty();
    }
    this.changed();
  }

  private featureTilesets(): Cesium3DTileset[] {
    return this.layers
      .all()
      .filter((s) => s.tileset !== null && !isPointCloudKind(s.info.kind) && !isTerrainKind(s.info.kind))
      .flatMap((s) => (s.tileset === null ? [] : [s.tileset]));
  }

  /** Puts the analysis colours in front of the tile style's own colour function (once per style). */
  private wrap(tileset: Cesium3DTileset): void {
    const style = tileset.style;
    if (!(style instanceof Cesium3DTileStyle) || this.wrapped.has(style)) {
      return;
    }
    const inner = style.color;
    const colourOf: ColourFunction = (feature, result) => {
      const id = feature === undefined ? null : featureId(feature);
      const tint = id === null ? undefined : this.tint.get(id);
      if (tint !== undefined && id !== null) {
        if (!this.styledIds.has(id)) {
          this.styledIds.add(id);
          this.drawn.styled.push(id);
        }
        return Color.clone(tint, result);
      }
      if (inner !== undefined) {
        return inner.evaluateColor(feature as Cesium3DTileFeature, result);
      }
      return Color.clone(Color.WHITE, result);
    };
    style.color = { evaluate: colourOf, evaluateColor: colourOf } as unknown as typeof style.color;
    this.wrapped.set(style, colourOf);
  }

  // -- maximum height overlay -------------------------------------------------------

  /** Shows the maximum-height image on its rectangle (on the globe and draped over the terrain); null hides it. */
  showMaxHeight(map: MaxHeightMap | null): void {
    const token = ++this.overlayToken;
    for (const { collection, layer } of this.overlays) {
      collection.remove(layer, true);
    }
    this.overlays = [];
    if (map === null) {
      this.drawn.overlay = "none";
      this.changed();
      return;
    }
    this.drawn.overlay = "loading";
    const [w, s, e, n] = map.rectangle;
    void SingleTileImageryProvider.fromUrl(map.png, { rectangle: Rectangle.fromDegrees(w, s, e, n) }).then(
      (provider) => {
        if (token !== this.overlayToken) {
          return;
        }
        const globe = new ImageryLayer(provider, { alpha: MAX_HEIGHT_ALPHA });
        this.viewer.imageryLayers.add(globe);
        this.overlays.push({ collection: this.viewer.imageryLayers, layer: globe });
        for (const state of this.layers.all()) {
          if (state.tileset !== null && isTerrainKind(state.info.kind)) {
            const draped = new ImageryLayer(provider, { alpha: MAX_HEIGHT_ALPHA });
            state.tileset.imageryLayers.add(draped);
            this.overlays.push({ collection: state.tileset.imageryLayers, layer: draped });
          }
        }
        this.drawn.overlay = "shown";
        this.changed();
      },
      () => {
        if (token === this.overlayToken) {
          this.drawn.overlay = "failed";
        }
      },
    );
  }

  // -- camera -----------------------------------------------------------------------

  /** Flies to frame these points in the part of the canvas left of the panel. */
  flyToPoints(points: readonly LonLatH[]): void {
    if (points.length === 0) {
      return;
    }
    const lons = points.map((p) => p[0]);
    const lats = points.map((p) => p[1]);
    const hs = points.map((p) => p[2]);
    const target = sphereAroundBBox([Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)], Math.min(...hs), Math.max(...hs));
    const frustum = this.viewer.camera.frustum as { fovy?: number; aspectRatio?: number };
    const tanPhi = Math.tan((frustum.fovy ?? Math.PI / 3) / 2);
    const tanTheta = (frustum.aspectRatio ?? 1) * tanPhi;
    // the panel covers the right of the canvas: aim east of the target so that it sits left of the
    // panel, from far enough for it to fit the part left free
    const canvas = this.viewer.scene.canvas;
    const panel = this.panel;
    const covered = panel === null || panel.hidden ? 0 : Math.max(canvas.getBoundingClientRect().right - panel.getBoundingClientRect().left, 0);
    const free = canvas.clientWidth > 0 ? Math.max(1 - covered / canvas.clientWidth, 0.4) : 1;
    const fit = Math.max(target.radius / (tanTheta * free), target.radius / tanPhi);
    const range = Math.max(FLY_MARGIN * fit, MIN_FLY_RANGE);
    const shift = panelShiftMetres(covered, canvas.clientWidth, range, tanTheta);
    flyToSphere(this.viewer, sphereToCesium(shiftWest(target, -shift)), { range, done: this.settle.beginFlight() });
  }

  // -- state ------------------------------------------------------------------------

  /** True when every primitive drawn is built. */
  ready(): boolean {
    for (let i = 0; i < this.results.length; i += 1) {
      const primitive: unknown = this.results.get(i);
      if ((primitive instanceof Primitive || primitive instanceof ClassificationPrimitive) && !primitive.ready) {
        return false;
      }
    }
    return true;
  }

  private changed(): void {
    this.drawn.ready = this.ready();
    this.settle.kick();
    this.viewer.scene.requestRender();
  }
}
