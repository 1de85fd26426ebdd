// The widget's first download and the chunk fetched after it (src/launcher/, src/later/): what
// a page view waits for draws the badge alone, the rest comes when the browser is idle or at
// the first intent, a chunk that fails to arrive is fetched again at the next intent, and
// nothing the visitor tells us is lost meanwhile.
import { test } from "node:test";
import assert from "node:assert/strict";
import { embed, eventually, freshBadge, hostPage, now, openPage, serverAndBrowser, sign } from "./harness.mjs";

const env = serverAndBrowser();

const CHUNK = "**/*-later.wasm";
const widget = (page) => page.locator("moments-widget");
const alice = () => sign({ sub: "alice", name: "Alice", aud: "demo", iat: now(), exp: now() + 600 });

/** What a host developer would see go wrong, less the browser's own line for each request the test made fail. */
const errors = (problems) => problems.filter((p) => !(/Failed to load resource/.test(p) && /-later\.wasm/.test(p)));

/**
 * Holds the chunk behind a gate: refused (503) until `open()`, then served. Counts requests.
 */
async function gate(page) {
  const seen = { requests: 0, refused: 0, open: false };
  await page.route(CHUNK, async (route) => {
    seen.requests += 1;
    if (seen.open) return route.continue();
    seen.refused += 1;
    return route.fulfill({ status: 503, contentType: "text/plain", body: "try again later" });
  });
  return { seen, open: () => (seen.open = true) };
}

/** Records, from the first frame, when the badge first shows a number. */
async function watchBadge(page) {
  await page.addInitScript(() => {
    requestAnimationFrame(function check() {
      const points = document.querySelector("moments-widget")?.shadowRoot?.querySelector(".badge-points");
      if (points && /\d/.test(points.textContent)) window.__badgeAt = performance.now();
      else requestAnimationFrame(check);
    });
  });
}

test("the first download alone draws a member's badge and greeting: with the chunk refused, nothing errors", async () => {
  const { page, context, problems } = await openPage(env.browser);
  const { seen } = await gate(page);
  await hostPage(page, env.server, "first-only.html", `<!doctype html><body><h1>Shop</h1>${embed(env.server, { attributes: `member-token="${alice()}"` })}</body>`);
  await freshBadge(page).waitFor();
  assert.match(await widget(page).locator(".badge").innerText(), /1,240 pts\s*Silver/);
  await widget(page).locator(".greeting-text").waitFor();
  assert.equal(await widget(page).locator(".greeting-text").innerText(), "Welcome back, Alice!");
  assert.ok(await eventually(() => seen.refused >= 1, { timeout: 5_000 }), "the chunk was asked for, at idle, and refused");
  await page.waitForTimeout(1_000);
  assert.equal(await widget(page).locator(".later .live").count(), 0, "no later parts without their chunk");
  assert.deepEqual(errors(problems), []);
  await context.close();
});

test("with the chunk refused at the first tap and served later, the panel opens at the next try", async () => {
  const { page, context, problems } = await openPage(env.browser);
  const { seen, open } = await gate(page);
  await hostPage(page, env.server, "retry.html", `<!doctype html><body><h1>Shop</h1>${embed(env.server, { attributes: `member-token="${alice()}"` })}</body>`);
  await freshBadge(page).waitFor();
  await widget(page).locator(".badge").click();
  // What the tap opens says the panel could not be fetched, and offers to try again.
  await widget(page).locator(".panel .retry").waitFor();
  assert.equal(await widget(page).locator(".panel-problem").innerText(), "This couldn't be loaded. Check your connection and try again.");
  assert.equal(await widget(page).locator(".badge").getAttribute("aria-expanded"), "true");
  const refused = seen.refused;
  assert.ok(refused >= 1);

  open();
  await widget(page).locator(".panel .retry").click();
  await widget(page).locator(".member-points-value").waitFor();
  assert.equal(await widget(page).locator(".member-points-value").innerText(), "1,240");
  assert.equal(await widget(page).locator(".panel-problem").count(), 0);
  assert.equal(seen.refused, refused, "once served, the chunk is not refused again");

  // Closed and opened again: drawn from what arrived, with no request.
  await widget(page).locator(".badge").click();
  const requests = seen.requests;
  await widget(page).locator(".badge").click();
  await widget(page).locator(".member-points-value").waitFor();
  assert.equal(seen.requests, requests);
  assert.deepEqual(errors(problems), []);
  await context.close();
});

