// Rewards end to end: a member spends points in the panel and gets a code; the badge drops at
// once, a reload shows the same balance and the code in her history; axe finds nothing with
// the catalog open and the code shown, in English and in Traditional Chinese.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ARTIFACTS, axeViolations, embed, eventually, hostPage, now, openPage, serverAndBrowser, sign, freshBadge } from "./harness.mjs";

const env = serverAndBrowser();

const widget = (page) => page.locator("moments-widget");

/** Records `moments:redeem` in `window.redeemed`, before the widget starts. */
async function listen(page) {
  await page.addInitScript(() => {
    window.redeemed = [];
    document.addEventListener("moments:redeem", (e) => window.redeemed.push(e.detail));
  });
}

test("Alice redeems free shipping: the code to copy, the badge drops at once, a reload keeps both", async () => {
  const { page, context, problems } = await openPage(env.browser);
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: env.server.pageUrl("") });
  await page.emulateMedia({ reducedMotion: "reduce" });
  await listen(page);
  await page.goto(env.server.pageUrl("/shop.html"));
  await widget(page).locator(".badge").click();
  const rewards = widget(page).locator(".reward");
  await rewards.first().waitFor();
  assert.equal(await rewards.count(), 3);
  assert.equal(await widget(page).locator(".earn-list li").count(), 3);
  const tote = rewards.nth(2);
  assert.match(await tote.innerText(), /Harbor & Pine tote bag\s*1,500 points[\s\S]*For Gold members/);
  assert.ok(await tote.locator(".redeem").isDisabled(), "greyed: Alice is Silver");
  assert.deepEqual(await axeViolations(page), [], "catalog open");

  await widget(page).getByRole("button", { name: "Redeem Free shipping" }).click();
  await widget(page).getByText("Spend 300 points for Free shipping?").waitFor();
  await page.keyboard.press("Enter"); // the confirm button has the focus
  const redeemed = widget(page).locator(".redeemed");
  await redeemed.waitFor();
  assert.equal(await redeemed.locator(".coupon-code").innerText(), "FREESHIP");
  assert.match(await redeemed.innerText(), /Your code for Free shipping:[\s\S]*Enter the code at checkout\./);
  assert.match(await widget(page).locator(".badge").innerText(), /940 pts/, "the badge drops by the cost at once");
  assert.equal(await widget(page).locator(".member-points-value").innerText(), "940");
  await widget(page).getByRole("button", { name: "Copy code" }).click();
  await widget(page).getByRole("button", { name: "Copied!" }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), "FREESHIP");
  assert.ok(await eventually(() => page.evaluate(() => window.redeemed.length === 1)));
  assert.deepEqual(await page.evaluate(() => window.redeemed), [{ reward: "free-shipping", points: 300 }], "never the code");
  await page.screenshot({ path: join(ARTIFACTS, "rewards-redeemed.png") });
  assert.deepEqual(await axeViolations(page), [], "code shown");

  await page.reload();
  await freshBadge(page).waitFor();
  assert.match(await widget(page).locator(".badge").innerText(), /940 pts/);
  await widget(page).locator(".badge").click();
  await widget(page).locator("#moments-codes").waitFor();
  assert.match(await widget(page).locator("[part=codes]").innerText(), /Free shipping\s*FREESHIP/);
  assert.match(await widget(page).locator(".activity-entry").first().innerText(), /Redeemed: Free shipping\s*-300/);
  // Once a month: the list says so now.
  assert.match(await rewards.first().innerText(), /Redeemed recently/);
  assert.equal(env.server.query("SELECT COUNT(*) FROM redemptions WHERE member_id = 'alice'"), "1");
  assert.equal(env.server.query("SELECT COUNT(*) FROM points_ledger WHERE member_id = 'alice' AND delta = -300"), "1");
  assert.deepEqual(problems, []);
  await context.close();
});

test("a member redeems €5 off in Traditional Chinese and gets a code of her own", async () => {
  const { page, context, problems } = await openPage(env.browser);
  await page.emulateMedia({ reducedMotion: "reduce" });
  const award = await env.server.award("dana", { delta: 600, reason: "Order #7001", idempotency_key: "order-7001" });
  assert.equal(award.status, 201);
  const token = sign({ sub: "dana", name: "Dana", aud: "demo", iat: now(), exp: now() + 600 });
  await hostPage(page, env.server, "dana.html", `<!doctype html><html lang="zh-Hant"><body><h1>帳戶</h1>${embed(env.server, { attributes: `member-token="${token}" locale="zh-TW"` })}</body></html>`);
  await widget(page).locator(".badge").click();
  await widget(page).locator(".rewards").waitFor();
  assert.equal(await widget(page).locator("#moments-rewards").innerText(), "兌換獎勵");
  assert.equal(await widget(page).locator("#moments-earn").innerText(), "賺取點數");
  await widget(page).getByRole("button", { name: "兌換 立減 5 歐元" }).click();
  await widget(page).getByText("花費 500 點兌換立減 5 歐元？").waitFor();
  assert.deepEqual(await axeViolations(page), [], "asking to confirm, in zh-TW");
  await widget(page).getByRole("button", { name: "確認兌換" }).click();
  await widget(page).locator(".redeemed").waitFor();
  assert.match(await widget(page).locator(".redeemed").innerText(), /立減 5 歐元的兌換碼：\s*FIVE-0001/);
  assert.match(await widget(page).locator(".badge").innerText(), /100 點/);
  // The tote bag and €5 off again: 100 points left, so both explain why not.
  assert.match(await widget(page).locator(".reward").nth(2).innerText(), /金卡會員專享/);
  await page.screenshot({ path: join(ARTIFACTS, "rewards-redeemed-zh-TW.png") });
  assert.deepEqual(await axeViolations(page), [], "code shown, in zh-TW");
  assert.deepEqual(problems, []);
  await context.close();
});
