// How a problem or a project is marked on the map (pure): its shape, fill
// colour and ring. Problems are discs coloured by severity (a closed one grey);
// projects are squares coloured by stage; an overdue item gets a red-and-white
// ring, an idle project a grey one.

import type { Problem, Project } from "./health-api";
import { CLOSED_COLOUR, projectAttention, severityColour, stageColour } from "./health-format";

export type MarkerShape = "disc" | "square";
export type MarkerRing = "overdue" | "idle" | "none";

export interface MarkerStyle {
  readonly shape: MarkerShape;
  readonly fill: string;
  readonly ring: MarkerRing;
  /** Side of the marker image in CSS pixels. */
  readonly size: number;
}

const BASE_SIZE = 22;
const RING_SIZE = 34;

export function problemMarker(problem: Pick<Problem, "severity" | "status" | "overdue">): MarkerStyle {
  const closed = problem.status === "closed";
  const ring: MarkerRing = problem.overdue && !closed ? "overdue" : "none";
  return {
    shape: "disc",
    fill: closed ? CLOSED_COLOUR : severityColour(problem.severity),
    ring,
    size: ring === "none" ? BASE_SIZE + (problem.severity - 1) * 2 : RING_SIZE,
  };
}

export function projectMarker(project: Pick<Project, "stage" | "overdue" | "idle">): MarkerStyle {
  const attention = projectAttention(project);
  return {
    shape: "square",
    fill: stageColour(project.stage),
    ring: attention ?? "none",
    size: attention === null ? BASE_SIZE : RING_SIZE,
  };
}

/** A cache key of a style (markers of one style share one image). */
export function markerKey(style: MarkerStyle): string {
  return `${style.shape}|${style.fill}|${style.ring}|${style.size}`;
}

/**
 * The part of a geometry drawn as an area: its polygons. A point is its marker alone
 * (overlayShapes would make it a disc, which the marker already says).
 */
export function areaGeometry(geometry: unknown): unknown {
  if (typeof geometry !== "object" || geometry === null) {
    return null;
  }
  const g = geometry as { type?: unknown; geometries?: unknown };
  if (g.type === "Polygon" || g.type === "MultiPolygon") {
    return geometry;
  }
  if (g.type === "GeometryCollection" && Array.isArray(g.geometries)) {
    return { type: "GeometryCollection", geometries: g.geometries.map(areaGeometry).filter((m) => m !== null) };
  }
  return null;
}
