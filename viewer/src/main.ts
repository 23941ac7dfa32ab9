// Entry point. cesium-base must come first: it tells Cesium where its assets are.
import "./cesium-base";
import "cesium/Build/Cesium/Widgets/widgets.css";
import "./style.css";

import { startApp } from "./app";

const root = document.getElementById("app");
if (root === null) {
  throw new Error("twin viewer: #app element missing");
}
void startApp(root);
