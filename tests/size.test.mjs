// The widget's download size. Deterministic for a given toolchain, so it is asserted.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BUDGET_KIB, CEILING_KIB, measure, report } from "../scripts/size-report.mjs";

test("the release widget is loader, glue and wasm, and does not grow past its ceiling", (t) => {
  const sizes = measure();
  for (const line of report(sizes).split("\n")) t.diagnostic(line);
  const kinds = sizes.files.map((f) => f.file.replace(/-[0-9a-f]+/, "-HASH")).sort();
  assert.deepEqual(kinds, ["moments-HASH.js", "moments-HASH_bg.wasm", "moments.js"]);
  assert.ok(
    sizes.total.brotli <= CEILING_KIB * 1024,
    `${(sizes.total.brotli / 1024).toFixed(1)} KiB brotli is over the ${CEILING_KIB} KiB ceiling (target ${BUDGET_KIB} KiB)`,
  );
});
