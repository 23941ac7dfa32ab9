// Vite configuration of the twin viewer.
//
// The build goes to ../scene_api/static/viewer, which the FastAPI server mounts
// at "/". CesiumJS needs its static assets (web workers, textures, third-party
// WASM, widget CSS) next to the bundle: they are copied from the npm package to
// <outDir>/cesium and the app sets CESIUM_BASE_URL = "./cesium/" (relative, so
// the viewer also works behind a path prefix). `npm run dev` serves the same
// files from node_modules and proxies the API to a running twin server.
import { createReadStream } from "node:fs";
import { cp, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Plugin } from "vite";
import { defineConfig } from "vitest/config";

const here = path.dirname(fileURLToPath(import.meta.url));
const cesiumBuild = path.join(here, "node_modules", "cesium", "Build", "Cesium");
const cesiumAssetDirs = ["Workers", "Assets", "ThirdParty", "Widgets"] as const;
const outDir = path.resolve(here, "..", "scene_api", "static", "viewer");
const apiTarget = process.env["TWIN_API"] ?? "http://127.0.0.1:8000";

const mimeTypes: Record<string, string> = {
  ".js": "text/javascript",
  ".css": "text/css",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".svg": "image/svg+xml",
  ".xml": "application/xml",
};

/** Copies Cesium's static assets into the build and serves them in dev. */
function cesiumAssets(): Plugin {
  let resolvedOutDir = outDir;
  return {
    name: "twin-cesium-assets",
    configResolved(config) {
      resolvedOutDir = path.resolve(config.root, config.build.outDir);
    },
    async writeBundle() {
      for (const dir of cesiumAssetDirs) {
        await cp(path.join(cesiumBuild, dir), path.join(resolvedOutDir, "cesium", dir), {
          recursive: true,
        });
      }
    },
    configureServer(server) {
      server.middlewares.use("/cesium", (req, res, next) => {
        const urlPath = decodeURIComponent((req.url ?? "/").split("?")[0] ?? "/");
        const file = path.normalize(path.join(cesiumBuild, urlPath));
        if (!file.startsWith(cesiumBuild + path.sep)) {
          next();
          return;
        }
        stat(file)
          .then((info) => {
            if (!info.isFile()) {
              next();
              return;
            }
            res.setHeader("Content-Type", mimeTypes[path.extname(file)] ?? "application/octet-stream");
            createReadStream(file).pipe(res);
          })
          .catch(() => next());
      });
    },
  };
}

export default defineConfig({
  base: "./",
  plugins: [cesiumAssets()],
  build: {
    outDir,
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    chunkSizeWarningLimit: 6000,
  },
  server: {
    proxy: {
      "/api": apiTarget,
      "/tiles": apiTarget,
      "/scene": apiTarget,
      "/favicon.svg": apiTarget,
    },
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
