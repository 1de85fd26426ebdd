// Refer a friend end to end: Alice, a promoter, is offered her link right after her answer and
// copies it; a new visitor opens it, is greeted with the offer, signs up, and the shop vouches
// for a €60 first order: both get their points once, and a second order brings nothing more.
// The link's section is in the chunk fetched after the first badge.
import { test } from "node:test";
import assert from "node:assert/strict";
import { embed, eventually, freshBadge, hostPage, now, openPage, serverAndBrowser, sign } from "./harness.mjs";

const env = serverAndBrowser();

const widget = (page) => page.locator("moments-widget");
const referralPoints = (member) =>
  Number(env.server.query(`SELECT COALESCE(SUM(delta), 0) FROM points_ledger WHERE member_id = '${member}' AND idempotency_key LIKE 'moments:referral:%'`));

test("a promoter shares her link; the friend's first vouched-for order pays both of them once", async () => {
  // Alice's browser: no Web Share API (a desktop), so the button copies.
  const alice = await openPage(env.browser, { permissions: ["clipboard-read", "clipboard-write"] });
  await alice.page.addInitScript(() => delete Navigator.prototype.share);
  await alice.page.goto(env.server.pageUrl("/shop.html"));
  await freshBadge(alice.page).waitFor();
  await alice.page.evaluate(() => document.querySelector("moments-widget").endSession());
  await widget(alice.page).locator('.prompt [data-score="5"]').click();
  const share = widget(alice.page).locator(".prompt .share");
  await share.waitFor();
  assert.match(await share.locator(".share-promise").innerText(), /^Glad you like it! Share your link: You both get 200 points/);
  assert.equal(await share.locator(".share-button").innerText(), "Copy link");
  await share.locator(".share-button").click();
  await eventually(async () => (await share.locator(".share-button").innerText()) === "Copied!");
  const link = await alice.page.evaluate(() => navigator.clipboard.readText());
  const origin = new URL(env.server.pageUrl("/")).origin;
  assert.match(link, new RegExp(`^${origin}/shop\\.html\\?ref=[2-9A-HJKMNP-Z]{12}$`));
  assert.ok(await eventually(() => env.server.query("SELECT COUNT(*) FROM events WHERE name = 'referral_shared'") === "1"), "the tap is counted");
  assert.deepEqual(alice.problems, []);
  await alice.context.close();

  // The friend's browser opens the link: the shop's page as an anonymous visitor sees it.
  env.server.writePage("shop.html", `<!doctype html><body><h1>Harbor &amp; Pine</h1>${embed(env.server)}</body>`);
  const friend = await openPage(env.browser);
  await friend.page.goto(link);
  const welcome = widget(friend.page).locator(".referral-welcome");
  await welcome.waitFor();
  assert.equal(await welcome.getByRole("heading").innerText(), "A friend invited you");
  assert.equal(await welcome.locator("p").innerText(), "Place your first order and get 200 points.");
  assert.ok(await eventually(() => !friend.page.url().includes("ref=")), `the code left the address: ${friend.page.url()}`);
  assert.equal(env.server.query("SELECT status FROM referrals"), "pending");
  assert.equal(referralPoints("alice"), 0, "a click pays nothing");

  // The friend signs up (the shop's page now has their member token) and orders for €60.
  const token = sign({ sub: "new-friend", aud: "demo", iat: now(), exp: now() + 600 });
  await friend.page.evaluate((t) => document.querySelector("moments-widget").setAttribute("member-token", t), token);
  assert.ok(await eventually(() => env.server.query("SELECT friend_id FROM referrals") === "new-friend"), "the referral waits for the friend's first order");
  const first = await env.server.admin("members/new-friend/events", { name: "purchase", value: 60, idempotency_key: "order-9001" });
  assert.equal(first.status, 201);
  assert.equal(env.server.query("SELECT status FROM referrals"), "completed");
  assert.deepEqual([referralPoints("alice"), referralPoints("new-friend")], [200, 200]);

  const again = await env.server.admin("members/new-friend/events", { name: "purchase", value: 60, idempotency_key: "order-9001" });
  assert.equal(again.status, 200, "the same order reported again");
  const second = await env.server.admin("members/new-friend/events", { name: "purchase", value: 80, idempotency_key: "order-9002" });
  assert.equal(second.status, 201);
  assert.deepEqual([referralPoints("alice"), referralPoints("new-friend")], [200, 200], "a second order credits nothing more");
  assert.deepEqual(friend.problems, []);
  await friend.context.close();
});

test("the link's section comes with the later chunk, not the first download", async () => {
  const { page, context } = await openPage(env.browser);
  let open = false;
  await page.route("**/*-later.wasm", (route) => (open ? route.continue() : route.fulfill({ status: 503, body: "later" })));
  const alice = sign({ sub: "alice", name: "Alice", aud: "demo", iat: now(), exp: now() + 600 });
  await hostPage(page, env.server, "member.html", `<!doctype html><body><h1>Shop</h1>${embed(env.server, { attributes: `member-token="${alice}"` })}</body>`);
  await freshBadge(page).waitFor();
  await widget(page).locator(".badge").click();
  await widget(page).locator(".panel .retry").waitFor();
  assert.equal(await widget(page).locator(".share").count(), 0, "no link without the chunk");
  open = true;
  await widget(page).locator(".panel .retry").click();
  await widget(page).locator(".panel .share .share-link").waitFor();
  assert.match(await widget(page).locator(".panel .share .share-link").innerText(), /\/shop\.html\?ref=/);
  await context.close();
});
