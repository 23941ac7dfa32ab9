// The review panel's way into the scene (ReviewHost): layer visibility for the
// version switch, the highlight of a failure's elements and the camera flights,
// which frame their target in the part of the canvas right of the panel.

import { type BoundingSphere, Cartesian3, SceneTransforms, type Viewer } from "cesium";

import { type GeoSphere, sphereAroundBBox } from "./geo";
import type { Arrival, ReviewHost } from "./review-controller";
import { panelShiftMetres, shiftWest } from "./review-format";
import { flyToSphere, sphereToCesium } from "./scene/globe";
import type { SceneLayers } from "./scene/layers";
import type { SettleWatcher } from "./scene/settle";
import { type TwinHooks, recordError } from "./test-hooks";

/** A failure's elements are seen from this many times the distance that just fits them. */
const EXTENT_MARGIN = 1.6;
const MIN_EXTENT_RANGE = 40;

/** Cesium's own distance that fits a sphere in the view (Camera.distanceToBoundingSphere3D). */
function fittingRange(viewer: Viewer, radius: number): number {
  const frustum = viewer.camera.frustum as { fovy?: number; aspectRatio?: number };
  const tanPhi = Math.tan((frustum.fovy ?? Math.PI / 3) / 2);
  const tanTheta = (frustum.aspectRatio ?? 1) * tanPhi;
  return Math.max(radius / tanTheta, radius / tanPhi);
}

function tanHalfWidth(viewer: Viewer): number {
  const frustum = viewer.camera.frustum as { fovy?: number; aspectRatio?: number };
  return (frustum.aspectRatio ?? 1) * Math.tan((frustum.fovy ?? Math.PI / 3) / 2);
}

export function sceneReviewHost(
  viewer: Viewer,
  layers: SceneLayers,
  settle: SettleWatcher,
  hooks: TwinHooks,
  panel: HTMLElement,
): ReviewHost {
  const canvas = viewer.scene.canvas;

  /** Canvas pixels (from its left) under the panel. */
  const covered = (): number => {
    if (panel.hidden) {
      return 0;
    }
    return panel.getBoundingClientRect().right - canvas.getBoundingClientRect().left;
  };

  const screenOf = (sphere: GeoSphere): [number, number] | null => {
    const position = Cartesian3.fromDegrees(sphere.lon, sphere.lat, sphere.height);
    const window = SceneTransforms.worldToWindowCoordinates(viewer.scene, position);
    return window === undefined ? null : [window.x, window.y];
  };

  /** Flies to `sphere` from `range` metres (0: so that it fits), aimed past the panel. */
  const fly = (sphere: GeoSphere, range: number, arrived?: (arrival: Arrival) => void): GeoSphere => {
    const distance = range > 0 ? range : fittingRange(viewer, sphere.radius);
    const shift = panelShiftMetres(covered(), canvas.clientWidth, distance, tanHalfWidth(viewer));
    const lookAt = shiftWest(sphere, shift);
    const end = settle.beginFlight();
    flyToSphere(viewer, sphereToCesium(lookAt), {
      range: distance,
      done: () => {
        arrived?.({ screen: screenOf(sphere), canvas: [canvas.clientWidth, canvas.clientHeight], covered: covered() });
        end();
      },
    });
    return lookAt;
  };

  const geoOf = (sphere: BoundingSphere): GeoSphere => {
    const c = viewer.scene.globe.ellipsoid.cartesianToCartographic(sphere.center);
    return { lon: (c.longitude * 180) / Math.PI, lat: (c.latitude * 180) / Math.PI, height: c.height, radius: sphere.radius };
  };

  return {
    hasLayer: (id) => layers.get(id)?.tileset != null,
    showVersion: (layer, others) => {
      layers.setVisible(layer, true);
      for (const other of others) {
        layers.setVisible(other, false);
      }
      settle.kick();
    },
    highlight: (layer, ids, styled) => {
      layers.setFocus(layer, ids, styled);
      settle.kick();
    },
    flyToExtent: (bbox, zmin, zmax, arrived) => {
      const target = sphereAroundBBox(bbox, zmin, zmax);
      // closer than a single feature's view (featureRange): the failure fills a good part of the view
      const lookAt = fly(target, Math.max(EXTENT_MARGIN * fittingRange(viewer, target.radius), MIN_EXTENT_RANGE), arrived);
      return { target, lookAt };
    },
    flyToLayer: (id) => {
      const sphere = layers.boundsOf(id);
      if (sphere !== null) {
        fly(geoOf(sphere), 0);
      }
    },
    error: (message) => recordError(hooks, message),
  };
}
