// The widget in every current engine: the same visits run in Firefox and in WebKit (Safari's
// engine) as in Chromium: the badge, a one-tap answer that reaches the database, a member's
// standing kept for the next page view, a new member token taken in place, the end-of-visit
// question, and a removal, with no error in the host page. The panel and the question come
// from the chunk loaded after the first badge (src/later/), which each visit checks arrived.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { embed, eventually, now, sign, startServer } from "./harness.mjs";
import { firefox, webkit } from "./engines.mjs";

/** Records what a host developer would see go wrong, and the widget's events. */
const WATCH = `<script>
  window.problems = [];
  addEventListener("error", (e) => problems.push("uncaught: " + e.message));
  addEventListener("unhandledrejection", (e) => problems.push("unhandled: " + e.reason));
  window.heard = [];
  for (const name of ["moments:error", "moments:ready"]) document.addEventListener(name, (e) => heard.push(name));
</script>`;

// In-page steps, sent to the browser as source: each uses only what is in the page.
/** Puts `until(f)` in the page: resolves to f()'s first truthy value, polling for 15 s. */
function installUntil() {
  window.until = async (f) => {
    for (let i = 0; i < 150; i++) {
      const v = f();
      if (v) return v;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${f}`);
  };
}

async function answerInPanel() {
  const until = window.until;
  const root = () => document.querySelector("moments-widget").shadowRoot;
  const badge = await until(() => root()?.querySelector(".badge"));
  const text = badge.textContent;
  badge.click();
  const faces = await until(() => root().querySelectorAll('[role="radio"]').length === 5 && root().querySelectorAll('[role="radio"]'));
  faces[3].click();
  await until(() => root().querySelector(".thanks"));
  return { badge: text, problems: window.problems, chunks: performance.getEntriesByType("resource").filter((e) => /-later\.wasm$/.test(e.name)).length };
}

async function badgeText() {
  for (let i = 0; i < 150; i++) {
    const points = document.querySelector("moments-widget")?.shadowRoot?.querySelector(".badge-points");
    if (points) return points.parentElement.textContent;
    await new Promise((r) => setTimeout(r, 100));
  }
  return null;
}

async function keptStanding() {
  return Object.keys(localStorage).filter((k) => k.startsWith("moments:standing:"));
}

async function endOfVisit() {
  const until = window.until;
  const widget = document.querySelector("moments-widget");
  await until(() => widget.shadowRoot?.querySelector(".badge"));
  widget.endSession();
  const prompt = await until(() => widget.shadowRoot.querySelector(".prompt"));
  const question = prompt.textContent;
  (await until(() => prompt.querySelectorAll('[role="radio"]').length && prompt.querySelectorAll('[role="radio"]')))[0].click();
  await until(() => widget.shadowRoot.querySelector(".thanks"));
  // The later parts come in `moments-HASH-later.wasm`.
  const chunks = performance.getEntriesByType("resource").filter((e) => /-later\.wasm$/.test(e.name)).length;
  widget.remove();
  await new Promise((r) => setTimeout(r, 500));
  return { question, problems: window.problems, left: document.querySelectorAll("moments-widget").length, chunks };
}

async function switchMember(token) {
  const until = window.until;
  const widget = document.querySelector("moments-widget");
  const root = () => widget.shadowRoot;
  (await until(() => root()?.querySelector(".moments:not([aria-busy]) .badge"))).click();
  await until(() => root().querySelector(".panel:not([hidden])"));
  const before = root().querySelector(".badge-points").textContent;
  widget.setAttribute("member-token", token);
  await until(() => root().querySelector(".badge-points")?.textContent !== before);
  return { before, after: root().querySelector(".badge-points").textContent, panel: root().querySelectorAll(".panel:not([hidden])").length, problems: window.problems };
}

for (const [name, launch] of [
  ["Firefox", firefox],
  ["WebKit", webkit],
]) {
  describe(name, () => {
    let server;
    let browser;
    before(async () => {
      server = await startServer();
      browser = await launch();
    });
    after(async () => {
      await browser?.close();
      await server?.stop();
    });
    const visit = async (file, attributes = "") => {
      server.writePage(file, `<!doctype html><html><head>${WATCH}</head><body><h1>${name}</h1>${embed(server, { attributes })}</body></html>`);
      await browser.open(server.pageUrl(`/${file}`));
      await browser.run(installUntil);
    };

    test("an anonymous visitor's one-tap answer becomes one row", async () => {
      await visit("anonymous.html");
      const result = await browser.run(answerInPanel);
      assert.match(result.badge, /feedback|Feedback|Join|join/);
      assert.equal(result.chunks, 1, "the panel came from the chunk");
      assert.ok(await eventually(() => server.query("SELECT COUNT(*) FROM events WHERE type = 'feedback'") === "1"), "the answer did not arrive");
      assert.deepEqual(result.problems, []);
    });

    test("a member's standing shows, and is kept for the next page view", async () => {
      const token = sign({ sub: "alice", name: "Alice", aud: "demo", iat: now(), exp: now() + 600 });
      await visit("member.html", `member-token="${token}"`);
      assert.match(await browser.run(badgeText), /1,240 pts\s*Silver/);
      assert.equal((await browser.run(keptStanding)).length, 1);
      await visit("member.html", `member-token="${token}"`);
      assert.match(await browser.run(badgeText), /1,240 pts\s*Silver/);
      // The kept badge may show before the second session is on record.
      assert.ok(await eventually(() => server.query("SELECT COUNT(*) FROM sessions WHERE member_id = 'alice'") === "2"));
    });

    test("a new member token updates the widget in place, the open panel stays", async () => {
      const token = (sub) => sign({ sub, name: sub, aud: "demo", iat: now(), exp: now() + 600 });
      await visit("switch.html", `member-token="${token("alice")}"`);
      const result = await browser.run(switchMember, token("dora"));
      assert.match(result.before, /1,240/);
      assert.doesNotMatch(result.after, /1,240/);
      assert.equal(result.panel, 1);
      assert.deepEqual(result.problems, []);
      assert.ok(await eventually(() => server.query("SELECT COUNT(*) FROM sessions WHERE member_id = 'dora'") === "1"));
    });

    test("the end-of-visit question is asked and answered, and removal leaves nothing behind", async () => {
      // A new visitor: the one who answered above is not asked again so soon.
      await browser.run(() => localStorage.clear());
      await visit("end.html");
      const result = await browser.run(endOfVisit);
      assert.ok(result.question.length > 0);
      assert.equal(result.chunks, 1, "the question came from the chunk");
      assert.equal(result.left, 0);
      assert.deepEqual(result.problems, []);
    });
  });
}
