// window.__twin.review: what the review panel shows, for browser tests.
//
// open          the panel is open
// listLoaded    the submission list was read (or failed)
// submissions   ids of the submissions listed (by project, then version)
// selected      id of the submission selected (null: none)
// loaded        the selected submission was read (or was not found, or failed)
// state         its state as shown: checking, checkError, checked, under_review, ...
// layer         its BIM layer
// layerShown    that layer is in the scene and was shown (the project's others hidden)
// hiddenLayers  the other versions' layers the switch hid
// focus         the failure whose elements are highlighted: its key ("rule:max_height_m",
//               "ids:0"), every GlobalId highlighted, how many were found in the layer and
//               which were not, its union extent (bbox, zmin, zmax), the sphere framed
//               (target) and the one the camera aimed at (lookAt: west of the target, so that
//               the target sits in the middle of the canvas right of the panel); arrival: when
//               the flight ended, the target's screen position, the canvas size and how much
//               of it the panel covers (CSS px); done once the lookup ended; styled lists the
//               ids of tile features that were drawn in the highlight colour so far

import type { BBox, GeoSphere } from "./geo";

export interface ReviewFocusHook {
  key: string;
  ids: string[];
  located: number;
  missing: string[];
  done: boolean;
  bbox: BBox | null;
  zmin: number | null;
  zmax: number | null;
  target: GeoSphere | null;
  lookAt: GeoSphere | null;
  arrival: { screen: [number, number] | null; canvas: [number, number]; covered: number } | null;
  styled: string[];
}

export interface ReviewHook {
  open: boolean;
  listLoaded: boolean;
  submissions: string[];
  selected: string | null;
  loaded: boolean;
  state: string | null;
  layer: string | null;
  layerShown: boolean;
  hiddenLayers: string[];
  focus: ReviewFocusHook | null;
}

export function emptyReviewHook(): ReviewHook {
  return {
    open: false,
    listLoaded: false,
    submissions: [],
    selected: null,
    loaded: false,
    state: null,
    layer: null,
    layerShown: false,
    hiddenLayers: [],
    focus: null,
  };
}
