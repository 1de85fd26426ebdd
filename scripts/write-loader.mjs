// Trunk post_build hook: minifies the hashed wasm-bindgen glue (Trunk's own minifier
// cannot parse ES modules) and writes moments.js, the stable-named loader, next to it
// from the template in src/loader.js.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { minify } from "terser";

const dir = process.env.TRUNK_STAGING_DIR;
if (!dir) throw new Error("run by trunk: TRUNK_STAGING_DIR is not set");
const release = process.env.TRUNK_PROFILE === "release";
const files = readdirSync(dir);
const glue = files.find((f) => /^moments-[0-9a-f]+\.js$/.test(f));
const wasm = files.find((f) => /^moments-[0-9a-f]+_bg\.wasm$/.test(f));
if (!glue || !wasm) throw new Error(`no hashed moments glue/wasm in ${dir}: ${files.join(", ")}`);

const options = { module: true, compress: { passes: 2 }, mangle: true };
const sri = (text) => `sha384-${createHash("sha384").update(text).digest("base64")}`;

if (release) {
  const gluePath = join(dir, glue);
  const original = readFileSync(gluePath, "utf8");
  const { code } = await minify(original, options);
  writeFileSync(gluePath, code);
  // The development index.html pins the glue with subresource integrity.
  const indexPath = join(dir, "index.html");
  writeFileSync(indexPath, readFileSync(indexPath, "utf8").replace(sri(original), sri(code)));
}

const template = readFileSync(new URL("../src/loader.js", import.meta.url), "utf8");
const loader = template.replace("__MOMENTS_GLUE__", glue).replace("__MOMENTS_WASM__", wasm);
writeFileSync(join(dir, "moments.js"), release ? (await minify(loader, options)).code : loader);
console.log(`moments.js -> ${glue}, ${wasm}${release ? " (minified)" : ""}`);
