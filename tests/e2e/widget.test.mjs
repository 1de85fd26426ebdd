// The foundation slice end to end: a host page on one origin embeds the release widget and
// talks to the real backend on another origin (so CORS is real).
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { createServer } from "node:http";
import { ADMIN_KEY, ARTIFACTS, eventually, hostPage, openPage, serverAndBrowser } from "./harness.mjs";

const env = serverAndBrowser();

const badge = (page) => page.locator("moments-widget").locator(".badge");

test("the page and the backend are on different origins", () => {
  assert.notEqual(new URL(env.server.pageUrl("/")).origin, new URL(env.server.url).origin);
});

test("a member's badge shows the seeded points and tier", async () => {
  const { page, context, problems } = await openPage(env.browser);
  await page.goto(env.server.pageUrl("/shop.html"));
  await assert.doesNotReject(badge(page).waitFor({ timeout: 15_000 }));
  assert.match(await badge(page).innerText(), /1,240 pts\s*Silver/);
  await page.screenshot({ path: join(ARTIFACTS, "shop-badge.png") });
  assert.equal(env.server.query("SELECT COUNT(*) FROM sessions WHERE member_id = 'alice'"), "1");
  assert.deepEqual(problems, []);
  await context.close();
});

test("a tap on a face becomes exactly one row in the database", async () => {
  const { page, context, problems } = await openPage(env.browser);
  await page.goto(env.server.pageUrl("/support.html"));
  await badge(page).click();
  const faces = page.locator("moments-widget").locator('[role="radiogroup"] [role="radio"]');
  assert.equal(await faces.count(), 5);
  await faces.nth(3).click();
  await page.locator("moments-widget").locator(".thanks").waitFor();
  await page.screenshot({ path: join(ARTIFACTS, "support-thanks.png") });
  const rows = await eventually(() => env.server.query("SELECT COUNT(*) FROM events WHERE type = 'feedback'") === "1");
  assert.ok(rows, "the feedback row did not arrive");
  assert.equal(env.server.query("SELECT scale || ':' || score FROM events"), "csat5:4");
  // Acknowledged, so nothing is left waiting in the browser.
  const waiting = await eventually(() => page.evaluate(() => localStorage.getItem("moments:outbox:v1") === "[]"));
  assert.ok(waiting, "the acknowledged event is still in the outbox");
  assert.deepEqual(problems, []);
  await context.close();
});

for (const [what, answer] of [
  ["an HTML error page", { status: 200, contentType: "text/html", body: "<html>oops</html>" }],
  ["JSON of the wrong shape", { status: 200, contentType: "application/json", body: '{"session_id": 7}' }],
  ["a server error", { status: 503, contentType: "application/json", body: '{"error":{"code":"overloaded","message":"busy"}}' }],
]) {
  test(`a backend answering ${what} leaves the page clean, and the widget retries`, async () => {
    const { page, context, problems } = await openPage(env.browser);
    let calls = 0;
    await page.route("**/v1/session", (route) => {
      calls += 1;
      return route.fulfill({ ...answer, headers: { "access-control-allow-origin": "*" } });
    });
    await page.goto(env.server.pageUrl("/support.html"));
    const retried = await eventually(() => calls >= 2, { timeout: 5_000 });
    assert.ok(retried, `expected a retry, saw ${calls} call(s)`);
    assert.equal(await badge(page).count(), 0);
    assert.deepEqual(problems.filter((p) => !p.includes("503")), []);
    await context.close();
  });
}

test("with the backend down the host page sees no error and no widget", async () => {
  const { page, context, problems } = await openPage(env.browser);
  // The page is served, but every call to the API fails as if the server were down.
  await page.route("**/v1/**", (route) => route.abort("connectionrefused"));
  await page.goto(env.server.pageUrl("/support.html"));
  await page.waitForTimeout(1_500);
  assert.equal(await badge(page).count(), 0);
  assert.deepEqual(problems.filter((p) => !p.includes("net::ERR_")), []);
  await context.close();
});

/** Requests the backend answered, by method, from its own metrics (preflights included). */
async function answered(method) {
  const response = await fetch(`${env.server.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  const text = await response.text();
  return text
    .split("\n")
    .filter((line) => line.startsWith("moments_http_requests_total{") && line.includes(`method="${method}"`) && line.includes('route="/v1/'))
    .reduce((sum, line) => sum + Number(line.split(" ").pop()), 0);
}

test("a page view asks the backend once, with no CORS preflight, and a returning one the same", async () => {
  const { page, context, problems } = await openPage(env.browser);
  const [options, posts] = [await answered("OPTIONS"), await answered("POST")];
  await page.goto(env.server.pageUrl("/support.html"));
  await badge(page).waitFor();
  await page.reload();
  await badge(page).waitFor();
  // Anything late (an exposure, an outbox send) would be counted within a moment.
  await page.waitForTimeout(1_500);
  assert.equal(await answered("OPTIONS") - options, 0, "no preflight: the widget sends text/plain");
  assert.equal(await answered("POST") - posts, 2, "one POST /v1/session per page view");
  assert.deepEqual(problems, []);
  await context.close();
});

test("an answer whose body stalls times out like a stalled connection, and the widget tries again", async () => {
  // A backend that sends its headers and the start of a body, then nothing more.
  let calls = 0;
  const stalling = createServer((request, response) => {
    calls += 1;
    response.writeHead(200, { "content-type": "application/json", "access-control-allow-origin": "*" });
    response.write('{"session_id": "11111111-2222-4333-8444-');
  });
  await new Promise((resolve) => stalling.listen(0, "127.0.0.1", resolve));
  const backend = `http://127.0.0.1:${stalling.address().port}`;
  const { page, context, problems } = await openPage(env.browser);
  await hostPage(page, env.server, "stalled.html", `<!doctype html><body><h1>Stalled</h1>
    <script type="module" src="${env.server.url}/dist/moments.js"></script>
    <moments-widget backend="${backend}" site="demo"></moments-widget></body>`);
  // The request times out after 10 s, body included, and is retried as an unreachable
  // backend is (its last failure is reported as moments:error backend_unreachable).
  assert.ok(await eventually(() => calls >= 2, { timeout: 16_000 }), `tried again: ${calls} call(s)`);
  assert.equal(await badge(page).count(), 0);
  assert.deepEqual(problems, []);
  await context.close();
  stalling.closeAllConnections();
  stalling.close();
});
