// What a host downloads to show the widget: raw, gzip and brotli (quality 11) sizes of the
// loader, glue, wasm and any CSS in dist/. Run directly to print them; tests import measure().
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

/** The project's target for the whole download, brotli. */
export const BUDGET_KIB = 60;
/**
 * Today's ceiling: the build may not grow past it while it is over the target (see README).
 * Raised only with a feature an issue asks for, by what that feature measured (84 -> 95 with
 * the end-of-session prompt, NPS and thumbs scales, comments, triggers and beacons: +11.1 KiB;
 * 95 -> 103 with surprises: element.track(), the gift, the claim client, the reveal with its
 * coupon copy, and their catalog texts in three languages: +8.4 KiB; 103 -> 105 with experiment
 * exposures: reading the assignments, reporting each message when it is on screen: +1.7 KiB;
 * 105 -> 106.3 with trust (#13): the proof in track(), the claim's session id, sending the
 * outbox again in a new session after unknown_session, holding new sends until a 429's
 * Retry-After has passed, the page's origin and path only: 107,094 -> 108,763 bytes, +1.6 KiB;
 * 106.3 -> 114.1 with rewards (#15): the catalog and ways to earn read from the session answer
 * (+0.7 KiB for the new wire fields alone), the rewards list with its confirm step, the code
 * to copy, the codes in the history, the redeem client with its kept idempotency key, and
 * their texts in three languages: 108,763 -> 116,788 bytes, +7.8 KiB; twiggy puts most of it
 * in the render function yew's html! expands the new markup into; 114.1 -> 114.5 with points
 * expiry (#15): the warning in the panel and its decoder, 116,788 -> 117,186 bytes, +0.4 KiB;
 * 114.5 -> 115.3 with #16's first fixes: events the server refuses one by one reported as
 * moments:error (reading `rejected`), text/plain requests, one question on screen; 115.3 ->
 * 115.8 with three inline SVG icons in place of emoji, an outbox that keeps answers when
 * full and says so, and join links checked for http(s); 115.8 -> 115.9 with the request
 * timeout covering the answer's body: 118,570 -> 118,606 bytes; 115.9 -> 116.1 with the
 * protocol's one track-name rule in place of the widget's own: 118,606 -> 118,813 bytes;
 * 116.1 -> 116.4 with one end-of-visit question per page for a site's widgets: 118,813 ->
 * 119,188 bytes; down to 116.4 KiB exactly (119,133 bytes) without the test-only crash export; 116.4 ->
 * 121.4 with #16's loading and lifecycle: the loader sends the session request itself while
 * the wasm loads (+0.6 KiB loader) and the wasm takes its answer, the member's last standing
 * kept and drawn at once, attribute changes taken in place, every request and retry timer
 * aborted when the element goes: 119,133 -> 124,309 bytes; 121.4 -> 110.9 with the release
 * build on a pinned nightly with std rebuilt to abort at once on a panic, no panic locations
 * and no Debug formatting (-10.0 KiB), and wasm-opt --converge (-0.4 KiB): 113,546 bytes; 110.9 -> 111.0 with the session's
 * first render in a task of its own, after the task that read the answer (a 73 ms task on a
 * throttled phone became 57 and 65 ms): 113,546 -> 113,566 bytes; 111.0 -> 106.4 with the
 * wasm's imports, exports and import module renamed to one or two characters in the wasm and
 * the glue alike (write-loader.mjs): wasm-bindgen's names carry 16 random hex digits each,
 * and some exports spell out whole Rust paths: 113,566 -> 108,908 bytes, glue 5.7 -> 3.7 KiB;
 * 106.4 -> 106.9 with the kept standing kept current after a claim or a redemption on the page
 * (it showed the balance from before them on the next page view) and marked busy until the
 * backend answers: 108,908 -> 109,435 bytes; 106.9 -> 105.9 without core::fmt on any widget
 * path: texts joined with the protocol's text::cat and text::decimal instead of format!, and
 * Yew's default panic hook, which the widget never lets run, replaced by a no-op crate
 * (crates/no-panic-hook): 109,435 -> 108,423 bytes; 105.9 -> 105.5 with std built with its
 * optimize_for_size feature, numbers written without Intl (which also ended a 54 ms task),
 * and the session answer read, decoded and drawn in three tasks: 108,423 -> 107,946 bytes;
 * 105.5 -> 106.9 with context from support portals (#17): element.setContext() and the
 * `context` attribute's JSON, checked by the protocol's rule and carried by the answer:
 * 107,883 -> 109,431 bytes, +1.5 KiB; as a BTreeMap, as first written, it was +3.4 KiB, so the
 * pairs travel as a list the protocol serialises as a JSON object).
 */
export const CEILING_KIB = 106.9;

const DIST = fileURLToPath(new URL("../dist/", import.meta.url));

export function measure(dist = DIST) {
  const shipped = readdirSync(dist).filter((f) => /^moments(-[0-9a-f]+)?(_bg\.wasm|\.js|\.css)$/.test(f));
  const files = shipped.map((file) => {
    const bytes = readFileSync(join(dist, file));
    const brotli = brotliCompressSync(bytes, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
    });
    return { file, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length, brotli: brotli.length };
  });
  const sum = (key) => files.reduce((t, f) => t + f[key], 0);
  return { files, total: { file: "total", raw: sum("raw"), gzip: sum("gzip"), brotli: sum("brotli") } };
}

export function report({ files, total }) {
  const kib = (n) => (n / 1024).toFixed(1).padStart(7);
  const lines = [`${"widget download".padEnd(42)}${"raw KiB".padStart(8)}${"gzip".padStart(8)}${"brotli".padStart(8)}`];
  for (const r of [...files, total]) lines.push(`${r.file.padEnd(42)}${kib(r.raw)} ${kib(r.gzip)} ${kib(r.brotli)}`);
  lines.push(`budget ${BUDGET_KIB} KiB brotli: ${total.brotli <= BUDGET_KIB * 1024 ? "within" : `over by ${((total.brotli - BUDGET_KIB * 1024) / 1024).toFixed(1)} KiB`}`);
  return lines.join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(report(measure()));
