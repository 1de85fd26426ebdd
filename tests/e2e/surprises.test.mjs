// Surprises end to end: a tracked purchase earns a gift the widget reveals; opening it
// credits the points once and the badge follows; coupons show a code to copy.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import jwt from "jsonwebtoken";
import { ARTIFACTS, axeViolations, embed, eventually, hostPage, now, openPage, serverAndBrowser, sign, freshBadge } from "./harness.mjs";

const env = serverAndBrowser();

const widget = (page) => page.locator("moments-widget");

/** Records the widget's events for the host in `window.heard`, before the widget starts. */
async function listen(page) {
  await page.addInitScript(() => {
    window.heard = [];
    for (const name of ["moments:error", "moments:surprise"]) {
      document.addEventListener(name, (e) => window.heard.push({ name, detail: e.detail ?? null }));
    }
  });
}

const heard = (page, name) => page.evaluate((name) => window.heard.filter((e) => e.name === name).map((e) => e.detail), name);

const admin = (path, body) => env.server.admin(path, body);

test("a purchase typed into the console by a signed-in member counts, and earns nothing", async () => {
  const { page, context, problems } = await openPage(env.browser);
  await page.goto(env.server.pageUrl("/shop.html"));
  await widget(page).locator(".badge").waitFor();
  await page.evaluate(() => document.querySelector("moments-widget").track("purchase", { value: 1000000 }));
  assert.ok(await eventually(() => env.server.query("SELECT COUNT(*) FROM events WHERE type = 'track' AND value = 1000000 AND verified_key IS NULL") === "1"));
  await page.waitForTimeout(300);
  assert.equal(await widget(page).locator(".gift").count(), 0);
  assert.equal(env.server.query("SELECT COUNT(*) FROM surprises WHERE member_id = 'alice'"), "0");
  assert.deepEqual(problems, []);
  await context.close();
});

test("a purchase the shop's backend vouches for earns a gift; opening it credits the points once and updates the badge", async () => {
  const { page, context, problems } = await openPage(env.browser);
  await listen(page);
  await page.goto(env.server.pageUrl("/shop.html"));
  await widget(page).locator(".badge").waitFor();
  assert.match(await widget(page).locator(".badge").innerText(), /1,240 pts/);
  assert.equal(await widget(page).locator(".gift").count(), 0);

  await page.getByRole("button", { name: "Place order" }).click();
  const gift = widget(page).locator(".gift");
  await gift.waitFor();
  assert.equal(await gift.textContent(), "A surprise for you!");
  assert.notEqual(await page.evaluate(() => document.activeElement?.tagName), "MOMENTS-WIDGET", "appearing takes no focus");
  assert.equal(env.server.query("SELECT COUNT(*) FROM surprises WHERE member_id = 'alice' AND claimed_at IS NULL"), "1");
  assert.equal(env.server.query("SELECT COUNT(*) FROM events WHERE type = 'track' AND name = 'purchase' AND value = 79 AND verified_key LIKE 'order-%'"), "1");
  assert.deepEqual(await axeViolations(page), [], "gift waiting");

  await gift.click();
  const reveal = widget(page).locator(".reveal");
  await reveal.waitFor();
  assert.equal(await reveal.getByRole("heading").innerText(), "Surprise!");
  assert.deepEqual(await reveal.locator("p").allInnerTexts(), ["Thanks for your order! Here's a little extra.", "100 points are yours."]);
  assert.match(await widget(page).locator(".badge").innerText(), /1,340 pts/);
  assert.equal(await gift.count(), 0);
  const focused = () => page.evaluate(() => document.querySelector("moments-widget").shadowRoot.activeElement?.className);
  assert.ok(await eventually(async () => (await focused()) === "reveal"), "focus moves to the opened gift");
  const [surprise] = await heard(page, "moments:surprise");
  assert.deepEqual({ kind: surprise.kind, points: surprise.points }, { kind: "points", points: 100 });
  assert.equal(env.server.query("SELECT COUNT(*) FROM points_ledger WHERE member_id = 'alice' AND idempotency_key LIKE 'moments:surprise:%'"), "1");
  await reveal.evaluate((e) => Promise.all(e.getAnimations().map((a) => a.finished)));
  await page.screenshot({ path: join(ARTIFACTS, "surprise-points.png") });
  assert.deepEqual(await axeViolations(page), [], "gift revealed");

  // Escape closes it and gives the focus back to the badge; the gift does not come back.
  await page.keyboard.press("Escape");
  assert.equal(await reveal.count(), 0);
  assert.equal(await focused(), "badge");
  // The next page view starts from the standing after the gift, not from this one's start.
  const kept = await page.evaluate(() => JSON.parse(localStorage.getItem("moments:standing:demo")).member.points);
  assert.equal(kept, 1340);
  await page.reload();
  await freshBadge(page).waitFor();
  assert.match(await widget(page).locator(".badge").innerText(), /1,340 pts/);
  assert.equal(await widget(page).locator(".gift").count(), 0);
  assert.deepEqual(problems, []);
  await context.close();
});

