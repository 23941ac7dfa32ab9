// window.__twin: a small, read-only view of the viewer's state for browser tests.
//
// ready           the layer list was read and every published layer's tileset was added (or failed)
// allTilesLoaded  every shown tileset has loaded what the current view needs, and a few frames
//                 were drawn since; goes back to false while the camera moves or tiles load
// layers          ids of the layers listed by api/layers, in order
// lastPicked      id of the feature last picked or found (null before, or for an object without id)
// errors          user-visible and console-worthy errors, oldest first
// bim             per BIM layer id: its storeys as listed in the layer tree (lowest first), the
//                 storey isolated (null: all), whether spaces are shown, the show expression in
//                 force and the georeferencing warnings shown; storeysLoaded once the storey list
//                 was read or failed (ready waits for it)
// lastPickedLayer id of the layer of the object last clicked (null: empty space); set for the
//                 terrain and point clouds too, whose objects have no feature id
// overlay         the footprint drawn for the selected feature: its id, whether it drapes over
//                 terrain and tiles (clamped) and how many shapes (fills, outlines, line bands) it
//                 has; null when nothing is selected or the feature has no geometry.
//                 allTilesLoaded also waits for the overlay to be built
// pointStyle      per point cloud layer id: how its points are coloured
// home            the box (west, south, east, north in degrees) the home view frames: the union of
//                 the published layers shown; null when no layer has a box
// view            where the camera looked when the scene last settled: the point of the globe at
//                 the centre of the canvas and the rectangle of the globe in view (degrees, null
//                 where the view misses the globe); null before the first settled view
// review          the review panel: what it shows and the failure highlighted (review-hooks.ts)
// search          the search box's suggestions: whether the list is open, the query they answer,
//                 their feature ids in order, the index highlighted (-1: none), the id last chosen
//                 and how many answers (or failures) of api/search arrived

import { type ReviewHook, emptyReviewHook } from "./review-hooks";

export type { ReviewFocusHook, ReviewHook } from "./review-hooks";

export interface StoreyHook {
  id: string;
  name: string;
  elevation: number | null;
}

export interface BimLayerHooks {
  storeysLoaded: boolean;
  storeys: StoreyHook[];
  isolated: string | null;
  spacesVisible: boolean;
  showExpression: string;
  georefWarnings: string[];
}

export interface OverlayHook {
  featureId: string;
  clamped: boolean;
  entityCount: number;
}

export interface ViewHook {
  centre: [number, number] | null;
  rectangle: [number, number, number, number] | null;
}

export type PointStyleHook = "rgb" | "classification" | "intensity";

export interface SearchHook {
  open: boolean;
  query: string | null;
  suggestions: string[];
  active: number;
  chosen: string | null;
  queries: number;
}

export interface TwinHooks {
  ready: boolean;
  allTilesLoaded: boolean;
  layers: string[];
  lastPicked: string | null;
  errors: string[];
  bim: Record<string, BimLayerHooks>;
  lastPickedLayer: string | null;
  overlay: OverlayHook | null;
  pointStyle: Record<string, PointStyleHook>;
  home: [number, number, number, number] | null;
  view: ViewHook | null;
  review: ReviewHook;
  search: SearchHook;
}

declare global {
  interface Window {
    __twin?: TwinHooks;
  }
}

const MAX_ERRORS = 100;

/** Installs window.__twin and routes uncaught errors into it. */
export function installHooks(): TwinHooks {
  const hooks: TwinHooks = {
    ready: false,
    allTilesLoaded: false,
    layers: [],
    lastPicked: null,
    errors: [],
    bim: {},
    lastPickedLayer: null,
    overlay: null,
    pointStyle: {},
    home: null,
    view: null,
    review: emptyReviewHook(),
    search: { open: false, query: null, suggestions: [], active: -1, chosen: null, queries: 0 },
  };
  window.__twin = hooks;
  window.addEventListener("error", (event) => recordError(hooks, event.message || "error"));
  window.addEventListener("unhandledrejection", (event) => recordError(hooks, String(event.reason)));
  return hooks;
}

/** Appends an error (bounded, so a broken server cannot grow it forever). */
export function recordError(hooks: TwinHooks, message: string): void {
  if (hooks.errors.length < MAX_ERRORS) {
    hooks.errors.push(message);
  }
}
