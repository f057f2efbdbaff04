/**
 * npm install: builds native/msgpack_rows.c, the SQLite extension that
 * encodes snapshot rows in C, into native/build/. Optional: without a C
 * compiler (or off Linux and macOS) it says so and stops, and snapshots of
 * SQLite files take the JavaScript way, with the same bytes, about 3x slower.
 */
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const here = __dirname;
const out = path.join(here, "build", "msgpack_rows.so");
let headers;
try {
  // The SQLite headers better-sqlite3 builds its own SQLite with: the extension must match that SQLite.
  headers = path.join(path.dirname(require.resolve("better-sqlite3/package.json")), "deps", "sqlite3");
} catch {
  headers = null;
}

function skip(why) {
  console.warn(`stocktake-backup: the native snapshot encoder was not built (${why}); SQLite snapshots use the JavaScript encoder.`);
  process.exit(0);
}

if (process.platform !== "linux" && process.platform !== "darwin") skip(`no build recipe for ${process.platform}`);
if (headers === null || !fs.existsSync(path.join(headers, "sqlite3ext.h"))) skip("better-sqlite3's SQLite headers are not installed");
fs.mkdirSync(path.dirname(out), { recursive: true });
const cc = process.env.CC || "cc";
const shared = process.platform === "darwin" ? ["-dynamiclib", "-undefined", "dynamic_lookup"] : ["-shared"];
const run = spawnSync(cc, ["-O2", "-fPIC", ...shared, "-I", headers, path.join(here, "msgpack_rows.c"), "-o", out, "-lm"], { stdio: "inherit" });
if (run.error || run.status !== 0) skip(run.error ? run.error.message : `${cc} exited with ${run.status}`);
