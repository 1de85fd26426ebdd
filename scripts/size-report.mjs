// Prints what a host downloads to show the widget: raw, gzip and brotli (quality 11) sizes.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const dist = new URL("../dist/", import.meta.url).pathname;
const shipped = readdirSync(dist).filter((f) => /^moments(-[0-9a-f]+)?(_bg\.wasm|\.js|\.css)$/.test(f));
const kib = (n) => (n / 1024).toFixed(1).padStart(7);
const rows = shipped.map((file) => {
  const bytes = readFileSync(join(dist, file));
  const brotli = brotliCompressSync(bytes, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
  });
  return { file, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length, brotli: brotli.length };
});
const total = rows.reduce((t, r) => ({ raw: t.raw + r.raw, gzip: t.gzip + r.gzip, brotli: t.brotli + r.brotli }), { raw: 0, gzip: 0, brotli: 0 });
console.log(`${"widget download".padEnd(42)}${"raw KiB".padStart(8)}${"gzip".padStart(8)}${"brotli".padStart(8)}`);
for (const r of [...rows, { file: "total", ...total }]) {
  console.log(`${r.file.padEnd(42)}${kib(r.raw)} ${kib(r.gzip)} ${kib(r.brotli)}`);
}
