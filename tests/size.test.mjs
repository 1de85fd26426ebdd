// The widget's download sizes. Deterministic for a given toolchain, so they are asserted.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FIRST_CEILING_KIB, FIRST_GOAL_KIB, TOTAL_CEILING_KIB, TOTAL_GOAL_KIB, measure, problems, report } from "../scripts/size-report.mjs";

test("the first download is the loader, the glue, the chunks' loader and the first module; the rest is chunks", (t) => {
  const sizes = measure();
  for (const line of report(sizes).split("\n")) t.diagnostic(line);
  const kinds = (files) => files.map((f) => f.file.replace(/[0-9a-f]{16}/, "HASH")).sort();
  assert.deepEqual(kinds(sizes.first), ["moments-HASH-split.js", "moments-HASH.js", "moments-HASH_bg.wasm", "moments.js"]);
  assert.deepEqual(kinds(sizes.chunks), ["moments-HASH-later.wasm"]);
  const hashes = new Set([...sizes.first, ...sizes.chunks].map((f) => /[0-9a-f]{16}/.exec(f.file)?.[0]).filter(Boolean));
  assert.equal(hashes.size, 1, "one build's files: a page never mixes a main module with another build's chunks");
});

test("neither the first download nor everything together grows past its ceiling", () => {
  assert.deepEqual(problems(measure()), []);
});

test("the ratchets fail a build that grows, and may never be raised past the goals", () => {
  const sized = (first, total) => ({ firstTotal: { brotli: first * 1024 }, total: { brotli: total * 1024 } });
  assert.deepEqual(problems(sized(FIRST_CEILING_KIB, TOTAL_CEILING_KIB)), []);
  assert.equal(problems(sized(FIRST_CEILING_KIB + 0.1, TOTAL_CEILING_KIB)).length, 1, "a first download 0.1 KiB over");
  assert.equal(problems(sized(FIRST_CEILING_KIB, TOTAL_CEILING_KIB + 0.1)).length, 1, "everything 0.1 KiB over");
  assert.equal(problems(sized(1, 1), { first: FIRST_GOAL_KIB + 1, total: TOTAL_GOAL_KIB }).length, 1, "a first ceiling over its goal");
  assert.equal(problems(sized(1, 1), { first: FIRST_GOAL_KIB, total: TOTAL_GOAL_KIB + 1 }).length, 1, "a total ceiling over its goal");
});
