// Builds the release widget into a folder a server can publish, without Trunk:
//
//   node scripts/build-widget.mjs [--features F] [--out DIR]     (run by scripts/build-widget.sh)
//
// 1. cargo, on the pinned nightly with std rebuilt (see scripts/env.sh), `--features split`,
//    keeping the linker's relocations, which the splitter needs;
// 2. wasm-split-cli: the main module, one chunk per split point (`src/later/`), and the JS
//    that fetches the chunks;
// 3. wasm-bindgen, keeping the table and globals the chunks link against;
// 4. wasm-opt -Oz on every module; the main module's names shortened (widget-files.mjs);
// 5. terser; then every file named after one hash of them all (they only work together),
//    moments.js (the stable-named loader) pointing at them, and .br/.gz copies beside each.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { minifyModule, shortenNames, WASM_OPT, writeLoader } from "./widget-files.mjs";

const ROOT = new URL("..", import.meta.url).pathname;
const { values: args } = parseArgs({ options: { features: { type: "string", default: "" }, out: { type: "string", default: "dist" } } });
const target = process.env.CARGO_TARGET_DIR ?? join(ROOT, "target");
const work = join(target, "widget-build", args.out.replace(/[^A-Za-z0-9_-]/g, "_"));
const out = join(ROOT, args.out);

const run = (command, commandArgs, env = {}) =>
  execFileSync(command, commandArgs, { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, ...env } });

// 1. The pinned nightly, std rebuilt with panic = immediate-abort, no panic locations, no
// Debug formatting, and std's smaller algorithms; only for the wasm target (build scripts and
// proc macros do not see RUSTFLAGS when --target is given).
if (!process.env.WIDGET_TOOLCHAIN) throw new Error("source scripts/env.sh first: WIDGET_TOOLCHAIN is not set");
run("cargo", ["build", "--release", "--target", "wasm32-unknown-unknown", "-p", "moments", "--lib", "--locked", "--offline", "--quiet",
  "--features", ["split", ...args.features.split(",").filter(Boolean)].join(",")], {
  RUSTUP_TOOLCHAIN: process.env.WIDGET_TOOLCHAIN,
  RUSTFLAGS: "-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zfmt-debug=none -Clink-args=--emit-relocs",
  CARGO_UNSTABLE_BUILD_STD: "std,panic_abort",
  CARGO_UNSTABLE_BUILD_STD_FEATURES: "optimize_for_size",
});

// 2. and 3.
rmSync(work, { recursive: true, force: true });
const [split, bindgen] = [join(work, "split"), join(work, "bindgen")];
mkdirSync(split, { recursive: true });
run("wasm-split-cli", [join(target, "wasm32-unknown-unknown/release/moments.wasm"), split, "--out-name", "moments"]);
run("wasm-bindgen", ["--target", "web", "--keep-lld-exports", "--no-typescript", "--out-dir", bindgen, join(split, "moments.wasm")]);

// 4.
const optimize = (path) => run(WASM_OPT, ["-Oz", "--converge", path, "-o", path]);
const mainWasm = join(bindgen, "moments_bg.wasm");
optimize(mainWasm);
const chunks = readdirSync(split).filter((f) => f.endsWith(".wasm") && f !== "moments.wasm").sort();
for (const chunk of chunks) optimize(join(split, chunk));
let { glue, split: loaderOfChunks } = shortenNames(mainWasm, readFileSync(join(bindgen, "moments.js"), "utf8"), readFileSync(join(split, "__wasm_split.js"), "utf8"));

// A chunk that fails to arrive is ours to handle (the widget says so and tries again at the
// next intent), not an error in the host's console.
const quiet = loaderOfChunks.replace(/\bconsole\.error\(e\);/, "");
if (quiet === loaderOfChunks) throw new Error("the splitter's loader no longer logs failures as expected: check what it does with them");
loaderOfChunks = quiet;

// 5. One hash names the set: a page never mixes a main module with another build's chunks.
const hash = createHash("sha256");
for (const part of [readFileSync(mainWasm), ...chunks.map((c) => readFileSync(join(split, c))), glue, loaderOfChunks]) hash.update(part);
const h = hash.digest("hex").slice(0, 16);
const names = {
  glue: `moments-${h}.js`,
  wasm: `moments-${h}_bg.wasm`,
  loaderOfChunks: `moments-${h}-split.js`,
  chunk: (file) => `moments-${h}-${file.replace(/^split_/, "").replace(/\.wasm$/, "")}.wasm`,
};
const rename = (text, from, to) => {
  if (!text.includes(from)) throw new Error(`expected ${from} in a generated file`);
  return text.replaceAll(from, to);
};
glue = rename(glue, '"./__wasm_split.js"', `"./${names.loaderOfChunks}"`);
glue = rename(glue, "'moments_bg.wasm'", `'${names.wasm}'`);
loaderOfChunks = rename(loaderOfChunks, '"./moments.js"', `"./${names.glue}"`);
for (const chunk of chunks) loaderOfChunks = rename(loaderOfChunks, `"./${chunk}"`, `"./${names.chunk(chunk)}"`);

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
writeFileSync(join(out, names.glue), await minifyModule(glue));
writeFileSync(join(out, names.loaderOfChunks), await minifyModule(loaderOfChunks));
writeFileSync(join(out, names.wasm), readFileSync(mainWasm));
for (const chunk of chunks) writeFileSync(join(out, names.chunk(chunk)), readFileSync(join(split, chunk)));
await writeLoader(join(out, "moments.js"), { glue: names.glue, wasm: names.wasm, minified: true });

// What a host downloads, also compressed once at the highest quality: the server sends the
// .br or .gz file to a browser that accepts it.
for (const file of readdirSync(out)) {
  const bytes = readFileSync(join(out, file));
  writeFileSync(join(out, `${file}.br`), brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } }));
  writeFileSync(join(out, `${file}.gz`), gzipSync(bytes, { level: 9 }));
}
console.log(`${args.out}/: moments.js -> ${names.glue}, ${names.wasm}, ${names.loaderOfChunks}, ${chunks.map(names.chunk).join(", ")}`);
