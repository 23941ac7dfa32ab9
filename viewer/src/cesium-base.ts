// Must be imported before anything from "cesium": Cesium looks for its web
// workers and assets under CESIUM_BASE_URL. Relative, so that a path prefix works.

declare global {
  interface Window {
    CESIUM_BASE_URL?: string;
  }
}

window.CESIUM_BASE_URL = "./cesium/";

export {};
