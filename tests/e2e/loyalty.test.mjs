// Loyalty end to end: the shop's backend awards points through the admin API, the member's
// next page view shows them; a forged member token shows nothing of any member.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ARTIFACTS, axeViolations, embed, eventually, hostPage, now, openPage, serverAndBrowser, sign, freshBadge } from "./harness.mjs";

const env = serverAndBrowser();

const widget = (page) => page.locator("moments-widget");

/** Records the widget's events for the host in `window.heard`, before the widget starts. */
async function listen(page) {
  await page.addInitScript(() => {
    window.heard = [];
    for (const name of ["moments:error", "moments:tier-up", "moments:ready"]) {
      document.addEventListener(name, (e) => window.heard.push({ name, detail: e.detail ?? null }));
    }
  });
}

test("points awarded through the admin API show after a reload, and a tier-up is celebrated once", async () => {
  const { page, context, problems } = await openPage(env.browser);
  await listen(page);
  await page.goto(env.server.pageUrl("/shop.html"));
  await widget(page).locator(".badge").waitFor();
  assert.match(await widget(page).locator(".badge").innerText(), /1,240 pts\s*Silver/);

  // Alice has 1,300 lifetime points; 250 more cross into Gold at 1,500.
  const award = await env.server.award("alice", { delta: 250, reason: "Order #5001", idempotency_key: "order-5001" });
  assert.equal(award.status, 201);
  assert.equal(award.body.balance_after, 1490);
  const replay = await env.server.award("alice", { delta: 250, reason: "Order #5001", idempotency_key: "order-5001" });
  assert.deepEqual(replay, award, "a retried award changes nothing");

  await page.reload();
  await freshBadge(page).waitFor();
  assert.match(await widget(page).locator(".badge").innerText(), /1,490 pts\s*Gold/);
  assert.equal(await widget(page).locator(".greeting-text").innerText(), "You've reached Gold!");
  assert.ok(await eventually(() => page.evaluate(() => window.heard.some((e) => e.name === "moments:tier-up" && e.detail.tier === "Gold"))));
  await widget(page).locator(".badge").click();
  await widget(page).locator(".tier-up").waitFor();
  assert.equal(await widget(page).locator(".member-progress").innerText(), "You're at our top tier");
  assert.equal(await widget(page).locator(".activity-entry").count(), 4);
  assert.match(await widget(page).locator(".activity-entry").first().innerText(), /Order #5001\s*\+250/);
  await page.screenshot({ path: join(ARTIFACTS, "shop-tier-up.png") });
  assert.deepEqual(await axeViolations(page), [], "tier-up celebrated in the panel");

  // Once: the next page view greets as usual.
  await page.reload();
  await widget(page).locator(".greeting-text").waitFor();
  assert.equal(await widget(page).locator(".greeting-text").innerText(), "Welcome back, Alice!");
  assert.deepEqual(problems, []);
  await context.close();
});

test("a page given a forged member token shows the greeting and no member data", async () => {
  const { page, context, problems } = await openPage(env.browser);
  await listen(page);
  const forged = sign({ sub: "alice", name: "Alice", aud: "demo", iat: now(), exp: now() + 600 }, "not-the-demo-secret");
  await hostPage(page, env.server, "forged.html", `<!doctype html><body><h1>Account</h1>${embed(env.server, { attributes: `member-token="${forged}"` })}</body>`);
  await widget(page).locator(".greeting-text").waitFor();
  assert.equal(await widget(page).locator(".greeting-text").innerText(), "Welcome! We're glad you're here.");
  assert.equal(await widget(page).locator(".badge-points").innerText(), "Feedback");
  assert.equal(await widget(page).locator(".badge-tier, .badge-progress").count(), 0);
  await widget(page).locator(".badge").click();
  await widget(page).locator(".faces").waitFor();
  assert.equal(await widget(page).locator(".member, .member-points, .activity").count(), 0);
  const text = await widget(page).locator(".panel").innerText();
  assert.doesNotMatch(text, /1,240|Alice|Silver/);
  const errors = await page.evaluate(() => window.heard.filter((e) => e.name === "moments:error").map((e) => e.detail.code));
  assert.deepEqual(errors, ["member_token_bad_signature"]);
  const forgedPage = "page_url LIKE '%/forged.html'";
  assert.equal(env.server.query(`SELECT COUNT(*) FROM sessions WHERE ${forgedPage} AND member_id IS NULL`), "1");
  assert.equal(env.server.query(`SELECT COUNT(*) FROM sessions WHERE ${forgedPage} AND member_id IS NOT NULL`), "0");
  // Chromium itself logs the refused request; nothing else may reach the console.
  assert.deepEqual(problems.filter((p) => !p.includes("401")), []);
  await context.close();
});

test("a member's page in Traditional Chinese names the tier and dates the history in Chinese", async () => {
  const { page, context, problems } = await openPage(env.browser);
  // Signed as the shop's backend would sign it (the demo secret is public).
  const token = sign({ sub: "bob", name: "Bob", aud: "demo", iat: now(), exp: now() + 600, locale: "zh-TW" });
  await hostPage(page, env.server, "bob-zh.html", `<!doctype html><body>${embed(env.server, { attributes: `member-token="${token}"` })}</body>`);
  await widget(page).locator(".badge").waitFor();
  assert.match(await widget(page).locator(".badge").innerText(), /80 點\s*銅卡/);
  await widget(page).locator(".badge").click();
  await widget(page).locator(".activity-entry").waitFor();
  assert.equal(await widget(page).locator(".member-progress").innerText(), "再得 420 點升至銀卡");
  assert.match(await widget(page).locator(".activity-date").first().innerText(), /^\d{4}年\d{1,2}月\d{1,2}日$/);
  await page.screenshot({ path: join(ARTIFACTS, "member-zh-TW.png") });
  assert.deepEqual(problems, []);
  await context.close();
});
