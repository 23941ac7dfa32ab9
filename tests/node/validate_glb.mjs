// Validate GLB files with the Khronos glTF validator (npm `gltf-validator`).
//
// Usage: node validate_glb.mjs FILE.glb [FILE.glb ...]
// Prints one JSON report on stdout:
//   {"validatorVersion": "...", "files": [{"path", "numErrors", "numWarnings",
//    "numInfos", "messages": [{"code", "severity", "message", "pointer"}]}]}
// Exit code: 0 when every file was read and validated (whatever it contains),
// 2 on bad usage or when a file could not be read or parsed at all.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const validator = require("gltf-validator");

const SEVERITY = ["error", "warning", "info", "hint"];

async function validateOne(path) {
  const bytes = new Uint8Array(await readFile(path));
  const report = await validator.validateBytes(bytes, {
    uri: path,
    format: "glb",
    maxIssues: 0,
    writeTimestamp: false,
  });
  const issues = report.issues;
  return {
    path,
    numErrors: issues.numErrors,
    numWarnings: issues.numWarnings,
    numInfos: issues.numInfos,
    messages: issues.messages.map((m) => ({
      code: m.code,
      severity: SEVERITY[m.severity] ?? String(m.severity),
      message: m.message,
      pointer: m.pointer ?? null,
    })),
  };
}

async function main(paths) {
  if (paths.length === 0) {
    process.stderr.write("usage: node validate_glb.mjs FILE.glb [FILE.glb ...]\n");
    return 2;
  }
  const files = [];
  let failed = false;
  for (const path of paths) {
    try {
      files.push(await validateOne(path));
    } catch (err) {
      failed = true;
      files.push({
        path,
        numErrors: 1,
        numWarnings: 0,
        numInfos: 0,
        messages: [{ code: "UNREADABLE", severity: "error", message: String(err), pointer: null }],
      });
    }
  }
  process.stdout.write(JSON.stringify({ validatorVersion: validator.version(), files }) + "\n");
  return failed ? 2 : 0;
}

process.exitCode = await main(process.argv.slice(2));
