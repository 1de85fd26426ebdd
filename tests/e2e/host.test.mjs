// The host page is sacred: whatever the page does, the widget neither breaks it nor is
// broken by it, and nothing reaches the page's console.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { get } from "node:http";
import { join } from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { ROOT, embed, eventually, hostPage, openPage, serverAndBrowser } from "./harness.mjs";

const env = serverAndBrowser();

const widgets = (page) => page.locator("moments-widget");

/** How many widgets on the page show their badge. */
const badgesShown = (page) =>
  page.evaluate(() => [...document.querySelectorAll("moments-widget")].filter((w) => w.shadowRoot?.querySelector(".badge")).length);

test("hostile page CSS neither hides nor restyles the widget", async () => {
  const { page, context, problems } = await openPage(env.browser);
  const hostile = `<style>
    * { all: revert !important; font-size: 48px !important; font-family: "Comic Sans MS", cursive !important; }
    html { font-size: 40px !important; letter-spacing: 6px !important; text-transform: uppercase !important; }
    div, section, button, p, span { display: none !important; color: red !important; }
  </style>`;
  await hostPage(page, env.server, "hostile.html", `<!doctype html><head>${hostile}</head><body><p>Host</p>${embed(env.server)}</body>`);
  const badge = widgets(page).locator(".badge");
  await badge.waitFor({ state: "visible" });
  const style = await badge.evaluate((b) => {
    const s = getComputedStyle(b);
    return { fontSize: s.fontSize, letterSpacing: s.letterSpacing, textTransform: s.textTransform, display: s.display };
  });
  assert.deepEqual(style, { fontSize: "15px", letterSpacing: "normal", textTransform: "none", display: "flex" });
  const box = await badge.boundingBox();
  assert.ok(box && box.width > 40 && box.height > 20 && box.height < 80, `badge box ${JSON.stringify(box)}`);
  await badge.click();
  await widgets(page).locator(".faces").waitFor({ state: "visible" });
  assert.deepEqual(problems, []);
  await context.close();
});

test("the widget's styles do not leak into the page", async () => {
  const { page, context, problems } = await openPage(env.browser);
  const html = `<!doctype html><body><button id="host-button">Host</button><div class="badge" id="host-badge">x</div>${embed(env.server)}</body>`;
  await hostPage(page, env.server, "leak.html", html);
  await widgets(page).locator(".badge").waitFor();
  const host = await page.evaluate(() => {
    const b = getComputedStyle(document.getElementById("host-badge"));
    return { sheets: document.styleSheets.length, position: b.position, background: b.backgroundColor };
  });
  assert.deepEqual(host, { sheets: 0, position: "static", background: "rgba(0, 0, 0, 0)" });
  assert.deepEqual(problems, []);
  await context.close();
});

test("several widgets on one page each start their own session", async () => {
  const { page, context, problems } = await openPage(env.browser);
  const before = Number(env.server.query("SELECT COUNT(*) FROM sessions"));
  const second = `<moments-widget backend="${env.server.url}" site="demo" locale="zh-CN"></moments-widget>`;
  await hostPage(page, env.server, "several.html", `<!doctype html><body>${embed(env.server)}${second}</body>`);
  assert.ok(await eventually(async () => (await badgesShown(page)) === 2), "both widgets should show");
  assert.equal(await widgets(page).nth(1).locator(".badge-points").innerText(), "反馈");
  assert.equal(Number(env.server.query("SELECT COUNT(*) FROM sessions")) - before, 2);
  assert.deepEqual(problems, []);
  await context.close();
});

test("including the script twice defines the element once and renders once", async () => {
  const { page, context, problems } = await openPage(env.browser);
  const twice = `<script type="module" src="${env.server.url}/dist/moments.js?copy=2"></script>`;
  await hostPage(page, env.server, "twice.html", `<!doctype html><body>${embed(env.server)}${twice}</body>`);
  await widgets(page).locator(".badge").waitFor();
  await page.waitForTimeout(500);
  assert.equal(await widgets(page).locator(".badge").count(), 1);
  assert.deepEqual(problems, []);
  await context.close();
});

