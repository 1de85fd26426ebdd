// What a host downloads to show the widget, raw, gzip and brotli (quality 11): the first
// download (what a page view waits for before the first badge: the loader, the glue, the
// chunks' loader and the first module) and each chunk fetched after it. Run directly to print
// them; tests import measure() and problems().
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

/** The goals, brotli: what a page view waits for, and everything together. */
export const FIRST_GOAL_KIB = 60;
export const TOTAL_GOAL_KIB = 125;

/**
 * The ratchets: neither figure may grow past its ceiling, and a ceiling is raised only with a
 * feature an issue asks for, by what that feature measured, with the reason written here.
 *
 * Before #25 the widget was one download, whose ceiling went from 84 KiB to 106.9 KiB with the
 * features of #5 to #17 (each step and its reason is in this file's history: the end-of-visit
 * prompt +11.1, surprises +8.4, exposures +1.7, trust +1.6, rewards +7.8, expiry +0.4,
 * loading and lifecycle +5.0, and -10.0 for the nightly std that aborts on a panic, -4.6 for
 * renamed imports and exports, -1.0 without core::fmt, -0.5 std's optimize_for_size).
 *
 * #25 split it: a first download of 50.5 KiB (loader 1.3, glue 3.7, chunks' loader 0.4, first
 * module 45.0) drawn by a launcher without Yew (a first module with Yew, a session and a bare
 * badge measured 65.7 KiB on its own), and the later parts, the Yew app, in a chunk of
 * 70.6 KiB fetched when the browser is idle or at the first intent: 121.2 KiB in all (each
 * ceiling is the figure rounded up to the tenth). Within that: dates written without Intl
 * (+0.3 KiB; Intl's first use cost about 100 ms on the tap that opens the panel), the panel
 * drawn ahead, hidden, in three idle stages (+1.4 KiB; a tap to the panel painted went from
 * 114 to 54-84 ms), and the later parts given their state as props rather than through a
 * context (-2.2 KiB).
 *
 * #29 (refer a friend) raised both: the first module decodes the session's `referral` and
 * sends the device id (+0.6 KiB, 51.1, the glue's new imports for the address and the
 * history included); the chunk has the member's link with Share or Copy, the share offer
 * after a promoter's answer and the friend's welcome (+3.2 KiB, 73.8): 124.9 in all (ceilings rounded up to the tenth). Measured with twiggy,
 * the first try was 128.4 in all: the sentences now come from the server in the session's
 * locale as the greeting does (-1.2), the friend's card and the link are drawn in the
 * later parts' one state rather than as components with hooks of their own (-1.1), the
 * address read with URLSearchParams rather than string search (-0.8: str::find's searcher
 * was new to the first module), and the link's markup kept to three elements (-0.3).
 */
export const FIRST_CEILING_KIB = 51.2;
export const TOTAL_CEILING_KIB = 125.0;

const DIST = fileURLToPath(new URL("../dist/", import.meta.url));

/** The first download, by the names scripts/build-widget.mjs gives its files. */
const FIRST = [/^moments\.js$/, /^moments-[0-9a-f]+\.js$/, /^moments-[0-9a-f]+-split\.js$/, /^moments-[0-9a-f]+_bg\.wasm$/];
const CHUNK = /^moments-[0-9a-f]+-[a-z0-9_]+\.wasm$/;

export function measure(dist = DIST) {
  const sizes = (file) => {
    const bytes = readFileSync(join(dist, file));
    const brotli = brotliCompressSync(bytes, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
    });
    return { file, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length, brotli: brotli.length };
  };
  const names = readdirSync(dist);
  const first = names.filter((f) => FIRST.some((p) => p.test(f))).sort().map(sizes);
  const chunks = names.filter((f) => CHUNK.test(f)).sort().map(sizes);
  const sum = (file, files) => ({ file, ...Object.fromEntries(["raw", "gzip", "brotli"].map((k) => [k, files.reduce((t, f) => t + f[k], 0)])) });
  return { first, chunks, firstTotal: sum("first download", first), total: sum("everything", [...first, ...chunks]) };
}

const kib = (bytes) => bytes / 1024;

/** What is wrong with `sizes` against the ratchets (and the ratchets against the goals). */
export function problems(sizes, ceilings = { first: FIRST_CEILING_KIB, total: TOTAL_CEILING_KIB }) {
  const found = [];
  const check = (what, bytes, ceiling, goal) => {
    if (kib(bytes) > ceiling) found.push(`${what}: ${kib(bytes).toFixed(1)} KiB brotli is over its ceiling of ${ceiling} KiB`);
    if (ceiling > goal) found.push(`${what}: the ceiling of ${ceiling} KiB is over the goal of ${goal} KiB`);
  };
  check("the first download", sizes.firstTotal.brotli, ceilings.first, FIRST_GOAL_KIB);
  check("everything together", sizes.total.brotli, ceilings.total, TOTAL_GOAL_KIB);
  return found;
}

export function report({ first, chunks, firstTotal, total }) {
  const cell = (n) => kib(n).toFixed(1).padStart(8);
  const line = (r) => `${r.file.padEnd(44)}${cell(r.raw)}${cell(r.gzip)}${cell(r.brotli)}`;
  return [
    `${"widget download, KiB".padEnd(44)}${"raw".padStart(8)}${"gzip".padStart(8)}${"brotli".padStart(8)}`,
    ...first.map(line),
    line(firstTotal),
    ...chunks.map((c) => line({ ...c, file: `${c.file} (later)` })),
    line(total),
    `first download ${kib(firstTotal.brotli).toFixed(1)} KiB brotli (goal ${FIRST_GOAL_KIB}, ceiling ${FIRST_CEILING_KIB}); ` +
      `everything ${kib(total.brotli).toFixed(1)} KiB (goal ${TOTAL_GOAL_KIB}, ceiling ${TOTAL_CEILING_KIB})`,
  ].join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(report(measure()));
