// The living demo: `--demo` generates 90 days of a shop's history once, so every dashboard
// page opens on real-looking charts. Each page, on a desktop and on a phone, light and dark:
// charts that draw data (bars, lines, heat map cells), tables with rows, axe clean, no
// horizontal scrolling on the phone; a screenshot of each.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ADMIN_KEY, ARTIFACTS, openPage, pageAxeViolations, serverAndBrowser } from "./harness.mjs";

const env = serverAndBrowser({ history: true });

/** What each page must show: its charts' data marks, and table rows it must have. */
const PAGES = [
  { name: "overview", path: "", marks: 2, rows: 1 },
  { name: "loyalty", path: "/loyalty", marks: 3, rows: 8 },
  { name: "experiments", path: "/experiments", marks: 0, rows: 2 },
  { name: "experiment-finished", path: "/experiments/greeting-warmth", marks: 1, rows: 2 },
  { name: "experiment-running", path: "/experiments/farewell-ask", marks: 1, rows: 2 },
  { name: "feedback", path: "/feedback", marks: 0, rows: 20 },
  { name: "recovery", path: "/recovery", marks: 0, rows: 5 },
  { name: "support", path: "/support", marks: 0, rows: 8 },
];
const SCREENS = [
  { screen: "desktop", viewport: { width: 1280, height: 900 } },
  { screen: "phone", viewport: { width: 390, height: 844 } },
];

test("the demo history is generated once: a restart adds nothing", async () => {
  const count = () => env.server.query("SELECT (SELECT COUNT(*) FROM sessions) || ' ' || (SELECT COUNT(*) FROM events) || ' ' || (SELECT COUNT(*) FROM points_ledger)");
  const before = count();
  const [views] = before.split(" ").map(Number);
  assert.ok(views > 5000, `a shop's worth of page views (${views})`);
  assert.equal(env.server.query("SELECT COUNT(*) FROM demo_history"), "1");
  await env.server.halt();
  await env.server.restart();
  assert.equal(count(), before);
});

for (const { screen, viewport } of SCREENS) {
  test(`every dashboard page of the demo shows its data, on a ${screen}, light and dark`, async () => {
    const { page, context, problems } = await openPage(env.browser, { bypassCSP: true, viewport });
    await page.goto(`${env.server.url}/dashboard/demo`);
    await page.getByLabel("Password or admin key").fill(ADMIN_KEY);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/dashboard\/demo$/);
    assert.match(await page.locator(".notice").first().innerText(), /^Demo data: the 90 days before \d{4}-\d{2}-\d{2} were generated/);

    for (const { name, path, marks, rows } of PAGES) {
      // The first test killed the server, perhaps while it computed this page's figures: its
      // claim lapses within seconds and the page, which reloads itself meanwhile, shows them.
      const response = await page.goto(`${env.server.url}/dashboard/demo${path}`);
      assert.equal(response.status(), 200, name);
      if ((await page.locator('.notice[role="status"]').count()) > 0) {
        await page.locator("figure.chart").first().waitFor({ timeout: 60_000 });
        await page.waitForLoadState("load");
      }
      const drawn = await page.locator("figure.chart svg :is(rect.bar, path.line, rect.heat, circle.dot)").count();
      assert.ok(drawn >= marks, `${name}: ${drawn} data marks drawn, at least ${marks} expected`);
      assert.equal(await page.getByText(/No answers (yet|in this period)|No exposures yet/).count(), 0, `${name}: no empty state`);
      const tableRows = await page.locator("table tbody tr").count();
      assert.ok(tableRows >= rows, `${name}: ${tableRows} table rows, at least ${rows} expected`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `${name} fits the ${screen} (${overflow}px too wide)`);
      for (const scheme of ["light", "dark"]) {
        await page.emulateMedia({ colorScheme: scheme });
        assert.deepEqual(await pageAxeViolations(page), [], `${name}, ${screen}, ${scheme}`);
        await page.screenshot({ path: join(ARTIFACTS, `demo-${name}-${screen}-${scheme}.png`), fullPage: true });
      }
      await page.emulateMedia({ colorScheme: "light" });
    }

    // Comments in the visitors' languages, and cases both resolved and still open.
    await page.goto(`${env.server.url}/dashboard/demo/feedback`);
    // The inbox is the page's last table (the Themes section's come first).
    const comments = await page.locator("table tbody").last().innerText();
    assert.match(comments, /[a-z]{4}/, "comments in English");
    assert.match(comments, /[\u4e00-\u9fff]/, "comments in Chinese");
    await page.goto(`${env.server.url}/dashboard/demo/recovery`);
    assert.match(await page.locator("main").innerText(), /Resolved/);
    assert.deepEqual(problems, []);
    await context.close();
  });
}