test("elements added and removed by a single-page app mount and unmount cleanly", async () => {
  const { page, context, problems } = await openPage(env.browser);
  await hostPage(page, env.server, "spa.html", `<!doctype html><body><main id="app"></main>${embed(env.server, { attributes: 'id="first"' })}</body>`);
  await widgets(page).locator(".badge").waitFor();
  const before = Number(env.server.query("SELECT COUNT(*) FROM sessions"));
  // A route change: the app removes the widget, then renders a new one elsewhere.
  await page.evaluate((backend) => {
    document.getElementById("first").remove();
    const w = document.createElement("moments-widget");
    w.setAttribute("backend", backend);
    w.setAttribute("site", "demo");
    document.getElementById("app").append(w);
  }, env.server.url);
  assert.ok(await eventually(async () => (await badgesShown(page)) === 1), "the new widget should show");
  // Removed for good: its shadow root is emptied.
  const leftovers = await page.evaluate(() => document.querySelectorAll("moments-widget").length);
  assert.equal(leftovers, 1);
  // Moving an element (remove + insert in one task) keeps one widget.
  await page.evaluate(() => {
    const w = document.querySelector("moments-widget");
    document.body.prepend(w);
  });
  assert.ok(await eventually(async () => (await badgesShown(page)) === 1));
  // Removing every widget leaves nothing behind and nothing in the console.
  await page.evaluate(() => document.querySelectorAll("moments-widget").forEach((w) => w.remove()));
  await page.waitForTimeout(300);
  assert.equal(await badgesShown(page), 0);
  assert.ok(Number(env.server.query("SELECT COUNT(*) FROM sessions")) - before >= 1);
  assert.deepEqual(problems, []);
  await context.close();
});

