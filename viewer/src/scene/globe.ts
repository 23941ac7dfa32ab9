// The Cesium viewer, set up to work fully offline: no ion token, no imagery
// service, no geocoder; an ellipsoid globe in a neutral colour; a frame is drawn
// only when something changed (requestRenderMode).

import {
  BoundingSphere,
  Camera,
  Cartesian2,
  Cartesian3,
  Cartographic,
  Color,
  DirectionalLight,
  EllipsoidTerrainProvider,
  HeadingPitchRange,
  Math as CesiumMath,
  Matrix4,
  Rectangle,
  Transforms,
  Viewer,
} from "cesium";

import type { CameraView } from "../camera-hash";
import type { ViewHook } from "../test-hooks";
import type { GeoSphere } from "../geo";

const GLOBE_COLOUR = "#8d99a6";
const BACKGROUND_COLOUR = "#1b2330";
/** Looking down at 35° below the horizon frames a city block well. */
const VIEW_PITCH = CesiumMath.toRadians(-35);

/** True when WebGL runs on the CPU (SwiftShader, llvmpipe): headless browsers, VMs. */
function isSoftwareRenderer(): boolean {
  const gl = document.createElement("canvas").getContext("webgl2");
  if (gl === null) {
    return false;
  }
  const info = gl.getExtension("WEBGL_debug_renderer_info");
  const renderer = info === null ? "" : String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL));
  gl.getExtension("WEBGL_lose_context")?.loseContext();
  return /swiftshader|llvmpipe|softpipe|software/i.test(renderer);
}

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
    // Multisampling makes every frame several times slower on a software renderer.
    msaaSamples: isSoftwareRenderer() ? 1 : 4,
  });
  const scene = viewer.scene;
  scene.globe.baseColor = Color.fromCssColorString(GLOBE_COLOUR);
  scene.globe.showGroundAtmosphere = false;
  // A flat-coloured ellipsoid needs no fine tiles: a coarser globe (2 is the default)
  // loads in fewer frames and looks the same.
  scene.globe.maximumScreenSpaceError = 4;
  scene.backgroundColor = Color.fromCssColorString(BACKGROUND_COLOUR);
  return viewer;
}

/**
 * Lights the scene from a fixed sun in the south-east, 45° high, as seen from
 * `centre`: facades read the same whatever the time of day, and screenshots
 * do not depend on the clock.
 */
export function lightScene(viewer: Viewer, centre: Cartesian3): void {
  const azimuth = CesiumMath.toRadians(135);
  const elevation = CesiumMath.toRadians(45);
  const towardsSun = new Cartesian3(
    Math.cos(elevation) * Math.sin(azimuth),
    Math.cos(elevation) * Math.cos(azimuth),
    Math.sin(elevation),
  );
  const frame = Transforms.eastNorthUpToFixedFrame(centre);
  const direction = Matrix4.multiplyByPointAsVector(frame, towardsSun, new Cartesian3());
  Cartesian3.negate(direction, direction);
  Cartesian3.normalize(direction, direction);
  viewer.scene.light = new DirectionalLight({ direction, intensity: 2.2 });
  viewer.scene.requestRender();
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

/**
 * Flies the camera so that it frames `sphere`, from `range` metres away (0: just
 * fits the view). `done` is called when the flight ends or is cancelled.
 */
export function flyToSphere(
  viewer: Viewer,
  sphere: BoundingSphere,
  options: { range?: number; duration?: number; done?: () => void } = {},
): void {
  const done = options.done ?? ((): void => undefined);
  viewer.camera.flyToBoundingSphere(sphere, {
    offset: new HeadingPitchRange(0, VIEW_PITCH, options.range ?? 0),
    duration: options.duration ?? 1.5,
    complete: done,
    cancel: done,
  });
  viewer.scene.requestRender();
}

/** A comfortable distance to look at one building: it fills about a third of the view. */
export function featureRange(sphere: BoundingSphere): number {
  return Math.max(sphere.radius * 5, 150);
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

/**
 * Where the camera looks: the point of the ellipsoid at the centre of the canvas
 * and the rectangle of the ellipsoid in view, in degrees (null where the view
 * misses the globe).
 */
export function describeView(viewer: Viewer): ViewHook {
  const scene = viewer.scene;
  const camera = viewer.camera;
  const canvas = scene.canvas;
  const middle = new Cartesian2(canvas.clientWidth / 2, canvas.clientHeight / 2);
  const hit = camera.pickEllipsoid(middle, scene.globe.ellipsoid);
  let centre: [number, number] | null = null;
  if (hit !== undefined) {
    const where = Cartographic.fromCartesian(hit);
    centre = [CesiumMath.toDegrees(where.longitude), CesiumMath.toDegrees(where.latitude)];
  }
  const rectangle = camera.computeViewRectangle(scene.globe.ellipsoid);
  return {
    centre,
    rectangle:
      rectangle === undefined
        ? null
        : [
            CesiumMath.toDegrees(rectangle.west),
            CesiumMath.toDegrees(rectangle.south),
            CesiumMath.toDegrees(rectangle.east),
            CesiumMath.toDegrees(rectangle.north),
          ],
  };
}