test("an answer given once the question's chunk, refused at first, has arrived is stored exactly once", async () => {
  const { page, context, problems } = await openPage(env.browser);
  const { seen, open } = await gate(page);
  await hostPage(page, env.server, "answer-once.html", `<!doctype html><body><h1>Help</h1>${embed(env.server)}</body>`);
  await freshBadge(page).waitFor();
  // The host ends the visit while the chunk is refused: the question waits for it.
  await page.evaluate(() => document.querySelector("moments-widget").endSession());
  assert.ok(await eventually(() => seen.refused >= 2, { timeout: 10_000 }), "asked again after the backoff");
  assert.equal(await widget(page).locator(".prompt").count(), 0);
  open();
  // The next automatic try (with backoff) brings the question.
  await widget(page).locator(".prompt [data-score='4']").waitFor({ timeout: 15_000 });
  await widget(page).locator(".prompt [data-score='4']").click();
  await widget(page).locator(".thanks").waitFor();
  const visitor = await page.evaluate(() => localStorage.getItem("moments:visitor"));
  const stored = () => Number(env.server.query(`SELECT COUNT(*) FROM events WHERE visitor_id = '${visitor}' AND type = 'feedback'`));
  assert.ok(await eventually(() => stored() === 1), "the answer reached the database");
  // A reload sends what is still waiting, if anything: still one.
  await page.reload();
  await freshBadge(page).waitFor();
  await page.waitForTimeout(1_500);
  assert.equal(stored(), 1);
  assert.deepEqual(await page.evaluate(() => JSON.parse(localStorage.getItem("moments:outbox:v1") ?? "[]")), []);
  assert.deepEqual(errors(problems), []);
  await context.close();
});

test("a page view without intent fetches the chunk only after the badge, when the browser is idle; a tap then needs no request", async () => {
  const { page, context, problems } = await openPage(env.browser);
  await watchBadge(page);
  const requested = [];
  page.on("request", (r) => requested.push({ url: r.url(), at: Date.now() }));
  await hostPage(page, env.server, "idle.html", `<!doctype html><body><h1>Shop</h1>${embed(env.server, { attributes: `member-token="${alice()}"` })}</body>`);
  await freshBadge(page).waitFor();
  const timing = await eventually(() =>
    page.evaluate(() => {
      const chunk = performance.getEntriesByType("resource").find((e) => e.name.endsWith("-later.wasm"));
      return chunk && window.__badgeAt !== undefined && { chunkStart: chunk.startTime, badgeAt: window.__badgeAt };
    }),
  );
  assert.ok(timing, "the chunk was fetched without any intent");
  assert.ok(timing.chunkStart >= timing.badgeAt, `chunk asked at ${timing.chunkStart.toFixed(0)} ms, badge drawn at ${timing.badgeAt.toFixed(0)} ms`);
  await widget(page).locator(".later .live").waitFor({ state: "attached" });

  // Prefetched: the panel opens with no request at all.
  const before = requested.length;
  await widget(page).locator(".badge").click();
  await widget(page).locator(".member-points-value").waitFor();
  await page.waitForTimeout(300);
  assert.deepEqual(requested.slice(before).map((r) => r.url), []);
  assert.deepEqual(errors(problems), []);
  await context.close();
});

/** A page whose browser never says it is idle: only intent can bring the chunk. */
async function neverIdle(page) {
  await page.addInitScript(() => {
    window.requestIdleCallback = () => 0;
  });
}

const chunkAsked = (page) => page.evaluate(() => performance.getEntriesByType("resource").some((e) => e.name.endsWith("-later.wasm")));

for (const [intent, act] of [
  ["the pointer over the badge", (page) => widget(page).locator(".badge").hover()],
  ["the keyboard's focus on the badge", (page) => widget(page).locator(".badge").focus()],
  ["the host ending the visit", (page) => page.evaluate(() => document.querySelector("moments-widget").endSession())],
]) {
  test(`${intent} fetches the chunk at once`, async () => {
    const { page, context, problems } = await openPage(env.browser);
    await neverIdle(page);
    await hostPage(page, env.server, "intent.html", `<!doctype html><body><h1>Shop</h1>${embed(env.server)}</body>`);
    await freshBadge(page).waitFor();
    await page.waitForTimeout(2_500);
    assert.equal(await chunkAsked(page), false, "not without intent, the browser never being idle");
    await act(page);
    assert.ok(await eventually(() => chunkAsked(page), { timeout: 3_000 }), "asked at once");
    await widget(page).locator(".later .live").waitFor({ state: "attached" });
    assert.deepEqual(errors(problems), []);
    await context.close();
  });
}
