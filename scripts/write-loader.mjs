// Trunk post_build hook: minifies the hashed wasm-bindgen glue (Trunk's own minifier
// cannot parse ES modules) and writes moments.js, the stable-named loader, next to it
// from the template in src/loader.js.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
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

/**
 * wasm-bindgen names each import `__wbg_<name>_<16 hex digits>` and many exports after their
 * full Rust paths: long names of random digits in both the wasm and the glue, which no
 * compressor can shrink. binaryen renames them (and the import module) to one or two
 * characters, keeping their order; the glue is given the same names.
 */
function shortenNames(wasmPath, glueText) {
  const wasmOpt = fileURLToPath(new URL("../node_modules/.bin/wasm-opt", import.meta.url));
  const module = (path) => new WebAssembly.Module(readFileSync(path));
  const before = module(wasmPath);
  execFileSync(wasmOpt, ["--minify-imports-and-exports-and-modules", wasmPath, "-o", wasmPath], { stdio: "ignore" });
  const after = module(wasmPath);
  const pairs = (list) => {
    const [old, renamed] = [list(before), list(after)];
    if (old.length !== renamed.length || old.some((o, i) => o.kind !== renamed[i].kind)) throw new Error("wasm-opt changed more than names");
    return old.map((o, i) => [o, renamed[i]]);
  };
  const whole = (name) => name.replace(/[$]/g, "\\$&");
  // Every import must be in the glue; an export the glue never calls may be absent.
  const replaceAll = (text, pattern, to, what) => {
    const regex = new RegExp(pattern, "g");
    if (what && !regex.test(text)) throw new Error(`the glue does not have ${what}`);
    return text.replace(regex, () => to);
  };
  let text = glueText;
  const imports = pairs(WebAssembly.Module.imports);
  for (const module of new Set(imports.map(([o]) => o.module))) {
    const to = imports.find(([o]) => o.module === module)[1].module;
    text = replaceAll(text, `"${whole(module)}"`, JSON.stringify(to), `the import module ${module}`);
  }
  // Whole names only, longest first: no name is cut out of a longer one.
  const byLength = (list) => list.sort(([a], [b]) => b.name.length - a.name.length);
  for (const [o, r] of byLength(imports)) {
    text = replaceAll(text, `(?<![A-Za-z0-9_$])${whole(o.name)}(?![A-Za-z0-9_$])`, r.name, `the import ${o.name}`);
  }
  for (const [o, r] of byLength(pairs(WebAssembly.Module.exports))) {
    text = replaceAll(text, `(?<![A-Za-z0-9_$])wasm\\.${whole(o.name)}(?![A-Za-z0-9_$])`, `wasm.${r.name}`);
  }
  return text;
}

if (release) {
  const gluePath = join(dir, glue);
  const wasmPath = join(dir, wasm);
  const original = readFileSync(gluePath, "utf8");
  const wasmBefore = readFileSync(wasmPath);
  const { code } = await minify(shortenNames(wasmPath, original), options);
  writeFileSync(gluePath, code);
  // The development index.html pins the glue and the wasm with subresource integrity.
  const indexPath = join(dir, "index.html");
  const index = readFileSync(indexPath, "utf8").replace(sri(original), sri(code)).replace(sri(wasmBefore), sri(readFileSync(wasmPath)));
  writeFileSync(indexPath, index);
}

const template = readFileSync(new URL("../src/loader.js", import.meta.url), "utf8");
const loader = template.replace("__MOMENTS_GLUE__", glue).replace("__MOMENTS_WASM__", wasm);
writeFileSync(join(dir, "moments.js"), release ? (await minify(loader, options)).code : loader);
console.log(`moments.js -> ${glue}, ${wasm}${release ? " (minified)" : ""}`);
