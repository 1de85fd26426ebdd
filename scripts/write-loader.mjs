// Trunk's post_build hook, for development builds (`trunk serve`, one module: no chunks).
// Minifies the hashed wasm-bindgen glue in a release profile (Trunk's own minifier cannot
// parse ES modules) and writes moments.js, the stable-named loader, next to it. The release
// widget the tests and the demo use is built by scripts/build-widget.mjs, without Trunk.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { minifyModule, shortenNames, writeLoader } from "./widget-files.mjs";

const dir = process.env.TRUNK_STAGING_DIR;
if (!dir) throw new Error("run by trunk: TRUNK_STAGING_DIR is not set");
const release = process.env.TRUNK_PROFILE === "release";
const files = readdirSync(dir);
const glue = files.find((f) => /^moments-[0-9a-f]+\.js$/.test(f));
const wasm = files.find((f) => /^moments-[0-9a-f]+_bg\.wasm$/.test(f));
if (!glue || !wasm) throw new Error(`no hashed moments glue/wasm in ${dir}: ${files.join(", ")}`);

const sri = (text) => `sha384-${createHash("sha384").update(text).digest("base64")}`;

if (release) {
  const gluePath = join(dir, glue);
  const wasmPath = join(dir, wasm);
  const original = readFileSync(gluePath, "utf8");
  const wasmBefore = readFileSync(wasmPath);
  const code = await minifyModule(shortenNames(wasmPath, original).glue);
  writeFileSync(gluePath, code);
  // The development index.html pins the glue and the wasm with subresource integrity.
  const indexPath = join(dir, "index.html");
  const index = readFileSync(indexPath, "utf8").replace(sri(original), sri(code)).replace(sri(wasmBefore), sri(readFileSync(wasmPath)));
  writeFileSync(indexPath, index);
}

await writeLoader(join(dir, "moments.js"), { glue, wasm, minified: release });
console.log(`moments.js -> ${glue}, ${wasm}${release ? " (minified)" : ""}`);
