// The dashboard end to end: sign-in, counts that match what the public API stored, shipping
// a variant that a new visitor's widget then shows, a filtered CSV export, recovery, and
// refusals for requests without the session cookie or from another site.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ADMIN_KEY, ARTIFACTS, embed, hostPage, openPage, pageAxeViolations, serverAndBrowser } from "./harness.mjs";

const env = serverAndBrowser();

const api = (path, body) => env.server.post(path, body);
const admin = (path, body) => env.server.admin(path, body);

let eventNumber = 0;
const eventId = () => `00000000-0000-4000-8000-${String(++eventNumber).padStart(12, "0")}`;

/** A visitor's page view and what they did in it, through the public API as the widget would. */
async function visit(visitor, events = (_session) => []) {
  const session = (await api("/v1/session", { site: "demo", visitor_id: visitor, page_url: "https://shop.example/checkout" })).body;
  const batch = events(session).map((e) => ({ id: eventId(), at: Date.now(), ...e }));
  if (batch.length) assert.equal((await api("/v1/events", { site: "demo", visitor_id: visitor, session_id: session.session_id, events: batch })).status, 200);
  return session;
}

async function signIn(page) {
  await page.goto(`${env.server.url}/dashboard/demo`);
  await page.getByLabel("Password or admin key").fill(ADMIN_KEY);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/dashboard\/demo$/);
}

test("without the session cookie every dashboard request is refused", async () => {
  const page = await fetch(`${env.server.url}/dashboard/demo/feedback`, { redirect: "manual" });
  assert.equal(page.status, 303);
  assert.match(page.headers.get("location"), /^\/dashboard\/login\?next=/);
  const csv = await fetch(`${env.server.url}/dashboard/demo/feedback.csv`, { redirect: "manual" });
  assert.equal(csv.status, 303, "no export without signing in");
  const post = await fetch(`${env.server.url}/dashboard/demo/recovery/1/resolve`, { method: "POST", body: new URLSearchParams({ csrf: "x", note: "n" }) });
  assert.equal(post.status, 403);
  const wrong = await fetch(`${env.server.url}/dashboard/login`, { method: "POST", body: new URLSearchParams({ password: "not-the-key" }) });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.headers.get("set-cookie"), null);
});

