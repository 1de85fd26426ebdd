// Context from support portals, end to end: a portal says what the visit is about, by
// setContext() or the context attribute; the answer given after it carries it to the database
// and the dashboard's Support page; a mistake is a moments:error, never an exception.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ADMIN_KEY, ARTIFACTS, embed, eventually, hostPage, openPage, pageAxeViolations, serverAndBrowser } from "./harness.mjs";

const env = serverAndBrowser();

const widget = (page) => page.locator("moments-widget");
const prompt = (page) => widget(page).locator(".prompt");

/** Ends the visit and answers `score` faces; the answer's stored context, parsed. */
async function answer(page, score) {
  await widget(page).locator(".badge").waitFor();
  await page.evaluate(() => document.querySelector("moments-widget").endSession());
  await prompt(page).locator(`[data-score="${score}"]`).click();
  const visitor = await page.evaluate(() => localStorage.getItem("moments:visitor"));
  const stored = await eventually(() => env.server.query(`SELECT COALESCE(context, 'none') FROM events WHERE visitor_id = '${visitor}' AND type = 'feedback'`));
  return stored === "none" ? null : JSON.parse(stored);
}

test("the demo support portal's ticket travels with the answer to the Support page", async () => {
  const { page, context, problems } = await openPage(env.browser, { bypassCSP: true });
  await page.goto(env.server.pageUrl("/support.html"));
  await page.click("#close-ticket");
  await prompt(page).locator('[data-score="1"]').click();
  const visitor = await page.evaluate(() => localStorage.getItem("moments:visitor"));
  const stored = await eventually(() => env.server.query(`SELECT context FROM events WHERE visitor_id = '${visitor}' AND type = 'feedback'`));
  assert.deepEqual(JSON.parse(stored), { agent: "may", ticket: "T-1042", topic: "returns" });

  await page.goto(`${env.server.url}/dashboard/demo`);
  await page.getByLabel("Password or admin key").fill(ADMIN_KEY);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/dashboard\/demo$/);
  await page.getByRole("link", { name: "Support" }).click();
  await page.waitForURL(/\/dashboard\/demo\/support$/);
  const may = page.locator("table", { has: page.locator("caption", { hasText: "By agent" }) }).locator("tbody tr").first();
  assert.deepEqual((await may.innerText()).split("\t").slice(0, 5), ["may (too few)", "1", "1", "–", "1"]);
  await page.screenshot({ path: join(ARTIFACTS, "dashboard-support.png"), fullPage: true });
  assert.deepEqual(await pageAxeViolations(page), [], "support page, light");
  await page.emulateMedia({ colorScheme: "dark" });
  assert.deepEqual(await pageAxeViolations(page), [], "support page, dark");
  // Its link opens the inbox filtered by that agent.
  await may.getByRole("link", { name: "may" }).click();
  assert.match(page.url(), /context_key=agent&context_value=may/);
  assert.match(await page.locator("table tbody").last().innerText(), /agent=may; ticket=T-1042; topic=returns/);
  assert.deepEqual(problems, []);
  await context.close();
});

test("the context attribute, changed in place, and setContext(), which wins until set to null", async () => {
  const { page, context, problems } = await openPage(env.browser);
  await hostPage(page, env.server, "context-attribute.html", `<!doctype html><body><h1>Help</h1>${embed(env.server, { attributes: `context='{"topic":"shipping"}'` })}</body>`);
  await widget(page).locator(".badge").waitFor();
  await page.evaluate(() => document.querySelector("moments-widget").setAttribute("context", '{"topic":"returns","agent":"lee"}'));
  assert.deepEqual(await answer(page, 4), { agent: "lee", topic: "returns" });

  await page.evaluate(() => localStorage.clear());
  await hostPage(page, env.server, "context-set.html", `<!doctype html><body><h1>Help</h1>${embed(env.server, { attributes: `context='{"topic":"shipping"}'` })}
<script type="module">
  // As early as a portal can: the element is defined, the widget not started yet.
  await customElements.whenDefined("moments-widget");
  document.querySelector("moments-widget").setContext({ ticket: "T-7", agent: "sam" });
</script></body>`);
  assert.deepEqual(await answer(page, 5), { agent: "sam", ticket: "T-7" }, "set before the widget started, kept for it");

  await page.evaluate(() => localStorage.clear());
  await page.reload();
  await widget(page).locator(".badge").waitFor();
  await page.evaluate(() => document.querySelector("moments-widget").setContext(null));
  assert.deepEqual(await answer(page, 3), { topic: "shipping" }, "null: the attribute's again");
  assert.deepEqual(problems, []);
  await context.close();
});

test("a context the rule refuses is a moments:error, and the answer goes without it", async () => {
  const { page, context, problems } = await openPage(env.browser);
  await hostPage(page, env.server, "context-wrong.html", `<!doctype html><body><h1>Help</h1>${embed(env.server)}</body>`);
  await widget(page).locator(".badge").waitFor();
  const errors = await page.evaluate(() => {
    const codes = [];
    document.addEventListener("moments:error", (e) => codes.push(e.detail.code));
    const element = document.querySelector("moments-widget");
    element.setContext(Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, "v"])));
    element.setContext({ ticket: 1042 });
    element.setContext(["agent", "may"]);
    element.setContext({ "support agent": "may" });
    element.setAttribute("context", "{not json");
    return new Promise((ok) => setTimeout(() => ok(codes), 100));
  });
  assert.deepEqual(errors, ["context_too_many_keys", "context_value_not_text", "context_not_object", "context_key_invalid", "context_not_json"]);
  assert.equal(await answer(page, 2), null);
  assert.deepEqual(problems, [], "no exception reached the page");
  await context.close();
});
