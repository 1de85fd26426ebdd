// The npm package in the apps front-end teams write: examples/react (React 19, StrictMode) and
// examples/vue, each installed with `npm ci` from the tarball scripts/npm-package.mjs packs and
// built with Vite, served by the real server, driven in Chromium. And the built element's own
// attributes and methods against the contract (npm/custom-elements.json).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ARTIFACTS, ROOT, eventually, now, openPage, serverAndBrowser, sign } from "./harness.mjs";
import { elementOf } from "../../scripts/npm-package.mjs";

const contract = elementOf(JSON.parse(readFileSync(join(ROOT, "npm/custom-elements.json"), "utf8")));
const token = (sub) => sign({ sub, name: sub, aud: "demo", iat: now(), exp: now() + 600 });

// Packed, installed and built once, before the tests; each app is then served by the server.
const built = mkdtempSync(join(tmpdir(), "moments-examples-"));
{
  execFileSync("node", [join(ROOT, "scripts/npm-package.mjs")], { stdio: ["ignore", "ignore", "inherit"] });
  for (const name of ["react", "vue"]) {
    const dir = join(ROOT, "examples", name);
    execFileSync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: dir, stdio: ["ignore", "ignore", "inherit"] });
    // npm ci takes a file: tarball from its cache when the lockfile pins its integrity: the
    // lockfiles do not, and this proves the app is built from the package just packed.
    const installed = readFileSync(join(dir, "node_modules/moments-widget/moments.js"), "utf8");
    assert.equal(installed, readFileSync(join(ROOT, "target/npm/package/moments.js"), "utf8"), `examples/${name} installed a stale moments-widget`);
    // React's development build, in which StrictMode runs every effect twice.
    const mode = name === "react" ? "development" : "production";
    execFileSync("npm", ["run", "build", "--", "--mode", mode, "--outDir", join(built, name), "--emptyOutDir"], {
      cwd: dir,
      env: { ...process.env, NODE_ENV: mode },
      stdio: ["ignore", "ignore", "inherit"],
    });
  }
  // A warning only React's development build has: StrictMode's double effects are in this one.
  const assets = join(built, "react/assets");
  const bundle = readdirSync(assets).filter((f) => f.endsWith(".js")).map((f) => readFileSync(join(assets, f), "utf8")).join("");
  assert.ok(bundle.includes('unique "key"'), "examples/react was built in development mode");
}

// After the builds: the server's start is timed, and a synchronous build would hold it up.
const env = serverAndBrowser();

/**
 * Before the app starts: counts of the widget's events, and the timers its own code (the glue
 * and the wasm, whose files carry the build's name) has pending: set and neither run nor cleared.
 */
function instrument() {
  window.seen = { ready: 0, errors: [], types: [] };
  // Every moments:* event any element dispatches, by name: checked against the contract.
  const dispatch = EventTarget.prototype.dispatchEvent;
  EventTarget.prototype.dispatchEvent = function (event) {
    if (event.type.startsWith("moments:") && !window.seen.types.includes(event.type)) window.seen.types.push(event.type);
    return dispatch.call(this, event);
  };
  document.addEventListener("moments:ready", () => window.seen.ready++);
  document.addEventListener("moments:error", (event) => window.seen.errors.push(event.detail));
  const pending = new Map();
  const ours = () => /moments-[0-9a-f]{16}/.test(new Error().stack ?? "");
  const wrap = (set, clear, once) => {
    const [original, cancel] = [window[set], window[clear]];
    window[set] = function (callback, ...rest) {
      const mine = ours();
      const key = {};
      const run = once && typeof callback === "function" ? (...args) => (pending.delete(key), callback(...args)) : callback;
      const id = original.call(this, run, ...rest);
      if (mine) pending.set(key, { set, id });
      return id;
    };
    window[clear] = function (id) {
      for (const [key, timer] of pending) if (timer.set === set && timer.id === id) pending.delete(key);
      return cancel.call(this, id);
    };
  };
  wrap("setTimeout", "clearTimeout", true);
  wrap("setInterval", "clearInterval", false);
  wrap("requestIdleCallback", "cancelIdleCallback", true);
  wrap("requestAnimationFrame", "cancelAnimationFrame", true);
  window.pendingTimers = () => [...pending.values()].map((t) => t.set);
}

async function openApp(name, { idle = "3" } = {}) {
  if (!existsSync(join(env.server.www, name))) cpSync(join(built, name), join(env.server.www, name), { recursive: true });
  const opened = await openPage(env.browser);
  const requests = [];
  opened.page.on("request", (request) => request.url().startsWith(env.server.url) && requests.push(request.url()));
  await opened.page.addInitScript(instrument);
  // Members of this app's own, so each app starts from the same balance and reward limits.
  const query = new URLSearchParams({ backend: env.server.url, site: "demo", alice: token(`${name}-alice`), bob: token(`${name}-bob`), idle });
  await opened.page.goto(env.server.pageUrl(`/${name}/index.html?${query}#/`));
  return { ...opened, requests };
}

const widget = (page) => page.locator("moments-widget");
const visitor = (page) => page.evaluate(() => localStorage.getItem("moments:visitor"));
const sessions = async (page, member) =>
  Number(env.server.query(`SELECT COUNT(*) FROM sessions WHERE visitor_id = '${await visitor(page)}' AND member_id = '${member}'`));

