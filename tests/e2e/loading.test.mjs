// How the widget loads and lives in a page it does not control: the session request overlaps
// the wasm download, a member's last standing is drawn at once, attribute changes and moves
// are taken in place, and a removed widget stops everything it started.
import { test } from "node:test";
import assert from "node:assert/strict";
import { embed, eventually, freshBadge, hostPage, now, openPage, serverAndBrowser, sign } from "./harness.mjs";

const env = serverAndBrowser();

const widget = (page) => page.locator("moments-widget");
const token = (sub) => sign({ sub, name: sub, aud: "demo", iat: now(), exp: now() + 600 });

/** Holds every wasm download for `ms`, as a slow network would. */
async function slowWasm(page, ms) {
  await page.route("**/*_bg.wasm", async (route) => {
    await new Promise((r) => setTimeout(r, ms));
    await route.continue();
  });
}

/** Start of the session request and end of the wasm download, from the page's resource timing. */
function timings(page) {
  return page.evaluate(() => {
    const entries = performance.getEntriesByType("resource");
    const session = entries.find((e) => e.name.endsWith("/v1/session"));
    const wasm = entries.find((e) => e.name.endsWith("_bg.wasm"));
    return { sessionStart: session?.startTime, wasmEnd: wasm?.responseEnd };
  });
}

test("the session request starts while the wasm is still downloading, on a first visit and a returning one", async () => {
  const { page, context, problems } = await openPage(env.browser);
  await slowWasm(page, 600);
  const backend = [];
  page.on("request", (r) => r.url().startsWith(env.server.url) && r.url().includes("/v1/") && backend.push(`${r.method()} ${new URL(r.url()).pathname}`));
  await hostPage(page, env.server, "overlap.html", `<!doctype html><body><h1>Overlap</h1>${embed(env.server)}</body>`);
  await widget(page).locator(".badge").waitFor();
  const cold = await timings(page);
  assert.ok(cold.sessionStart < cold.wasmEnd, `first visit: session asked at ${cold.sessionStart} ms, wasm arrived at ${cold.wasmEnd} ms`);

  await page.reload();
  await widget(page).locator(".badge").waitFor();
  const warm = await timings(page);
  assert.ok(warm.sessionStart < warm.wasmEnd, `returning: session asked at ${warm.sessionStart} ms, wasm arrived at ${warm.wasmEnd} ms`);
  await page.waitForTimeout(1_000);
  assert.deepEqual(backend, ["POST /v1/session", "POST /v1/session"], "one request per page view: the loader's is the one the widget uses");
  assert.deepEqual(problems, []);
  await context.close();
});

test("a member's last standing is drawn before the backend answers, for that member only, and forgotten on sign-out", async () => {
  const { page, context, problems } = await openPage(env.browser);
  const alice = token("alice");
  const page_ = (t) => `<!doctype html><body><h1>Account</h1>${embed(env.server, { attributes: t ? `member-token="${t}"` : "" })}</body>`;
  await hostPage(page, env.server, "standing.html", page_(alice));
  await widget(page).locator(".badge").waitFor();
  const fresh = await widget(page).locator(".badge").innerText();
  assert.match(fresh, /1,240 pts\s*Silver/);
  const kept = await page.evaluate(() => Object.entries(localStorage).filter(([k]) => k.startsWith("moments:standing:")));
  assert.equal(kept.length, 1);
  assert.ok(!kept[0][1].includes(alice) && !kept[0][1].includes("Alice"), "neither the token nor the name is kept");

  // The next page view: the backend takes its time, the badge does not wait for it.
  let release;
  const held = new Promise((r) => (release = r));
  await page.route("**/v1/session", async (route) => {
    await held;
    await route.continue();
  });
  await page.reload();
  await widget(page).locator(".badge").waitFor({ timeout: 3_000 });
  assert.equal(await widget(page).locator(".badge").innerText(), fresh, "the kept standing, before any answer");
  assert.equal(await widget(page).locator(".moments").getAttribute("aria-busy"), "true", "marked as about to change");
  const box = await widget(page).locator(".badge").boundingBox();
  release();
  await freshBadge(page).waitFor();
  await widget(page).locator(".greeting-text").waitFor();
  assert.deepEqual(await widget(page).locator(".badge").boundingBox(), box, "the fresh answer takes the same place");

  // Another member on this browser sees nothing of Alice's while their own answer is on its way.
  let releaseBob;
  const heldBob = new Promise((r) => (releaseBob = r));
  await page.unroute("**/v1/session");
  await page.route("**/v1/session", async (route) => {
    await heldBob;
    await route.continue();
  });
  await hostPage(page, env.server, "standing.html", page_(token("bob")));
  await page.waitForTimeout(800);
  assert.equal(await widget(page).locator(".badge").count(), 0, "no badge of Alice's for Bob");
  releaseBob();
  await widget(page).locator(".badge").waitFor();
  assert.doesNotMatch(await widget(page).locator(".badge").innerText(), /1,240/);

  // Signed out: the kept standing goes.
  await page.unroute("**/v1/session");
  await hostPage(page, env.server, "standing.html", page_(null));
  await widget(page).locator(".badge").waitFor();
  assert.deepEqual(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("moments:standing:"))), []);
  assert.deepEqual(problems, []);
  await context.close();
});

