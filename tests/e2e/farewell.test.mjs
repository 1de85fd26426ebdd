// The end of a session, end to end: every trigger, one tap and a comment as one row,
// sampling and cooldown, nothing lost through an outage or a closing tab, and service
// recovery for a detractor.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ARTIFACTS, axeViolations, embed, eventually, hostPage, openPage, serverAndBrowser, freshBadge } from "./harness.mjs";

const env = serverAndBrowser({
  extraConfig: `[[sites]]\nkey = "never"\nallowed_origins = ["http://localhost:*"]\nfeedback = { sample_rate = 0.0 }\n`,
});

const widget = (page) => page.locator("moments-widget");
const prompt = (page) => widget(page).locator(".prompt");
const count = (sql) => Number(env.server.query(sql));
const endSession = (page) => page.evaluate(() => document.querySelector("moments-widget").endSession());

/** Opens the support portal (an anonymous visitor) and waits for the widget. */
async function support(page) {
  await page.goto(env.server.pageUrl("/support.html"));
  await widget(page).locator(".badge").waitFor();
}

test("the host's endSession() shows the farewell without taking focus; a tap and a comment land as one row", async () => {
  const { page, context, problems } = await openPage(env.browser);
  await support(page);
  assert.equal(await prompt(page).count(), 0);
  await page.click("#close-ticket");
  await prompt(page).waitFor();
  assert.equal(await prompt(page).locator(".farewell").innerText(), "Thanks for stopping by. Before you go…");
  const focus = await page.evaluate(() => ({
    inWidget: document.querySelector("moments-widget").shadowRoot.activeElement !== null,
    onHost: document.activeElement.tagName,
  }));
  assert.deepEqual(focus, { inWidget: false, onHost: "BODY" }, "appearing takes no focus (the host disabled its button)");
  await page.screenshot({ path: join(ARTIFACTS, "farewell-prompt.png") });
  assert.deepEqual(await axeViolations(page), [], "prompt open");

  await prompt(page).locator('[data-score="4"]').click();
  await prompt(page).locator(".comment-input").fill("Clear answer, thank you");
  await prompt(page).locator(".comment-send").click();
  await prompt(page).locator(".comment-sent").waitFor();
  const visitor = await page.evaluate(() => localStorage.getItem("moments:visitor"));
  const mine = `visitor_id = '${visitor}'`;
  assert.ok(await eventually(() => count(`SELECT COUNT(*) FROM events WHERE ${mine} AND comment = 'Clear answer, thank you'`) === 1));
  assert.equal(count(`SELECT COUNT(*) FROM events WHERE ${mine}`), 1, "answer and comment are one row");
  assert.equal(count(`SELECT score FROM events WHERE ${mine}`), 4);

  // Answered: the next page view does not ask again (the site's cooldown).
  await support(page);
  await endSession(page);
  await page.waitForTimeout(300);
  assert.equal(await prompt(page).count(), 0);
  assert.deepEqual(problems, []);
  await context.close();
});