for (const name of ["react", "vue"]) {
  test(`${name}: one session and one question, track from app code, moments:redeem shown by the app`, async () => {
    const award = await env.server.award(`${name}-alice`, { delta: 500, reason: "Order #1", idempotency_key: `${name}-order-1` });
    assert.equal(award.status, 201, JSON.stringify(award.body));
    const { page, problems } = await openApp(name);
    await widget(page).locator(".moments:not([aria-busy]) .badge").waitFor();
    assert.match(await widget(page).locator(".badge").innerText(), /500 pts/);
    // The element got its backend and site from load(), not from the markup.
    assert.equal(await widget(page).getAttribute("backend"), env.server.url);
    await page.getByRole("button", { name: "Place order" }).click();
    assert.ok(await eventually(async () => Number(env.server.query(`SELECT COUNT(*) FROM events WHERE type = 'track' AND name = 'purchase' AND visitor_id = '${await visitor(page)}'`)) === 1));

    await widget(page).locator(".badge").click();
    await widget(page).getByRole("button", { name: "Redeem Free shipping" }).click();
    await widget(page).getByText("Spend 300 points for Free shipping?").waitFor();
    await page.keyboard.press("Enter");
    await page.locator(".redeemed li").waitFor();
    assert.deepEqual(await page.locator(".redeemed li").allInnerTexts(), ["Redeemed: free-shipping (300 points)"], "heard once, as the app listens");
    await widget(page).locator(".badge").click(); // closes the panel

    await page.getByRole("button", { name: "Done shopping" }).click();
    await widget(page).locator(".prompt").waitFor();
    assert.equal(await widget(page).locator(".prompt").count(), 1);
    assert.equal(await sessions(page, `${name}-alice`), 1, "one session, whatever the framework ran twice");
    assert.equal(await page.evaluate(() => window.seen.ready), 1);
    await page.screenshot({ path: join(ARTIFACTS, `frameworks-${name}.png`) });
    assert.deepEqual(await page.evaluate(() => window.seen.errors), []);
    const fired = await page.evaluate(() => window.seen.types.sort());
    for (const type of ["moments:ready", "moments:redeem"]) assert.ok(fired.includes(type), `${type} among ${fired}`);
    for (const type of fired) assert.ok(contract.events.some((e) => e.name === type), `${type} is in the contract`);
    assert.deepEqual(problems, []);
  });

  test(`${name}: a route that removes the element leaves no timer or request behind; the support route sets the context`, async () => {
    const { page, problems, requests } = await openApp(name, { idle: "2" });
    await widget(page).locator(".moments:not([aria-busy]) .badge").waitFor();
    // The count sees the widget's own timers (the idle timeout's, at least) while it is there.
    assert.ok(await eventually(() => page.evaluate(() => window.pendingTimers().length > 0)), "the widget's timers are counted");
    await page.evaluate(() => (location.hash = "#/about"));
    await page.getByRole("heading", { name: "About Harbor & Pine" }).waitFor();
    assert.equal(await widget(page).count(), 0);
    const sent = requests.length;
    // Longer than the idle timeout (2 s), the outbox's first retry and the chunk's idle load.
    await page.waitForTimeout(3_500);
    assert.deepEqual(await page.evaluate(() => window.pendingTimers()), [], "the widget's timers are cleared");
    assert.deepEqual(requests.slice(sent), [], "no request after the element left");

    await page.evaluate(() => (location.hash = "#/support"));
    await widget(page).locator(".moments:not([aria-busy]) .badge").waitFor();
    await page.getByRole("button", { name: "Close the chat" }).click();
    await widget(page).locator(".prompt .faces").waitFor();
    await widget(page).locator('.prompt [data-score="5"]').click();
    const id = await visitor(page);
    const context = () =>
      env.server.query(`SELECT key || '=' || value FROM answer_context WHERE event_id IN (SELECT id FROM events WHERE visitor_id = '${id}') ORDER BY key`);
    assert.ok(await eventually(() => context() === "ticket=T-1042\ntopic=returns"), context());
    assert.deepEqual(problems, []);
  });

  test(`${name}: a new member-token starts a new session for the new member`, async () => {
    const { page, problems } = await openApp(name);
    await widget(page).locator(".moments:not([aria-busy]) .badge").waitFor();
    await page.getByRole("button", { name: "Sign in as Bob" }).click();
    assert.ok(await eventually(async () => (await sessions(page, `${name}-bob`)) === 1), "Bob's session");
    assert.ok(await eventually(() => page.evaluate(() => window.seen.ready === 2)));
    assert.equal(await sessions(page, `${name}-alice`), 1);
    assert.equal(await widget(page).count(), 1, "the same element, updated in place");
    assert.deepEqual(problems, []);
  });
}

test("the built element observes the contract's attributes (less those only its styles read) and has its methods", async () => {
  const { page } = await openApp("react");
  const element = await page.evaluate(() => {
    const Widget = customElements.get("moments-widget");
    const methods = Object.getOwnPropertyNames(Widget.prototype).filter(
      (name) => typeof Widget.prototype[name] === "function" && name !== "constructor" && !name.endsWith("Callback"),
    );
    return { observed: [...Widget.observedAttributes].sort(), methods: methods.sort() };
  });
  const styled = ["position", "theme"];
  assert.deepEqual(element.observed, contract.attributes.map((a) => a.name).filter((a) => !styled.includes(a)).sort());
  assert.deepEqual(element.methods, contract.members.filter((m) => m.kind === "method" && !m.static).map((m) => m.name).sort());
});
