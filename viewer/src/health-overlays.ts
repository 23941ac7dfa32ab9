// Problems and projects on the 3D map: one marker per item (a billboard clamped
// to the ground, i.e. terrain and 3D tiles, drawn over them so that buildings do
// not hide it), and an item with an area also gets that area draped over the
// ground and the roofs. Markers are drawn once per style on a canvas and shared.

import {
  Cartesian3,
  Cartographic,
  ClassificationType,
  Color,
  ColorMaterialProperty,
  ConstantProperty,
  CustomDataSource,
  type Entity,
  HeightReference,
  HorizontalOrigin,
  PolygonHierarchy,
  VerticalOrigin,
  type Viewer,
} from "cesium";

import type { Problem, Project } from "./health-api";
import { type MarkerStyle, areaGeometry, markerKey, problemMarker, projectMarker } from "./health-markers";
import { overlayShapes } from "./overlay-geometry";

export type OverlayKind = "problem" | "project";

export interface PickedItem {
  readonly kind: OverlayKind;
  readonly id: string;
}

const PIXEL_RATIO = 2;

function drawMarker(style: MarkerStyle): HTMLCanvasElement {
  const canvas = document.createElement("canvas");
  const side = style.size * PIXEL_RATIO;
  canvas.width = side;
  canvas.height = side;
  const g = canvas.getContext("2d");
  if (g === null) {
    return canvas;
  }
  g.scale(PIXEL_RATIO, PIXEL_RATIO);
  const c = style.size / 2;
  const path = (radius: number): void => {
    g.beginPath();
    if (style.shape === "disc") {
      g.arc(c, c, radius, 0, Math.PI * 2);
    } else {
      g.rect(c - radius, c - radius, radius * 2, radius * 2);
    }
  };
  const core = style.ring === "none" ? c - 2 : c - 8;
  if (style.ring === "overdue") {
    path(c - 1.5);
    g.lineWidth = 3;
    g.strokeStyle = "#ef4444";
    g.stroke();
    path(c - 5);
    g.lineWidth = 2.5;
    g.strokeStyle = "#ffffff";
    g.stroke();
  } else if (style.ring === "idle") {
    path(c - 2);
    g.setLineDash([4, 3]);
    g.lineWidth = 3;
    g.strokeStyle = "#cbd5e1";
    g.stroke();
    g.setLineDash([]);
  }
  path(core);
  g.fillStyle = style.fill;
  g.fill();
  g.lineWidth = 1.5;
  g.strokeStyle = "#0f172a";
  g.stroke();
  return canvas;
}

interface Drawn {
  readonly marker: Entity;
  readonly areas: Entity[];
  key: string;
}

export class HealthOverlays {
  private readonly viewer: Viewer;
  private readonly source = new CustomDataSource("health-check");
  private readonly images = new Map<string, HTMLCanvasElement>();
  private readonly drawn = new Map<string, Drawn>();
  private readonly items = new Map<Entity, PickedItem>();

  constructor(viewer: Viewer) {
    this.viewer = viewer;
    void viewer.dataSources.add(this.source);
  }

  set shown(value: boolean) {
    this.source.show = value;
    this.viewer.scene.requestRender();
  }

  get shown(): boolean {
    return this.source.show;
  }

  /** The item of a picked object (what scene.pick returned), or null when it is none of ours. */
  itemOf(picked: unknown): PickedItem | null {
    if (typeof picked !== "object" || picked === null || !("id" in picked)) {
      return null;
    }
    const entity: unknown = picked.id;
    return this.items.get(entity as Entity) ?? null;
  }

  /** Draws exactly these problems and projects (adding, restyling and removing markers). */
  update(problems: Iterable<Problem>, projects: Iterable<Project>): void {
    const keep = new Set<string>();
    for (const p of problems) {
      keep.add(this.put("problem", p.id, p.geometry, p.position, problemMarker(p), p.title));
    }
    for (const p of projects) {
      keep.add(this.put("project", p.id, p.geometry, p.position, projectMarker(p), p.name));
    }
    for (const [key, drawn] of this.drawn) {
      if (!keep.has(key)) {
        this.remove(key, drawn);
      }
    }
    this.viewer.scene.requestRender();
  }

  /** How many markers are drawn, by kind, and how many areas are draped on the ground. */
  counts(): { problems: number; projects: number; areas: number } {
    let problems = 0;
    let projects = 0;
    let areas = 0;
    for (const [key, drawn] of this.drawn) {
      problems += key.startsWith("problem:") ? 1 : 0;
      projects += key.startsWith("project:") ? 1 : 0;
      areas += drawn.areas.length;
    }
    return { problems, projects, areas };
  }

  private image(style: MarkerStyle): HTMLCanvasElement {
    const key = markerKey(style);
    let image = this.images.get(key);
    if (image === undefined) {
      image = drawMarker(style);
      this.images.set(key, image);
    }
    return image;
  }

  private put(
    kind: OverlayKind,
    id: string,
    geometry: unknown,
    position: readonly [number, number] | null,
    style: MarkerStyle,
    title: string,
  ): string {
    const key = `${kind}:${id}`;
    const shapeKey = `${JSON.stringify(geometry)}|${markerKey(style)}|${title}`;
    const existing = this.drawn.get(key);
    if (existing !== undefined && existing.key === shapeKey) {
      return key;
    }
    if (existing !== undefined) {
      this.remove(key, existing);
    }
    if (position === null) {
      return key;
    }
    const marker = this.source.entities.add({
      id: `health-${key}`,
      name: title,
      position: Cartesian3.fromDegrees(position[0], position[1]),
      billboard: {
        image: this.image(style),
        width: style.size,
        height: style.size,
        heightReference: HeightReference.CLAMP_TO_GROUND,
        verticalOrigin: VerticalOrigin.CENTER,
        horizontalOrigin: HorizontalOrigin.CENTER,
        disableDepthTestDistance: Number.POSITIVE_INFINITY,
      },
    });
    const areas: Entity[] = [];
    const colour = Color.fromCssColorString(style.fill);
    for (const shape of overlayShapes(areaGeometry(geometry))) {
      if (shape.kind !== "polygon") {
        continue;
      }
      const ring = (points: readonly (readonly [number, number])[]): Cartesian3[] =>
        Cartesian3.fromDegreesArray(points.flatMap(([lon, lat]) => [lon, lat]));
      areas.push(
        this.source.entities.add({
          polygon: {
            hierarchy: new ConstantProperty(
              new PolygonHierarchy(
                ring(shape.outer),
                shape.holes.map((hole) => new PolygonHierarchy(ring(hole))),
              ),
            ),
            material: new ColorMaterialProperty(colour.withAlpha(0.35)),
            classificationType: new ConstantProperty(ClassificationType.BOTH),
          },
        }),
      );
    }
    const item: PickedItem = { kind, id };
    this.items.set(marker, item);
    for (const area of areas) {
      this.items.set(area, item);
    }
    this.drawn.set(key, { marker, areas, key: shapeKey });
    return key;
  }

  private remove(key: string, drawn: Drawn): void {
    for (const entity of [drawn.marker, ...drawn.areas]) {
      this.source.entities.remove(entity);
      this.items.delete(entity);
    }
    this.drawn.delete(key);
  }
}

/** The ground height at lon/lat as far as the loaded terrain knows (0 when it does not). */
export function groundHeight(viewer: Viewer, lon: number, lat: number): number {
  return viewer.scene.globe.getHeight(Cartographic.fromDegrees(lon, lat)) ?? 0;
}
