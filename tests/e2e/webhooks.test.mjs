// Webhooks end to end: a receiver process that checks every delivery with the official
// Standard Webhooks library (npm `standardwebhooks`), fed by the release server: a low answer
// given in the widget, a receiver that fails then recovers, a server killed with SIGKILL while
// deliveries wait, two servers on one database, and the dashboard's delivery list in Chromium.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { mkdirSync } from "node:fs";
import { ADMIN_KEY, ARTIFACTS, eventually, launchBrowser, openPage, pageAxeViolations, startServer } from "./harness.mjs";

const env = {};

let receiver;
let receiverUrl;
let secret;
let endpoint;

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  // Receivers on 127.0.0.1 are allowed here; fast retries so the test waits seconds, not hours.
  env.server = await startServer({
    extraConfig: "[server.webhooks]\nallow_private_networks = true\nfirst_retry_ms = 200\npoll_ms = 50\ntimeout_secs = 2\n",
  });
  env.browser = await launchBrowser();
  receiver = spawn(process.execPath, [join(import.meta.dirname, "webhook-receiver.mjs")], { stdio: ["ignore", "pipe", "inherit"] });
  receiverUrl = await new Promise((ok) => receiver.stdout.on("data", (d) => ok(/receiver at (\S+)/.exec(String(d))[1])));
  const made = await env.server.admin("webhooks", {
    url: `${receiverUrl}/hook`,
    events: ["feedback.received", "recovery.opened", "points.changed"],
    description: "The shop's helpdesk",
  });
  assert.equal(made.status, 201);
  ({ secret } = made.body);
  endpoint = made.body.endpoint.id;
  await control({ secret });
});

after(async () => {
  receiver?.kill();
  await env.browser?.close();
  await env.server?.stop();
});

async function control(settings) {
  await fetch(`${receiverUrl}/control`, { method: "POST", body: JSON.stringify(settings) });
}

const records = async () => (await fetch(`${receiverUrl}/records`)).json();