test("a page with a strict Content-Security-Policy, Trusted Types included, sees no violation", async () => {
  const { page, context, problems } = await openPage(env.browser);
  // Trusted Types: the widget never writes HTML from a string (no innerHTML), which such a
  // page would refuse.
  const csp = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; connect-src 'self'; require-trusted-types-for 'script'";
  // The policy arrives as a response header, on a page of the backend's own origin (as
  // connect-src 'self' demands).
  const url = `${env.server.url}/strict-csp-fixture.html`;
  await page.route(url, (route) =>
    route.fulfill({ contentType: "text/html", headers: { "content-security-policy": csp }, body: `<!doctype html><body>${embed(env.server)}</body>` }),
  );
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener("securitypolicyviolation", (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.goto(url);
  await widgets(page).locator(".badge").click();
  await widgets(page).locator('[data-score="5"]').click();
  await widgets(page).locator(".thanks").waitFor();
  assert.ok(await eventually(() => env.server.query("SELECT COUNT(*) FROM events WHERE score = 5") === "1"));
  const violations = await page.evaluate(() => window.__violations);
  assert.deepEqual(violations, []);
  // The adopted stylesheet applies under style-src 'self'.
  const radius = await widgets(page).locator(".badge").evaluate((b) => getComputedStyle(b).borderRadius);
  assert.equal(radius, "999px");
  assert.deepEqual(problems, []);
  await context.close();
});

test("the release download has no way to crash it on purpose", () => {
  const dist = join(ROOT, "dist");
  for (const file of readdirSync(dist).filter((f) => f.endsWith(".js") || f.endsWith(".wasm"))) {
    assert.ok(!readFileSync(join(dist, file)).includes("crashForTesting"), `${file} exports the test-only crash`);
  }
});

test("a panic inside the widget removes it quietly and the host page keeps working", async () => {
  const { page, context, problems } = await openPage(env.browser);
  // The test-only build (dist-crash/, with crashForTesting), served from an origin of its own.
  const crashBuild = `http://cdn.localhost:${new URL(env.server.url).port}/crash`;
  const types = { js: "text/javascript", wasm: "application/wasm" };
  await page.route(`${crashBuild}/**`, (route) => {
    const name = new URL(route.request().url()).pathname.split("/").pop();
    route.fulfill({
      path: join(ROOT, "dist-crash", name),
      headers: { "access-control-allow-origin": "*", "content-type": types[name.split(".").pop()] ?? "application/octet-stream" },
    });
  });
  const html = `<!doctype html><body>
    <button id="host-button">Clicked <span id="count">0</span></button>
    <script type="module" src="host-button.js"></script>
    <script type="module" src="${crashBuild}/moments.js"></script>
    <moments-widget backend="${env.server.url}" site="demo"></moments-widget></body>`;
  env.server.writePage("host-button.js", `document.getElementById("host-button").addEventListener("click", () => {
    const c = document.getElementById("count"); c.textContent = String(Number(c.textContent) + 1); });
    window.crashes = [];
    document.addEventListener("moments:error", (e) => window.crashes.push(e.detail.code));`);
  await hostPage(page, env.server, "crash.html", html);
  await widgets(page).locator(".badge").waitFor();

  // A real panic in the same wasm instance, from a timer, as a crash in a callback would come.
  await page.evaluate(async (loaderUrl) => {
    const loader = await (await fetch(loaderUrl)).text();
    const glue = /"\.\/(moments-[0-9a-f]+\.js)"/.exec(loader)[1];
    const module = await import(new URL(glue, loaderUrl).href);
    setTimeout(() => module.crashForTesting(), 0);
  }, `${crashBuild}/moments.js`);

  assert.ok(await eventually(() => page.evaluate(() => window.crashes.includes("widget_crashed"))), "moments:error was not fired");
  assert.equal(await badgesShown(page), 0);
  await page.click("#host-button");
  await page.click("#host-button");
  assert.equal(await page.locator("#count").innerText(), "2");
  // A widget added after the crash stays out of the way instead of crashing again.
  await page.evaluate((backend) => {
    const w = document.createElement("moments-widget");
    w.setAttribute("backend", backend);
    w.setAttribute("site", "demo");
    document.body.append(w);
  }, env.server.url);
  await page.waitForTimeout(500);
  assert.equal(await badgesShown(page), 0);
  assert.deepEqual(problems, []);
  await context.close();
});

/** A host page whose policy (a meta tag) allows `connectSrc`, loading the widget from a CDN. */
async function cdnPage(page, name, connectSrc) {
  const port = new URL(env.server.url).port;
  const cdn = `http://cdn.localhost:${port}`;
  // The "CDN" serves the release files the backend has; its own origin, as a CDN would be.
  await page.route(`${cdn}/dist/**`, async (route) => {
    const path = new URL(route.request().url()).pathname;
    await route.fulfill({ response: await route.fetch({ url: `${env.server.url}${path}` }) });
  });
  const csp = `default-src 'self'; script-src ${cdn} 'wasm-unsafe-eval'; style-src 'self'; connect-src ${connectSrc(cdn)}`;
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener("securitypolicyviolation", (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  await hostPage(page, env.server, name, `<!doctype html><html><head><meta http-equiv="Content-Security-Policy" content="${csp}"></head><body>
    <script type="module" src="${cdn}/dist/moments.js"></script>
    <moments-widget backend="${env.server.url}" site="demo"></moments-widget></body></html>`);
  return cdn;
}

test("widget files from a CDN: connect-src lists the CDN too, as the README says, and nothing is blocked", async () => {
  const { page, context, problems } = await openPage(env.browser);
  await cdnPage(page, "cdn.html", (cdn) => `${env.server.url} ${cdn}`);
  await widgets(page).locator(".badge").click();
  await widgets(page).locator('[data-score="4"]').click();
  await widgets(page).locator(".thanks").waitFor();
  assert.deepEqual(await page.evaluate(() => window.__violations), []);
  assert.deepEqual(problems, []);
  await context.close();
});

test("widget files from a CDN: a policy listing only the backend in connect-src blocks the wasm", async () => {
  const { page, context } = await openPage(env.browser);
  const cdn = await cdnPage(page, "cdn-blocked.html", () => env.server.url);
  assert.ok(await eventually(() => page.evaluate((cdn) => window.__violations.some((v) => v.startsWith("connect-src") && v.includes(cdn)), cdn)));
  assert.equal(await badgesShown(page), 0);
  // The glue may still be on its way through the route when the test is done with the page.
  await page.unrouteAll({ behavior: "ignoreErrors" });
  await context.close();
});

/** The raw answer to GET `path` with `accept-encoding` (fetch would decode it). */
function rawGet(url, acceptEncoding) {
  return new Promise((resolve, reject) => {
    get(url, { headers: { "accept-encoding": acceptEncoding } }, (response) => {
      const chunks = [];
      response.on("data", (c) => chunks.push(c));
      response.on("end", () => resolve({ headers: response.headers, body: Buffer.concat(chunks) }));
    }).on("error", reject);
  });
}

test("the widget's files are sent brotli- or gzip-compressed, as the browser accepts", async () => {
  const wasm = readdirSync(join(ROOT, "dist")).find((f) => f.endsWith("_bg.wasm"));
  const raw = readFileSync(join(ROOT, "dist", wasm));
  for (const [accept, encoding, decode] of [
    ["gzip, deflate, br", "br", brotliDecompressSync],
    ["gzip", "gzip", gunzipSync],
  ]) {
    const { headers, body } = await rawGet(`${env.server.url}/dist/${wasm}`, accept);
    assert.equal(headers["content-encoding"], encoding);
    assert.equal(headers["content-type"], "application/wasm");
    assert.match(headers.vary ?? "", /accept-encoding/i);
    assert.ok(body.length < raw.length / 2, `${encoding}: ${body.length} of ${raw.length} bytes`);
    assert.ok(decode(body).equals(raw));
  }
  const plain = await rawGet(`${env.server.url}/dist/moments.js`, "identity");
  assert.equal(plain.headers["content-encoding"], undefined);
  assert.ok(plain.body.equals(readFileSync(join(ROOT, "dist", "moments.js"))));
});
