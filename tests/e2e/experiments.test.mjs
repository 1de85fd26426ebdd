// Experiments end to end: two browsers see the variants their visitor ids hash to (the
// GrowthBook algorithm, written here in JavaScript as GrowthBook writes it), exposures count
// once per visitor however often the page reloads, and a stopped experiment shows its
// shipped variant to everyone.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ARTIFACTS, embed, eventually, hostPage, openPage, serverAndBrowser } from "./harness.mjs";

const env = serverAndBrowser();

const widget = (page) => page.locator("moments-widget");

// GrowthBook's fnv32a and hash v2, over UTF-16 code units as charCodeAt gives them.
function fnv32a(text) {
  let hval = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hval ^= text.charCodeAt(i);
    hval += (hval << 1) + (hval << 4) + (hval << 7) + (hval << 8) + (hval << 24);
  }
  return hval >>> 0;
}
const hashV2 = (seed, value) => (fnv32a(fnv32a(seed + value).toString()) % 10000) / 10000;
const variantOf = (visitor) => (hashV2("welcome-test", visitor) < 0.5 ? "a" : "b");

const TEXT = { a: "Hello from variant A", b: "Hi there, friend!" };

const admin = (path, body) => env.server.admin(path, body);

/** A browser of its own whose widget uses `visitor` as its visitor id. */
async function visitorPage(visitor) {
  const opened = await openPage(env.browser);
  await opened.page.addInitScript((id) => localStorage.setItem("moments:visitor", id), visitor);
  return opened;
}

async function greetingOn(page) {
  await hostPage(page, env.server, "welcome.html", `<!doctype html><body><h1>Shop</h1>${embed(env.server)}</body>`);
  await widget(page).locator(".greeting-text").waitFor();
  return widget(page).locator(".greeting-text").innerText();
}

test("each visitor sees the variant their id hashes to, counted once however often they reload; stopping ships one to all", async () => {
  const created = await admin("experiments", {
    key: "welcome-test", slot: "greeting", coverage: 1, control: "a",
    variants: [
      { key: "a", weight: 0.5, text: { en: TEXT.a } },
      { key: "b", weight: 0.5, text: { en: "Hi there, {name|friend}!" } },
    ],
  });
  assert.equal(created.status, 201);
  assert.equal((await admin("experiments/welcome-test/start", {})).status, 200);

  const ids = Array.from({ length: 50 }, (_, i) => `e2e-visitor-${String(i).padStart(4, "0")}`);
  const visitors = { a: ids.find((id) => variantOf(id) === "a"), b: ids.find((id) => variantOf(id) === "b") };
  const pages = {};
  for (const variant of ["a", "b"]) {
    pages[variant] = await visitorPage(visitors[variant]);
    assert.equal(await greetingOn(pages[variant].page), TEXT[variant], `visitor ${visitors[variant]}`);
    await pages[variant].page.screenshot({ path: join(ARTIFACTS, `experiment-variant-${variant}.png`) });
  }
  for (const { page } of Object.values(pages)) {
    for (let i = 0; i < 2; i++) {
      await page.reload();
      await widget(page).locator(".greeting-text").waitFor();
    }
  }
  const exposures = () => env.server.query("SELECT variant || ':' || COUNT(*) FROM exposures GROUP BY variant ORDER BY variant").split("\n");
  assert.deepEqual(await eventually(async () => exposures().join() === "a:1,b:1" && exposures()), ["a:1", "b:1"]);
  const sessions = env.server.query("SELECT COUNT(*) FROM sessions WHERE page_url LIKE '%/welcome.html'");
  assert.equal(sessions, "6", "three page views each");

  assert.equal((await admin("experiments/welcome-test/stop", { ship: "b" })).status, 200);
  const newcomer = await visitorPage("e2e-visitor-newcomer");
  for (const { page } of [pages.a, newcomer]) {
    assert.equal(await greetingOn(page), TEXT.b, "the shipped variant, for everyone");
  }
  for (const { context, problems } of [pages.a, pages.b, newcomer]) {
    assert.deepEqual(problems, []);
    await context.close();
  }
});
