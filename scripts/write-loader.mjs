// Trunk post_build hook: writes moments.js, the stable-named loader, next to the hashed
// files Trunk made, from the template in src/loader.js.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.env.TRUNK_STAGING_DIR;
if (!dir) throw new Error("run by trunk: TRUNK_STAGING_DIR is not set");
const files = readdirSync(dir);
const glue = files.find((f) => /^moments-[0-9a-f]+\.js$/.test(f));
const wasm = files.find((f) => /^moments-[0-9a-f]+_bg\.wasm$/.test(f));
if (!glue || !wasm) throw new Error(`no hashed moments glue/wasm in ${dir}: ${files.join(", ")}`);
const template = readFileSync(new URL("../src/loader.js", import.meta.url), "utf8");
const loader = template.replace("__MOMENTS_GLUE__", glue).replace("__MOMENTS_WASM__", wasm);
writeFileSync(join(dir, "moments.js"), loader);
console.log(`moments.js -> ${glue}, ${wasm}`);