test("staff sign in, read the numbers, ship a variant, export and resolve", async () => {
  // What customers did, through the public API: three answers (one low), an experiment
  // with six exposed visitors.
  await visit("dash-visitor-0001", () => [{ type: "feedback", scale: "csat5", score: 5, comment: "Lovely <b>shop</b>" }]);
  await visit("dash-visitor-0002", () => [{ type: "feedback", scale: "csat5", score: 4 }]);
  await visit("dash-visitor-0003", () => [{ type: "feedback", scale: "csat5", score: 1, comment: "Checkout broke" }]);
  const experiment = {
    key: "warm-welcome", slot: "greeting", coverage: 1, control: "a", metric_event: "purchase",
    variants: [
      { key: "a", weight: 0.5, text: { en: "Welcome!" } },
      { key: "b", weight: 0.5, text: { en: "So good to see you, {name|friend}!" } },
    ],
  };
  assert.equal((await admin("experiments", experiment)).status, 201);
  assert.equal((await admin("experiments/warm-welcome/start", {})).status, 200);
  for (let i = 0; i < 6; i++) {
    await visit(`dash-exposed-${i}`, (s) => [{ type: "exposure", experiment: "warm-welcome", variant: s.experiments[0].variant }]);
  }
  const byVariant = Object.fromEntries(
    env.server.query("SELECT variant, COUNT(*) FROM exposures GROUP BY variant").split("\n").map((l) => l.split("|")),
  );

  // axe-core is injected as a script, which the dashboard's own CSP (no script at all) refuses.
  const { page, context, problems } = await openPage(env.browser, { bypassCSP: true });
  await signIn(page);
  const cards = page.locator(".card");
  assert.equal(await cards.filter({ hasText: "Answers" }).locator(".card-value").innerText(), "3");
  assert.equal(await cards.filter({ hasText: "CSAT" }).locator(".card-value").innerText(), "3.33");
  assert.match(await page.locator("figure").first().locator("svg title").textContent(), /Answers per day/);
  await page.screenshot({ path: join(ARTIFACTS, "dashboard-overview.png"), fullPage: true });
  assert.deepEqual(await pageAxeViolations(page), [], "overview, light");
  await page.emulateMedia({ colorScheme: "dark" });
  assert.deepEqual(await pageAxeViolations(page), [], "overview, dark");
  await page.screenshot({ path: join(ARTIFACTS, "dashboard-overview-dark.png"), fullPage: true });
  await page.emulateMedia({ colorScheme: "light" });

  // The Loyalty page: the demo's seeded members per tier, and what the program owes.
  await page.getByRole("link", { name: "Loyalty" }).click();
  const tiers = page.locator("table", { has: page.locator("caption", { hasText: "Members per tier today" }) });
  assert.deepEqual(await tiers.locator("tbody tr").allInnerTexts(), ["Bronze\t1\t50%", "Silver\t1\t50%", "Gold\t0\t0%"]);
  assert.equal(await cards.filter({ hasText: "Points outstanding" }).locator(".card-value").innerText(), "1,320", "thousands grouped as the locale does");
  await page.screenshot({ path: join(ARTIFACTS, "dashboard-loyalty.png"), fullPage: true });
  assert.deepEqual(await pageAxeViolations(page), [], "loyalty, light");
  await page.emulateMedia({ colorScheme: "dark" });
  assert.deepEqual(await pageAxeViolations(page), [], "loyalty, dark");
  await page.emulateMedia({ colorScheme: "light" });

  await page.getByRole("link", { name: "Experiments" }).click();
  assert.match(await page.locator("tbody tr").first().innerText(), /warm-welcome\s+greeting\s+running\s+0\s+6/);
  await page.getByRole("link", { name: "warm-welcome" }).click();
  for (const [variant, count] of Object.entries(byVariant)) {
    const row = page.locator("table").first().locator("tbody tr", { hasText: variant === "a" ? "Welcome!" : "So good" });
    assert.equal(await row.locator("td").nth(3).innerText(), count, `exposures of ${variant}`);
  }
  assert.match(await page.locator(".notice").innerText(), /Not enough data yet/);
  // Each variant's metrics sit beside control's.
  assert.deepEqual(
    await page.locator("table").nth(1).locator("thead th").allInnerTexts(),
    ["Metric", "Control", "b", "Relative change (95% CI)", "Difference to control (95% CI)", "p-value", "Chance to beat control", "Variance removed (CUPED)"],
  );
  // What kind of comparison it is, in plain words.
  for (const words of [/^Randomized:/, /^Sequential testing:/, /^CUPED:/]) {
    assert.equal(await page.locator("p.note").filter({ hasText: words }).count(), 1, String(words));
  }
  await page.screenshot({ path: join(ARTIFACTS, "dashboard-experiment.png"), fullPage: true });
  assert.deepEqual(await pageAxeViolations(page), [], "experiment page");
  await page.getByLabel("Variant everyone will see").selectOption("b");
  await page.getByRole("button", { name: "Stop and ship" }).click();
  await page.locator(".meta", { hasText: "stopped" }).waitFor();
  assert.equal(env.server.query("SELECT status || ':' || shipped FROM experiments"), "stopped:b");

  // A new visitor's widget now shows the shipped variant.
  const visitor = await openPage(env.browser);
  await hostPage(visitor.page, env.server, "after-ship.html", `<!doctype html><body><h1>Shop</h1>${embed(env.server)}</body>`);
  await visitor.page.locator("moments-widget").locator(".greeting-text").waitFor();
  assert.equal(await visitor.page.locator("moments-widget").locator(".greeting-text").innerText(), "So good to see you, friend!");
  await visitor.context.close();

  await page.getByRole("link", { name: "Feedback" }).click();
  assert.equal(await page.locator("tbody tr").count(), 3);
  assert.match(await page.locator("tbody").innerText(), /Lovely <b>shop<\/b>/, "comments are text, never markup");
  await page.getByLabel("Highest score").fill("2");
  await page.getByRole("button", { name: "Filter" }).click();
  await page.waitForURL(/max_score=2/);
  assert.equal(await page.locator("tbody tr").count(), 1);
  assert.match(await page.locator("tbody tr").innerText(), /Checkout broke\s+https:\/\/shop\.example\/checkout/);
  await page.screenshot({ path: join(ARTIFACTS, "dashboard-feedback.png"), fullPage: true });
  assert.deepEqual(await pageAxeViolations(page), [], "feedback inbox");
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export these answers (CSV)" }).click()]);
  const csv = readFileSync(await download.path(), "utf8").trim().split("\r\n");
  assert.equal(csv.length, 2, "the header and the one filtered answer");
  assert.match(csv[1], /,csat5,1,Checkout broke,/);

  await page.getByRole("link", { name: "Recovery" }).click();
  await page.getByLabel("Note").fill("Called the customer, refunded shipping");
  await page.getByRole("button", { name: "Resolve" }).click();
  await page.locator("tbody tr", { hasText: "Resolved" }).waitFor();
  assert.match(env.server.query("SELECT status || ':' || note FROM recovery_cases"), /^resolved:Called the customer, refunded shipping \(admin\)$/);
  await page.screenshot({ path: join(ARTIFACTS, "dashboard-recovery.png"), fullPage: true });

  // Simplified Chinese, on a phone.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole("link", { name: "简体中文" }).click();
  await page.getByRole("link", { name: "概览" }).click();
  assert.equal(await page.locator("h1").innerText(), "概览");
  assert.equal(await page.locator("html").getAttribute("lang"), "zh-CN");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the page fits a phone (${overflow}px too wide)`);
  await page.screenshot({ path: join(ARTIFACTS, "dashboard-overview-zh-CN-phone.png"), fullPage: true });

  await page.getByRole("button", { name: "退出" }).click();
  await page.goto(`${env.server.url}/dashboard/demo`);
  assert.match(page.url(), /\/dashboard\/login/);
  assert.deepEqual(problems, []);
  await context.close();
});

test("a form posted from another site, or without the page's token, changes nothing", async () => {
  assert.equal((await admin("experiments", {
    key: "cross-site", slot: "farewell", coverage: 1, control: "a",
    variants: [{ key: "a", weight: 0.5, text: { en: "Bye" } }, { key: "b", weight: 0.5, text: { en: "See you" } }],
  })).status, 201);
  const { page, context } = await openPage(env.browser);
  await signIn(page);
  const start = `${env.server.url}/dashboard/demo/experiments/cross-site/start`;
  // Another site (the page origin is localhost, the dashboard 127.0.0.1) submits a form.
  await hostPage(page, env.server, "attack.html", `<!doctype html><body><form id="f" method="post" action="${start}"><input name="csrf" value="guess"></form><script>document.getElementById("f").submit()</script></body>`);
  await page.waitForURL(start);
  assert.match(await page.locator("body").innerText(), /refused/);
  // The dashboard's own origin, signed in, but without the session's token.
  const forged = await page.request.post(start, { form: { csrf: "guess" } });
  assert.equal(forged.status(), 403);
  assert.equal(env.server.query("SELECT status FROM experiments WHERE key = 'cross-site'"), "draft");
  // The same request with the page's token is the dashboard's own: it starts the experiment.
  await page.goto(`${env.server.url}/dashboard/demo/experiments/cross-site`);
  const csrf = await page.locator("form.actions input[name=csrf]").getAttribute("value");
  const genuine = await page.request.post(start, { form: { csrf }, maxRedirects: 0 });
  assert.equal(genuine.status(), 303);
  assert.equal(env.server.query("SELECT status FROM experiments WHERE key = 'cross-site'"), "running");
  await context.close();
});