test("a coupon gift from staff waits for the next page view and shows its code to copy", async () => {
  const { page, context, problems } = await openPage(env.browser);
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: env.server.pageUrl("") });
  await page.emulateMedia({ reducedMotion: "reduce" });
  await listen(page);
  const stock = await admin("coupon-pools/apology/codes", { codes: ["SORRY-7Q2X"] });
  assert.deepEqual(stock.body, { added: 1, duplicates: 0, available: 1 });
  const granted = await admin("members/bob/surprises", { rule: "apology-coupon", idempotency_key: "ticket-311" });
  assert.equal(granted.status, 201);

  const token = sign({ sub: "bob", name: "Bob", aud: "demo", iat: now(), exp: now() + 600 });
  await hostPage(page, env.server, "bob.html", `<!doctype html><body><h1>Account</h1>${embed(env.server, { attributes: `member-token="${token}"` })}</body>`);
  await widget(page).locator(".gift").click();
  const reveal = widget(page).locator(".reveal");
  await reveal.waitFor();
  assert.equal(await reveal.evaluate((e) => getComputedStyle(e).animationName), "none", "no pop under reduced motion");
  assert.match(await reveal.innerText(), /We're sorry about your last visit. This one's on us./);
  assert.equal(await widget(page).locator(".coupon-code").innerText(), "SORRY-7Q2X");
  await widget(page).getByRole("button", { name: "Copy code" }).click();
  await widget(page).getByRole("button", { name: "Copied!" }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), "SORRY-7Q2X");
  const [surprise] = await heard(page, "moments:surprise");
  assert.equal(surprise.kind, "coupon");
  assert.equal(surprise.code, undefined, "the code is the visitor's, not the page's analytics'");
  await page.screenshot({ path: join(ARTIFACTS, "surprise-coupon.png") });
  assert.deepEqual(await axeViolations(page), [], "coupon revealed");
  assert.deepEqual(problems, []);
  await context.close();
});

test("a proof signed with the npm jsonwebtoken library, as the README shows, earns its gift once", async () => {
  const { page, context, problems } = await openPage(env.browser);
  // What the shop's backend does when Bob's order is paid (README, "Event proofs").
  const proof = jwt.sign(
    { sub: "bob", event: "purchase", value: 64.5, jti: "order-8080" },
    "demo-secret-not-for-real-visitors",
    { algorithm: "HS256", audience: "demo", expiresIn: "10m", keyid: "demo" },
  );
  const token = sign({ sub: "bob", name: "Bob", aud: "demo", iat: now(), exp: now() + 600 });
  const thanks = `<!doctype html><body><h1>Thank you for your order</h1>${embed(env.server, { attributes: `member-token="${token}"` })}
    <script type="module">document.querySelector("moments-widget").track("purchase", { value: 64.5, proof: ${JSON.stringify(proof)} });</script></body>`;
  await hostPage(page, env.server, "bob-thanks.html", thanks);
  await widget(page).locator(".gift").waitFor();
  assert.equal(env.server.query("SELECT COUNT(*) FROM surprises WHERE member_id = 'bob' AND rule = 'big-order'"), "1");
  assert.equal(env.server.query("SELECT key FROM verified_events WHERE member_id = 'bob'"), "order-8080");
  // The thank-you page reloaded (or its proof copied): the same order earns nothing more.
  await page.reload();
  await widget(page).locator(".badge").waitFor();
  await page.waitForTimeout(500);
  assert.equal(env.server.query("SELECT COUNT(*) FROM events WHERE member_id = 'bob' AND type = 'track'"), "1");
  assert.equal(env.server.query("SELECT COUNT(*) FROM surprises WHERE member_id = 'bob' AND rule = 'big-order'"), "1");
  assert.deepEqual(problems, []);
  await context.close();
});

test("track() called before the widget has started is kept, a bad call is reported, and anonymous visitors get no points gift", async () => {
  const { page, context, problems } = await openPage(env.browser);
  await listen(page);
  const script = `<script type="module">
    const element = document.querySelector("moments-widget");
    await customElements.whenDefined("moments-widget");
    element.track("purchase", { value: 120 });
    element.track("", {});
    element.track("purchase", { value: "lots" });
  </script>`;
  await hostPage(page, env.server, "early-track.html", `<!doctype html><body><h1>Thanks</h1>${embed(env.server)}${script}</body>`);
  await widget(page).locator(".badge").waitFor();
  assert.ok(await eventually(async () => (await heard(page, "moments:error")).length === 2));
  assert.deepEqual((await heard(page, "moments:error")).map((d) => d.code), ["invalid_track_name", "invalid_track_value"]);
  assert.ok(await eventually(() => env.server.query("SELECT COUNT(*) FROM events WHERE type = 'track' AND value = 120") === "1"));
  // Anonymous: the demo site gives them no gifts of value.
  assert.equal(await widget(page).locator(".gift").count(), 0);
  assert.deepEqual(problems, []);
  await context.close();
});
