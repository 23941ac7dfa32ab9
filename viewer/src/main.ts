// Entry point. cesium-base must come first: it tells Cesium where its assets are.
import "./cesium-base";
import "cesium/Build/Cesium/Widgets/widgets.css";
import "./style.css";

import { startApp } from "./app";
import { startCommand } from "./command-app";

const root = document.getElementById("app");
if (root === null) {
  throw new Error("twin viewer: #app element missing");
}
// ?mode=command: the command-centre wall display (城市体检一张图) instead of the normal viewer.
if (new URLSearchParams(window.location.search).get("mode") === "command") {
  void startCommand(root);
} else {
  void startApp(root);
}