test("the question takes the open panel's place, and the panel puts it away again: one on screen, nothing errors", async () => {
  const { page, context, problems } = await openPage(env.browser);
  await support(page);
  const shownPanel = widget(page).locator(".panel:not([hidden])");
  // At once, and again once the panel has been drawn ahead of a tap.
  for (const wait of [0, 3_000]) {
    await page.reload();
    await widget(page).locator(".badge").waitFor();
    await page.waitForTimeout(wait);
    await widget(page).locator(".badge").click();
    await shownPanel.locator(".faces").waitFor();
    await endSession(page);
    await prompt(page).locator(".faces").waitFor();
    assert.equal(await shownPanel.count(), 0, "the prompt replaces the panel");
    assert.equal(await widget(page).locator(".badge").getAttribute("aria-expanded"), "false");
    assert.equal(await widget(page).locator("[role=radiogroup]").count(), 1, "one question in the widget, with one set of ids");
    await widget(page).locator(".badge").click();
    await shownPanel.locator(".faces").waitFor();
    assert.equal(await prompt(page).count(), 0, "the panel puts the prompt's question away");
    await page.evaluate(() => localStorage.clear());
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test("exit intent: the pointer leaving through the top of the window ends the session", async () => {
  const { page, context } = await openPage(env.browser);
  await support(page);
  await page.mouse.move(600, 300);
  await page.mouse.move(600, 120);
  // What Chromium and Firefox fire as the pointer crosses the top edge towards the tabs.
  await page.evaluate(() => document.documentElement.dispatchEvent(new MouseEvent("mouseout", { bubbles: true, clientX: 600, clientY: -2, relatedTarget: null })));
  await prompt(page).waitFor({ timeout: 3_000 });
  await context.close();
});

test("moving within the page is not exit intent", async () => {
  const { page, context } = await openPage(env.browser);
  await support(page);
  await page.mouse.move(600, 300);
  await page.mouse.move(100, 500);
  await page.hover("h1");
  await page.waitForTimeout(300);
  assert.equal(await prompt(page).count(), 0);
  await context.close();
});

test("idle: no input for idle-timeout seconds ends the session", async () => {
  const { page, context } = await openPage(env.browser);
  await hostPage(page, env.server, "idle.html", `<!doctype html><body><h1>Reading</h1><input id="search">${embed(env.server, { attributes: 'idle-timeout="2"' })}</body>`);
  await widget(page).locator(".badge").waitFor();
  await page.focus("#search");
  const shown = Date.now();
  await prompt(page).waitFor({ timeout: 6_000 });
  assert.ok(Date.now() - shown >= 1_000, "not before the visitor was idle");
  assert.equal(await page.evaluate(() => document.activeElement.id), "search", "the host's field keeps the focus");
  await context.close();
});

test("a visitor who leaves before the prompt could show gets it on their next page view", async () => {
  const { page, context } = await openPage(env.browser);
  await hostPage(page, env.server, "checkout.html", `<!doctype html><body>
    <button id="pay">Pay</button>
    <script type="module">
      document.getElementById("pay").addEventListener("click", () => {
        document.querySelector("moments-widget").endSession();
        location.href = "/support.html";
      });
    </script>${embed(env.server)}</body>`);
  await widget(page).locator(".badge").waitFor();
  await page.click("#pay");
  await page.waitForURL("**/support.html");
  await prompt(page).waitFor({ timeout: 5_000 });
  // Answered there, it is owed no more.
  await prompt(page).locator('[data-score="5"]').click();
  await support(page);
  await page.waitForTimeout(300);
  assert.equal(await prompt(page).count(), 0);
  await context.close();
});

test("sample_rate 0 never asks, even when the host ends the session", async () => {
  const { page, context } = await openPage(env.browser);
  await hostPage(page, env.server, "never.html", `<!doctype html><body>${embed(env.server).replace('site="demo"', 'site="never"')}</body>`);
  await widget(page).locator(".badge").waitFor();
  await endSession(page);
  await page.waitForTimeout(500);
  assert.equal(await prompt(page).count(), 0);
  await context.close();
});

test("nothing is lost: answered during an outage and closed, it lands once when the visitor returns", async () => {
  const { page, context } = await openPage(env.browser);
  await support(page);
  const visitor = await page.evaluate(() => localStorage.getItem("moments:visitor"));
  await env.server.halt();
  try {
    await endSession(page);
    await prompt(page).locator('[data-score="2"]').click();
    await prompt(page).locator(".thanks").waitFor();
    await page.waitForTimeout(500);
    assert.equal(await page.evaluate(() => JSON.parse(localStorage.getItem("moments:outbox:v1")).length), 1, "kept in the outbox");
    await page.close({ runBeforeUnload: true });
  } finally {
    await env.server.restart();
  }
  assert.equal(count(`SELECT COUNT(*) FROM events WHERE visitor_id = '${visitor}'`), 0, "nothing arrived during the outage");
  const back = await context.newPage();
  await back.goto(env.server.pageUrl("/support.html"));
  assert.ok(await eventually(() => count(`SELECT COUNT(*) FROM events WHERE visitor_id = '${visitor}' AND score = 2`) === 1));
  assert.ok(await eventually(() => back.evaluate(() => JSON.parse(localStorage.getItem("moments:outbox:v1") ?? "[]").length === 0)), "acknowledged, then removed");
  await back.waitForTimeout(500);
  assert.equal(count(`SELECT COUNT(*) FROM events WHERE visitor_id = '${visitor}'`), 1);
  await context.close();
});

test("events of a session the server never issued are sent again in a new one, once", async () => {
  const { page, context } = await openPage(env.browser);
  const visitor = "visitor-from-before";
  const id = "5e1d0c2b-3a49-4f58-8a67-7b6c5d4e3f2a";
  // An outbox as an older deployment left it: its session id means nothing to this server.
  await page.addInitScript(({ visitor, id, backend }) => {
    if (localStorage.getItem("moments:visitor")) return;
    localStorage.setItem("moments:visitor", visitor);
    const event = { type: "feedback", id, at: Date.now(), scale: "csat5", score: 4, comment: "Still here" };
    const envelope = { backend, site: "demo", visitor_id: visitor, session_id: "0d9c8b7a-6f5e-4d3c-8b2a-1f0e9d8c7b6a", id, event };
    localStorage.setItem("moments:outbox:v1", JSON.stringify([envelope]));
  }, { visitor, id, backend: env.server.url });
  await support(page);
  assert.ok(await eventually(() => count(`SELECT COUNT(*) FROM events WHERE id = '${id}' AND comment = 'Still here'`) === 1), "the answer arrived");
  assert.ok(await eventually(() => page.evaluate(() => JSON.parse(localStorage.getItem("moments:outbox:v1") ?? "[]").length === 0)));
  const session = env.server.query(`SELECT session_id FROM events WHERE id = '${id}'`);
  assert.equal(count(`SELECT COUNT(*) FROM sessions WHERE id = '${session}' AND visitor_id = '${visitor}'`), 1, "in a session this server issued");
  await context.close();
});

test("closing the tab sends what waits by beacon, with no further page view", async () => {
  const { page, context } = await openPage(env.browser);
  // fetch() to the events endpoint fails; beacons go through.
  await page.route("**/v1/events", (route) => (route.request().resourceType() === "fetch" ? route.abort("connectionrefused") : route.continue()));
  await support(page);
  const visitor = await page.evaluate(() => localStorage.getItem("moments:visitor"));
  await endSession(page);
  await prompt(page).locator('[data-score="5"]').click();
  await page.waitForTimeout(300);
  assert.equal(count(`SELECT COUNT(*) FROM events WHERE visitor_id = '${visitor}'`), 0);
  await page.close({ runBeforeUnload: true });
  assert.ok(await eventually(() => count(`SELECT COUNT(*) FROM events WHERE visitor_id = '${visitor}' AND score = 5`) === 1), "the beacon landed");
  await context.close();
});

test("the same event sent three times is one row", async () => {
  const session = await (await fetch(`${env.server.url}/v1/session`, {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ site: "demo", visitor_id: "visitor-thrice" }),
  })).json();
  const batch = JSON.stringify({ site: "demo", visitor_id: "visitor-thrice", session_id: session.session_id, events: [
    { type: "feedback", id: "3b6f0c1e-2d4a-4e5f-8a9b-0c1d2e3f4a5b", at: Date.now(), scale: "csat5", score: 3 },
  ] });
  const answers = [];
  for (let i = 0; i < 3; i++) {
    answers.push(await (await fetch(`${env.server.url}/v1/events`, { method: "POST", headers: { "content-type": "text/plain" }, body: batch })).json());
  }
  assert.deepEqual(answers.map((a) => [a.accepted, a.duplicates]), [[1, 0], [0, 1], [0, 1]]);
  assert.equal(count("SELECT COUNT(*) FROM events WHERE visitor_id = 'visitor-thrice'"), 1);
});

test("a detractor gets the apology, goodwill points once, and a recovery case", async () => {
  const { page, context, problems } = await openPage(env.browser);
  await page.goto(env.server.pageUrl("/shop.html"));
  await widget(page).locator(".badge").waitFor();
  const before = count("SELECT SUM(delta) FROM points_ledger WHERE member_id = 'alice'");
  await endSession(page);
  await prompt(page).locator('[data-score="1"]').click();
  await prompt(page).locator(".apology").waitFor();
  assert.equal(await prompt(page).locator(".apology").innerText(), "We're sorry your visit fell short.");
  assert.equal(await prompt(page).locator(".follow-up").innerText(), "Someone from our team will look into it today.");
  assert.equal(await prompt(page).locator(".goodwill").innerText(), "We've added 50 points to your account as an apology.");
  await page.screenshot({ path: join(ARTIFACTS, "recovery.png") });
  assert.deepEqual(await axeViolations(page), [], "apology and comment box");
  assert.ok(await eventually(() => count("SELECT COUNT(*) FROM recovery_cases WHERE member_id = 'alice'") === 1));
  assert.equal(count("SELECT SUM(delta) FROM points_ledger WHERE member_id = 'alice'"), before + 50);

  // The widget sends the same answer again (a retry after a lost acknowledgement): nothing more.
  assert.ok(await eventually(() => page.evaluate(() => JSON.parse(localStorage.getItem("moments:outbox:v1") ?? "[]").length === 0)));
  const event = env.server.query("SELECT id || '|' || session_id || '|' || visitor_id FROM events WHERE member_id = 'alice' AND score = 1").split("|");
  const resend = JSON.stringify({ site: "demo", visitor_id: event[2], session_id: event[1], events: [{ type: "feedback", id: event[0], at: Date.now(), scale: "csat5", score: 1 }] });
  for (let i = 0; i < 3; i++) await fetch(`${env.server.url}/v1/events`, { method: "POST", headers: { "content-type": "text/plain" }, body: resend });
  assert.equal(count("SELECT COUNT(*) FROM recovery_cases WHERE member_id = 'alice'"), 1);
  assert.equal(count("SELECT SUM(delta) FROM points_ledger WHERE member_id = 'alice'"), before + 50, "goodwill once");

  // On the next page view the points are in the badge.
  await page.reload();
  await freshBadge(page).waitFor();
  assert.match(await widget(page).locator(".badge-points").innerText(), new RegExp(`${(before + 50).toLocaleString("en")} pts`));
  assert.deepEqual(problems, []);
  await context.close();
});
