// Trust end to end: the widget lives with the server's rate limits (a 429 makes events wait,
// none is lost) and tells the server only the page's origin and path.
import { test } from "node:test";
import assert from "node:assert/strict";
import { embed, eventually, hostPage, now, openPage, serverAndBrowser, sign } from "./harness.mjs";

// One visitor may make two requests at once, then one every two seconds.
const env = serverAndBrowser({ extraConfig: "[server.rate_limit]\nper_visitor = { burst = 2, per_second = 0.5 }\n" });

const widget = (page) => page.locator("moments-widget");
const count = (sql) => Number(env.server.query(sql));

test("a visitor over the rate limit has their events wait for Retry-After, and none is lost", async () => {
  const { page, context } = await openPage(env.browser);
  const limited = [];
  const sent = [];
  page.on("request", (r) => {
    if (r.url().endsWith("/v1/events") && r.resourceType() === "fetch") sent.push(Date.now());
  });
  page.on("response", (r) => {
    if (r.url().endsWith("/v1/events") && r.status() === 429) limited.push({ at: Date.now(), seconds: Number(r.headers()["retry-after"]) });
  });
  await hostPage(page, env.server, "busy.html", `<!doctype html><body><h1>Busy</h1>${embed(env.server)}</body>`);
  await widget(page).locator(".badge").waitFor();
  const visitor = await page.evaluate(() => localStorage.getItem("moments:visitor"));
  for (const n of [1, 2, 3, 4]) {
    await page.evaluate((n) => document.querySelector("moments-widget").track(`step-${n}`), n);
    await page.waitForTimeout(150);
  }
  assert.ok(await eventually(() => limited.length > 0, { timeout: 5_000 }), "the server slowed this visitor");
  assert.ok(limited.every((l) => l.seconds >= 1), `Retry-After: ${JSON.stringify(limited)}`);
  // The widget reads Retry-After (exposed to it across origins) and waits at least that long.
  for (const { at, seconds } of limited) {
    const next = sent.find((t) => t > at);
    if (next) assert.ok(next - at >= seconds * 1000 - 250, `retried after ${next - at} ms, Retry-After ${seconds} s`);
  }
  assert.ok(await eventually(() => count(`SELECT COUNT(*) FROM events WHERE visitor_id = '${visitor}' AND type = 'track'`) === 4, { timeout: 20_000 }), "every event arrived");
  assert.ok(await eventually(() => page.evaluate(() => JSON.parse(localStorage.getItem("moments:outbox:v1") ?? "[]").length === 0)));
  assert.equal(count(`SELECT COUNT(DISTINCT name) FROM events WHERE visitor_id = '${visitor}'`), 4, "each once");
  await context.close();
});

test("the server is told the page's origin and path, never its query string or fragment", async () => {
  const { page, context, problems } = await openPage(env.browser);
  env.server.writePage("thanks.html", `<!doctype html><body><h1>Thanks</h1>${embed(env.server)}</body>`);
  await page.goto(env.server.pageUrl("/thanks.html?email=ana%40example.com&order=5001#token=abc"));
  await widget(page).locator(".badge").waitFor();
  const visitor = await page.evaluate(() => localStorage.getItem("moments:visitor"));
  assert.equal(env.server.query(`SELECT page_url FROM sessions WHERE visitor_id = '${visitor}'`), env.server.pageUrl("/thanks.html"));
  assert.deepEqual(problems, []);
  await context.close();
});

test("an event the server refuses on its own is reported as moments:error with its code, and not sent again", async () => {
  const { page, context } = await openPage(env.browser);
  await page.addInitScript(() => {
    window.errors = [];
    document.addEventListener("moments:error", (e) => window.errors.push(e.detail));
  });
  const token = sign({ sub: "alice", name: "Alice", aud: "demo", iat: now(), exp: now() + 600 });
  await hostPage(page, env.server, "refused.html", `<!doctype html><body><h1>Order</h1>${embed(env.server, { attributes: `member-token="${token}"` })}</body>`);
  await widget(page).locator(".badge").waitFor();
  // A proof signed with a key the site does not have: the server refuses this event alone.
  const forged = sign({ sub: "alice", aud: "demo", event: "purchase", value: 80, jti: "order-9001", iat: now(), exp: now() + 600 }, "a-guessed-secret-that-is-long-enough-000");
  await page.evaluate((proof) => document.querySelector("moments-widget").track("purchase", { value: 80, proof }), forged);
  assert.ok(await eventually(() => page.evaluate(() => window.errors.some((e) => e.code === "proof_bad_signature"))), "the host heard why");
  const error = await page.evaluate(() => window.errors.find((e) => e.code === "proof_bad_signature"));
  assert.ok(error.message.length > 0);
  assert.ok(await eventually(() => page.evaluate(() => JSON.parse(localStorage.getItem("moments:outbox:v1") ?? "[]").length === 0)), "settled: sending it again cannot help");
  await context.close();
});
