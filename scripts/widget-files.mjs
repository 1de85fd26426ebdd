// What both widget builds do to the files wasm-bindgen writes: the release build
// (scripts/build-widget.mjs) and Trunk's development build (its post_build hook,
// scripts/write-loader.mjs).
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { minify } from "terser";

export const WASM_OPT = fileURLToPath(new URL("../node_modules/.bin/wasm-opt", import.meta.url));
const TERSER_OPTIONS = { module: true, compress: { passes: 2 }, mangle: true };

/** Minifies an ES module's source. */
export async function minifyModule(text) {
  return (await minify(text, TERSER_OPTIONS)).code;
}

const whole = (name) => name.replace(/[$]/g, "\\$&");

/**
 * wasm-bindgen names each import `__wbg_<name>_<16 hex digits>` and many exports after their
 * full Rust paths: long names of random digits in both the wasm and the glue, which no
 * compressor can shrink. binaryen renames them (and the import modules) to one or two
 * characters, keeping their order; the JS that names them is given the same names.
 *
 * `glue` is wasm-bindgen's JS; `split`, when the wasm was split, the splitter's loader of the
 * chunks, which the glue imports as a module of the wasm's imports (its exports are those
 * imports) and which reads some of the wasm's exports (the chunks link against them).
 * Returns both texts renamed.
 */
export function shortenNames(wasmPath, glue, split) {
  const module = (path) => new WebAssembly.Module(readFileSync(path));
  const before = module(wasmPath);
  execFileSync(WASM_OPT, ["--minify-imports-and-exports-and-modules", wasmPath, "-o", wasmPath], { stdio: "ignore" });
  const after = module(wasmPath);
  const pairs = (list) => {
    const [old, renamed] = [list(before), list(after)];
    if (old.length !== renamed.length || old.some((o, i) => o.kind !== renamed[i].kind)) throw new Error("wasm-opt changed more than names");
    return old.map((o, i) => [o, renamed[i]]);
  };
  // Every import must be where its module is defined; an export the glue never calls may be absent.
  const replaceAll = (text, pattern, to, what) => {
    const regex = new RegExp(pattern, "g");
    if (what && !regex.test(text)) throw new Error(`${what} is not where it should be`);
    return text.replace(regex, () => to);
  };
  const isSplit = (moduleName) => /__wasm_split\.js$/.test(moduleName);
  const imports = pairs(WebAssembly.Module.imports);
  // The glue's imports object names each module once (`"./moments_bg.js": import0, …`).
  // binaryen may give several modules one new name: their objects are merged under it. (The
  // splitter's module is also the glue's `import … from`: only the object's keys change.)
  const renamedModules = new Map();
  for (const [o, r] of imports) renamedModules.set(r.module, new Set([...(renamedModules.get(r.module) ?? []), o.module]));
  for (const [to, olds] of renamedModules) {
    const values = [...olds].map((old) => {
      const entry = new RegExp(`"${whole(old)}":\\s*([A-Za-z0-9_$]+),?`);
      const match = entry.exec(glue);
      if (!match) throw new Error(`the import module ${old} is not in the glue's imports object`);
      glue = glue.replace(entry, "");
      return match[1];
    });
    const merged = values.length === 1 ? values[0] : `Object.assign({}, ${values.join(", ")})`;
    glue = replaceAll(glue, "return \\{\\s*__proto__: null,", `return {\n        __proto__: null,\n        ${JSON.stringify(to)}: ${merged},`, "the glue's imports object");
  }
  // Whole names only, longest first: no name is cut out of a longer one.
  const byLength = (list) => list.sort(([a], [b]) => b.name.length - a.name.length);
  for (const [o, r] of byLength(imports)) {
    const pattern = `(?<![A-Za-z0-9_$])${whole(o.name)}(?![A-Za-z0-9_$])`;
    if (isSplit(o.module)) split = replaceAll(split, `export const ${pattern}`, `export const ${r.name}`, `the import ${o.name} in the chunk loader`);
    else glue = replaceAll(glue, pattern, r.name, `the import ${o.name} in the glue`);
  }
  const exports = new Map(pairs(WebAssembly.Module.exports).map(([o, r]) => [o.name, r.name]));
  for (const [o, r] of byLength([...exports].map(([o, r]) => [{ name: o }, { name: r }]))) {
    glue = replaceAll(glue, `(?<![A-Za-z0-9_$])wasm\\.${whole(o.name)}(?![A-Za-z0-9_$])`, `wasm.${r.name}`);
  }
  if (split) {
    // The chunk loader takes the exports the chunks link against from the main instance by
    // their old names: `const { memory, … } = initSync(…)` becomes `const { a: memory, … } = …`.
    const reading = /const \{([^}]*)\} = initSync\(/;
    if (!reading.test(split)) throw new Error("the chunk loader does not read the main module's exports as expected");
    split = split.replace(reading, (_, names) => {
      const renamed = names.split(",").map((n) => n.trim()).filter(Boolean).map((n) => {
        if (!exports.has(n)) throw new Error(`the chunks link against ${n}, which the main module does not export`);
        return `${exports.get(n)}: ${n}`;
      });
      return `const { ${renamed.join(", ")} } = initSync(`;
    });
  }
  return { glue, split };
}

/** Writes `moments.js`, the stable-named loader a host includes, from src/loader.js. */
export async function writeLoader(path, { glue, wasm, minified }) {
  const template = readFileSync(new URL("../src/loader.js", import.meta.url), "utf8");
  const loader = template.replace("__MOMENTS_GLUE__", glue).replace("__MOMENTS_WASM__", wasm);
  writeFileSync(path, minified ? await minifyModule(loader) : loader);
}