/** Points for `member` through the admin API of `server` (a URL): one points.changed each. */
async function award(member, key, server = env.server.url) {
  const response = await fetch(`${server}/v1/admin/sites/demo/members/${member}/points`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_KEY}` },
    body: JSON.stringify({ delta: 5, reason: "Review", idempotency_key: key }),
  });
  assert.equal(response.status, 201);
}

/** The webhook-ids processed for points.changed of `member`. */
const processedFor = (got, member) =>
  Object.entries(got.processed).filter(([, p]) => p.type === "points.changed" && p.data.member_id === member).map(([id]) => id);

test("a low answer in the widget reaches the receiver signed, as feedback.received and recovery.opened", async () => {
  const { page, context, problems } = await openPage(env.browser);
  await page.goto(env.server.pageUrl("/shop.html"));
  const widget = page.locator("moments-widget");
  await widget.locator(".badge").waitFor();
  await page.evaluate(() => document.querySelector("moments-widget").endSession());
  await widget.locator('.prompt [data-score="1"]').click();
  await widget.locator(".prompt .apology").waitFor();
  const got = await eventually(async () => {
    const r = await records();
    const types = Object.values(r.processed).map((p) => p.type);
    return types.includes("feedback.received") && types.includes("recovery.opened") && r;
  });
  assert.ok(got, "both events were processed");
  const verified = got.deliveries.filter((d) => d.verified);
  assert.ok(verified.length >= 3, "feedback, case and the goodwill points, each verified by the library");
  assert.deepEqual(got.deliveries.filter((d) => !d.verified), [], "no delivery failed verification");
  const feedback = Object.values(got.processed).find((p) => p.type === "feedback.received").data;
  assert.equal(feedback.score, 1);
  assert.equal(feedback.low, true);
  assert.equal(feedback.member_id, "alice");
  assert.equal(feedback.page, "/shop.html");
  const opened = Object.values(got.processed).find((p) => p.type === "recovery.opened").data;
  assert.equal(opened.feedback_id, feedback.id);
  assert.equal(opened.case_id, feedback.case_id);
  assert.match(opened.dashboard_url, /\/dashboard\/demo\/recovery#case-\d+$/);
  assert.deepEqual(problems, []);
  await context.close();

  // What the library refuses: the same delivery with its body changed, and one signed (with
  // the right secret) more than five minutes ago.
  const real = verified.find((d) => JSON.parse(d.body).type === "feedback.received");
  const replay = (body, headers) => fetch(`${receiverUrl}/hook`, { method: "POST", headers, body });
  const tampered = await replay(real.body.replace('"score":1', '"score":5'), real.headers);
  assert.equal(tampered.status, 400);
  assert.match(await tampered.text(), /No matching signature found/);
  const stale = new Date(Date.now() - 6 * 60 * 1000);
  const staleHeaders = {
    "webhook-id": real.id,
    "webhook-timestamp": String(Math.floor(stale.getTime() / 1000)),
    "webhook-signature": new Webhook(secret).sign(real.id, stale, real.body),
  };
  const old = await replay(real.body, staleHeaders);
  assert.equal(old.status, 400);
  assert.match(await old.text(), /timestamp too old/);
  const again = await replay(real.body, real.headers);
  assert.equal(await again.text(), "already processed", "a replay within five minutes verifies, and is not processed twice");
});

test("a receiver answering 503 gets the same webhook-id until it recovers, and processes it once", async () => {
  await control({ failNext: 3 });
  await award("wh-flaky", "flaky-1");
  const got = await eventually(async () => {
    const r = await records();
    return processedFor(r, "wh-flaky").length === 1 && r;
  }, { timeout: 20_000 });
  assert.ok(got, "processed after the receiver recovered");
  const [id] = processedFor(got, "wh-flaky");
  const tries = got.deliveries.filter((d) => d.id === id);
  assert.deepEqual(tries.map((d) => d.status), [503, 503, 503, 200], "three refusals, then taken");
  assert.ok(tries.every((d) => d.verified), "every try verifies");
  for (let n = 1; n < tries.length; n++) {
    assert.ok(tries[n].at - tries[n - 1].at >= 900, `try ${n + 1} waited for Retry-After: 1`);
  }
  assert.equal(got.processed[id].duplicates, 0);
});

test("deliveries waiting when the server is killed are delivered after it restarts", async () => {
  await control({ failNext: 1_000 });
  for (const n of [1, 2, 3]) await award("wh-killed", `killed-${n}`);
  await eventually(async () => (await records()).deliveries.filter((d) => d.status === 503).length >= 6);
  const waiting = Number(env.server.query("SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'pending'"));
  assert.ok(waiting >= 3, `${waiting} waiting`);
  await env.server.halt(); // SIGKILL
  await control({ failNext: 0 });
  await env.server.restart();
  const got = await eventually(async () => {
    const r = await records();
    return processedFor(r, "wh-killed").length === 3 && r;
  }, { timeout: 20_000 });
  assert.ok(got, "all three delivered after the restart");
  for (const id of processedFor(got, "wh-killed")) assert.equal(got.processed[id].duplicates, 0);
});

test("two servers on one database deliver every event, never one twice at once", async () => {
  const second = await env.server.another();
  await control({ delayMs: 80 });
  const servers = [env.server.url, second];
  await Promise.all(Array.from({ length: 30 }, (_, n) => award("wh-shared", `shared-${n}`, servers[n % 2])));
  const got = await eventually(async () => {
    const r = await records();
    return processedFor(r, "wh-shared").length === 30 && r;
  }, { timeout: 20_000 });
  await control({ delayMs: 0 });
  assert.ok(got, "all 30 processed");
  const ids = new Set(processedFor(got, "wh-shared"));
  const requests = got.deliveries.filter((d) => ids.has(d.id));
  assert.equal(requests.length, 30, "each sent once");
  assert.equal(got.maxInFlightPerId, 1, "no delivery was in flight twice at once");
});

test("the dashboard lists deliveries failed first, sends one again and pauses an endpoint", async () => {
  await control({ refuseNext: 1 });
  await award("wh-refused", "refused-1");
  await eventually(() => env.server.query("SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'failed'") === "1");
  // axe is injected as a script, which the dashboard's strict CSP would refuse.
  const { page, context, problems } = await openPage(env.browser, { bypassCSP: true });
  await page.goto(`${env.server.url}/dashboard/demo/webhooks`);
  await page.getByLabel("Password or admin key").fill(ADMIN_KEY);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/dashboard\/demo\/webhooks$/);
  const deliveries = page.getByRole("table", { name: "Recent deliveries" });
  const first = deliveries.locator("tbody tr").first();
  assert.equal(await first.locator("td").nth(3).innerText(), "Failed", "failed deliveries come first");
  assert.match(await first.locator("td").nth(6).innerText(), /422/);
  await first.locator("summary").click();
  assert.match(await first.locator("pre").innerText(), /we do not take points.changed here/);
  assert.deepEqual(await pageAxeViolations(page), [], "the webhooks page");
  await page.screenshot({ path: join(ARTIFACTS, "dashboard-webhooks.png"), fullPage: true });

  await first.getByRole("button", { name: /Send again/ }).click();
  await page.waitForURL(/\/dashboard\/demo\/webhooks$/);
  assert.ok(await eventually(() => env.server.query("SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'failed'") === "0"), "sent again and delivered");
  assert.ok(await eventually(async () => processedFor(await records(), "wh-refused").length === 1));

  const endpoints = page.getByRole("table", { name: "Endpoints" });
  await endpoints.getByRole("button", { name: `Pause ${endpoint}` }).click();
  await page.waitForURL(/\/dashboard\/demo\/webhooks$/);
  assert.equal(await endpoints.locator("tbody tr td").nth(4).innerText(), "Paused");
  await award("wh-paused", "paused-1");
  await page.waitForTimeout(500);
  assert.equal(processedFor(await records(), "wh-paused").length, 0, "held while paused");
  await page.reload();
  assert.equal(await deliveries.locator("tbody tr").first().locator("td").nth(3).innerText(), "Waiting");
  assert.deepEqual(await pageAxeViolations(page), [], "with a paused endpoint and a waiting delivery");
  await page.emulateMedia({ colorScheme: "dark" });
  assert.deepEqual(await pageAxeViolations(page), [], "dark");
  await page.setViewportSize({ width: 375, height: 800 });
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), "no sideways scroll on a phone");
  await page.screenshot({ path: join(ARTIFACTS, "dashboard-webhooks-phone-dark.png"), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });
  await endpoints.getByRole("button", { name: `Resume ${endpoint}` }).click();
  assert.ok(await eventually(async () => processedFor(await records(), "wh-paused").length === 1), "sent once resumed");
  assert.deepEqual(problems, []);
  await context.close();
});
