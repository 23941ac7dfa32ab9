// The footprint of the selected feature, draped over whatever lies under it:
// the terrain tiles, building roofs, the globe. Each shape is a volume from
// below the feature's lowest point to above its highest, drawn as a
// ClassificationPrimitive (classificationType BOTH): Cesium colours the
// surfaces of 3D Tiles and of the globe inside that volume, so the footprint
// follows the ground and the roofs without knowing their heights. A translucent
// fill plus a strong outline (a narrow corridor along each ring). The overlay
// cannot be picked (pickThrough), so clicks still reach the features under it.

import {
  Cartesian3,
  ClassificationPrimitive,
  ClassificationType,
  Color,
  ColorGeometryInstanceAttribute,
  CornerType,
  CorridorGeometry,
  GeometryInstance,
  PerInstanceColorAppearance,
  PolygonGeometry,
  PolygonHierarchy,
  Primitive,
  PrimitiveCollection,
  type Scene,
} from "cesium";

import { type LonLat, type OverlayShape, volumeHeights } from "../overlay-geometry";

const FILL = Color.fromCssColorString("#f59e0b").withAlpha(0.35);
const OUTLINE = Color.fromCssColorString("#f97316").withAlpha(0.95);
/** Width (metres) of the outline along a footprint's rings. */
const OUTLINE_WIDTH = 0.8;
/** Width (metres) of the band drawn along a line feature. */
const LINE_WIDTH = 2.5;
export interface OverlayState {
  /** The feature whose footprint is drawn. */
  readonly featureId: string;
  /** True when the shapes drape over terrain and tiles; false for the flat fallback. */
  readonly clamped: boolean;
  /** Geometry instances drawn (fills, outlines and line bands). */
  readonly entityCount: number;
}

function cartesians(points: readonly LonLat[]): Cartesian3[] {
  return Cartesian3.fromDegreesArray(points.flatMap(([lon, lat]) => [lon, lat]));
}

function instance(geometry: PolygonGeometry | CorridorGeometry, colour: Color): GeometryInstance {
  return new GeometryInstance({
    geometry,
    attributes: { color: ColorGeometryInstanceAttribute.fromColor(colour) },
  });
}

export class SelectionOverlay {
  private readonly scene: Scene;
  private readonly collection: PrimitiveCollection;
  private current: OverlayState | null = null;

  constructor(scene: Scene) {
    this.scene = scene;
    this.collection = new PrimitiveCollection();
    scene.primitives.add(this.collection);
  }

  get state(): OverlayState | null {
    return this.current;
  }

  /** Draws these shapes for `featureId` (replacing what was drawn); nothing to draw clears the overlay. */
  show(featureId: string, shapes: readonly OverlayShape[], zmin: number | null, zmax: number | null): OverlayState | null {
    this.clear();
    const { bottom, top } = volumeHeights(zmin, zmax);
    const clamped = ClassificationPrimitive.isSupported(this.scene);
    // The flat fallback lies on the feature's top, where nothing hides it.
    const height = clamped ? bottom : (zmax ?? 0) + 0.2;
    const extrusion = clamped ? { extrudedHeight: top } : {};
    const fills: GeometryInstance[] = [];
    const outlines: GeometryInstance[] = [];
    const band = (points: readonly LonLat[], width: number): void => {
      outlines.push(
        instance(
          new CorridorGeometry({
            positions: cartesians(points),
            width,
            height,
            ...extrusion,
            cornerType: CornerType.MITERED,
            vertexFormat: PerInstanceColorAppearance.FLAT_VERTEX_FORMAT,
          }),
          OUTLINE,
        ),
      );
    };
    for (const shape of shapes) {
      if (shape.kind === "polygon") {
        const hierarchy = new PolygonHierarchy(
          cartesians(shape.outer),
          shape.holes.map((hole) => new PolygonHierarchy(cartesians(hole))),
        );
        fills.push(
          instance(
            new PolygonGeometry({
              polygonHierarchy: hierarchy,
              height,
              ...extrusion,
              vertexFormat: PerInstanceColorAppearance.FLAT_VERTEX_FORMAT,
            }),
            FILL,
          ),
        );
        for (const ring of [shape.outer, ...shape.holes]) {
          const first = ring[0];
          if (first !== undefined) {
            band([...ring, first], OUTLINE_WIDTH);
          }
        }
      } else {
        band(shape.positions, LINE_WIDTH);
      }
    }
    for (const instances of [fills, outlines]) {
      if (instances.length > 0) {
        this.collection.add(this.primitive(instances, clamped));
      }
    }
    const count = fills.length + outlines.length;
    this.current = count === 0 ? null : { featureId, clamped, entityCount: count };
    this.scene.requestRender();
    return this.current;
  }

  clear(): void {
    if (this.collection.length > 0) {
      this.collection.removeAll();
      this.scene.requestRender();
    }
    this.current = null;
  }

  /**
   * Runs `pick` (a synchronous scene.pick) with the overlay hidden: even with
   * allowPicking false its classification volumes hide the tiles under them from
   * the pick pass, so clicks go through it this way.
   */
  pickThrough<T>(pick: () => T): T {
    const shown = this.collection.show;
    this.collection.show = false;
    try {
      return pick();
    } finally {
      this.collection.show = shown;
    }
  }

  /** True when every primitive drawn has been built (geometry is built in web workers). */
  ready(): boolean {
    for (let i = 0; i < this.collection.length; i += 1) {
      const primitive: unknown = this.collection.get(i);
      if (primitive instanceof ClassificationPrimitive || primitive instanceof Primitive) {
        if (!primitive.ready) {
          return false;
        }
      }
    }
    return true;
  }

  private primitive(instances: GeometryInstance[], clamped: boolean): ClassificationPrimitive | Primitive {
    if (clamped) {
      return new ClassificationPrimitive({
        geometryInstances: instances,
        classificationType: ClassificationType.BOTH,
        allowPicking: false,
        releaseGeometryInstances: true,
      });
    }
    return new Primitive({
      geometryInstances: instances,
      appearance: new PerInstanceColorAppearance({ flat: true, translucent: true }),
      allowPicking: false,
      releaseGeometryInstances: true,
    });
  }
}