test("a new member token updates the widget in place: the open panel and a draft comment stay", async () => {
  const { page, context, problems } = await openPage(env.browser);
  await hostPage(page, env.server, "switch.html", `<!doctype html><body><h1>Switch</h1>${embed(env.server, { attributes: `member-token="${token("alice")}"` })}</body>`);
  await widget(page).locator(".badge").click();
  await widget(page).locator('[role="radio"]').first().click();
  await widget(page).locator(".comment-input").fill("half a thought");
  const sessions = Number(env.server.query("SELECT COUNT(*) FROM sessions"));
  await page.evaluate((t) => document.querySelector("moments-widget").setAttribute("member-token", t), token("carol"));
  assert.ok(await eventually(async () => !/1,240/.test(await widget(page).locator(".badge").innerText())), "Carol's standing replaces Alice's");
  assert.equal(Number(env.server.query("SELECT COUNT(*) FROM sessions")), sessions + 1, "a new session for the new member");
  assert.equal(env.server.query("SELECT member_id FROM sessions ORDER BY rowid DESC LIMIT 1"), "carol");
  assert.equal(await widget(page).locator(".panel:not([hidden])").count(), 1, "the panel is still open");
  assert.equal(await widget(page).locator(".comment-input").inputValue(), "half a thought");

  // Moving the element restarts nothing.
  await page.evaluate(() => document.body.prepend(document.querySelector("moments-widget")));
  await page.waitForTimeout(500);
  assert.equal(Number(env.server.query("SELECT COUNT(*) FROM sessions")), sessions + 1, "no session for a move");
  assert.equal(await widget(page).locator(".comment-input").inputValue(), "half a thought");
  assert.deepEqual(problems, []);
  await context.close();
});

/**
 * Counts, from the start, what happens after `window.removedAt` is set: timer callbacks run,
 * fetches started, and the signals of every fetch so their abort can be checked.
 */
async function watchAfterRemoval(page) {
  await page.addInitScript(() => {
    window.after = { timers: 0, fetches: 0 };
    window.signals = [];
    const late = () => window.removedAt !== undefined;
    for (const name of ["setTimeout", "setInterval"]) {
      const original = window[name];
      window[name] = function (callback, ...rest) {
        if (typeof callback !== "function") return original.call(this, callback, ...rest);
        return original.call(this, function (...args) {
          if (late()) window.after.timers += 1;
          return callback.apply(this, args);
        }, ...rest);
      };
    }
    const fetch = window.fetch;
    window.fetch = function (input, init) {
      if (late()) window.after.fetches += 1;
      window.signals.push(init?.signal ?? (input instanceof Request ? input.signal : null));
      return fetch.call(this, input, init);
    };
  });
}

test("a removed widget stops everything it started: requests aborted, no timer fires, nothing is sent", async () => {
  const { page, context, problems } = await openPage(env.browser);
  await watchAfterRemoval(page);
  // While the session request hangs, the element goes.
  await page.route("**/v1/session", () => {});
  await hostPage(page, env.server, "removed.html", `<!doctype html><body><h1>Removed</h1>${embed(env.server, { attributes: 'idle-timeout="1"' })}</body>`);
  await page.waitForTimeout(1_000);
  await page.evaluate(() => {
    window.removedAt = performance.now();
    document.querySelector("moments-widget").remove();
  });
  await page.waitForTimeout(2_500);
  const hanging = await page.evaluate(() => window.signals.filter((s) => s && !s.aborted).length);
  assert.equal(hanging, 0, "every request it started was aborted");
  assert.deepEqual(await page.evaluate(() => window.after), { timers: 0, fetches: 0 });

  // A widget that had started (greeting timers, idle check, listeners) stops as well.
  await page.unroute("**/v1/session");
  await page.evaluate(() => (window.removedAt = undefined));
  await hostPage(page, env.server, "removed.html", `<!doctype html><body><h1>Removed</h1>${embed(env.server, { attributes: 'idle-timeout="1"' })}</body>`);
  await widget(page).locator(".badge").waitFor();
  await page.waitForTimeout(300);
  await page.evaluate(() => {
    window.removedAt = performance.now();
    document.querySelector("moments-widget").remove();
  });
  // Input that would reset the idle timer, and more than the idle timeout.
  await page.mouse.move(10, 10);
  await page.keyboard.press("Shift");
  await page.waitForTimeout(2_500);
  assert.deepEqual(await page.evaluate(() => window.after), { timers: 0, fetches: 0 });
  assert.deepEqual(problems, []);
  await context.close();
});
