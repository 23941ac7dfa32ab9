// The Cesium viewer, set up to work fully offline: no ion token, no imagery
// service, no geocoder; an ellipsoid globe in a neutral colour; a frame is drawn
// only when something changed (requestRenderMode).

import {
  BoundingSphere,
  Camera,
  Cartesian3,
  Color,
  EllipsoidTerrainProvider,
  HeadingPitchRange,
  Math as CesiumMath,
  Matrix4,
  Rectangle,
  Viewer,
} from "cesium";

import type { CameraView } from "../camera-hash";
import type { GeoSphere } from "../geo";

const GLOBE_COLOUR = "#8d99a6";
const BACKGROUND_COLOUR = "#1b2330";
/** Looking down at 35° below the horizon frames a city block well. */
const VIEW_PITCH = CesiumMath.toRadians(-35);

export function createViewer(container: HTMLElement): Viewer {
  // Where the camera goes before any layer is known: China.
  Camera.DEFAULT_VIEW_RECTANGLE = Rectangle.fromDegrees(73, 18, 135, 53);
  Camera.DEFAULT_VIEW_FACTOR = 0;

  const viewer = new Viewer(container, {
    baseLayer: false,
    baseLayerPicker: false,
    geocoder: false,
    terrainProvider: new EllipsoidTerrainProvider(),
    timeline: false,
    animation: false,
    homeButton: true,
    sceneModePicker: false,
    navigationHelpButton: false,
    fullscreenButton: false,
    infoBox: false,
    selectionIndicator: false,
    requestRenderMode: true,
    maximumRenderTimeChange: Number.POSITIVE_INFINITY,
  });
  const scene = viewer.scene;
  scene.globe.baseColor = Color.fromCssColorString(GLOBE_COLOUR);
  scene.globe.showGroundAtmosphere = false;
  scene.backgroundColor = Color.fromCssColorString(BACKGROUND_COLOUR);
  return viewer;
}

export function sphereToCesium(sphere: GeoSphere): BoundingSphere {
  const centre = Cartesian3.fromDegrees(sphere.lon, sphere.lat, sphere.height);
  return new BoundingSphere(centre, sphere.radius);
}

/** Puts the camera at once where it frames `sphere` (used before tilesets are added). */
export function frameSphere(viewer: Viewer, sphere: BoundingSphere): void {
  const camera = viewer.camera;
  camera.viewBoundingSphere(sphere, new HeadingPitchRange(0, VIEW_PITCH, 0));
  camera.lookAtTransform(Matrix4.IDENTITY);
  viewer.scene.requestRender();
}

/** Flies the camera so that it frames `sphere`. */
export function flyToSphere(viewer: Viewer, sphere: BoundingSphere, duration = 1.5): void {
  viewer.camera.flyToBoundingSphere(sphere, {
    offset: new HeadingPitchRange(0, VIEW_PITCH, 0),
    duration,
  });
  viewer.scene.requestRender();
}

export function applyCameraView(viewer: Viewer, view: CameraView): void {
  viewer.camera.setView({
    destination: Cartesian3.fromDegrees(view.lon, view.lat, view.height),
    orientation: {
      heading: CesiumMath.toRadians(view.heading),
      pitch: CesiumMath.toRadians(view.pitch),
      roll: CesiumMath.toRadians(view.roll),
    },
  });
  viewer.scene.requestRender();
}

export function readCameraView(viewer: Viewer): CameraView {
  const camera = viewer.camera;
  const position = camera.positionCartographic;
  return {
    lon: CesiumMath.toDegrees(position.longitude),
    lat: CesiumMath.toDegrees(position.latitude),
    height: position.height,
    heading: CesiumMath.toDegrees(camera.heading),
    pitch: CesiumMath.toDegrees(camera.pitch),
    roll: CesiumMath.toDegrees(camera.roll),
  };
}
