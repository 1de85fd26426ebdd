// Shared by the end-to-end tests: a real moments-server on a free port over a fresh SQLite
// file, Debian's Chromium driven by playwright-core, and direct reads of the database.
import { createHmac } from "node:crypto";
import { spawn, execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { after, before } from "node:test";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";

export const ROOT = resolve(import.meta.dirname, "../..");
// Where `cargo test` built it: CARGO_TARGET_DIR, when set, moves the whole target folder.
const SERVER = process.env.MOMENTS_SERVER_BIN ?? join(resolve(ROOT, process.env.CARGO_TARGET_DIR ?? "target"), "debug/moments-server");
export const ARTIFACTS = join(ROOT, "test-results");
/** What the host's own backend would hold to call the admin API. */
export const ADMIN_KEY = "e2e-admin-key-0123456789abcdef0123456789";
const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

/**
 * Starts the server with the demo site (and the sites of `extraConfig`, TOML), serving www/
 * and dist/; with `history`, the demo's 90 generated days too. Resolves once it listens.
 */
export async function startServer({ extraConfig = "", history = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "moments-e2e-"));
  const db = join(dir, "moments.db");
  // A copy of www/, so tests can add host pages of their own next to the demo pages.
  const www = join(dir, "www");
  cpSync(join(ROOT, "www"), www, { recursive: true });
  const config = join(dir, "moments.toml");
  const configText = (addr) =>
    `[server]\naddr = "${addr}"\ndatabase_url = "sqlite://${db}"\nwww_dir = "${www}"\nwidget_dir = "${join(ROOT, "dist")}"\n` +
    `admin_key = "${ADMIN_KEY}"\n${extraConfig}\n`;
  const writeConfig = (addr) => writeFileSync(config, configText(addr));
  writeConfig("127.0.0.1:0");
  let log = "";
  let child;
  /** Starts a server process on `configPath`: its URL, once it listens. */
  const spawnServer = (configPath, onChild) =>
    new Promise((ok, fail) => {
      const server = spawn(SERVER, ["--config", configPath, "--demo", ...(history ? [] : ["--no-demo-history"])], { stdio: ["ignore", "pipe", "pipe"] });
      onChild(server);
      server.stderr.on("data", (d) => (log += d));
      server.on("error", (error) => fail(new Error(`cannot start ${SERVER}: ${error.message}`)));
      const timer = setTimeout(() => fail(new Error(`server did not start:\n${log}`)), 20_000);
      server.stdout.on("data", (d) => {
        const match = /running at (http:\/\/\S+)/.exec(String(d));
        if (match) {
          clearTimeout(timer);
          ok(match[1]);
        }
      });
      server.on("exit", (code) => fail(new Error(`server exited with ${code}:\n${log}`)));
    });
  const launch = () => spawnServer(config, (server) => (child = server));
  const exited = () => new Promise((ok) => (child.exitCode !== null ? ok() : child.on("exit", ok)));
  const url = await launch();
  const others = [];
  return {
    url,
    db,
    // The same server under another host name: a page from here is cross-origin to `url`.
    pageUrl: (path) => url.replace("127.0.0.1", "localhost") + path,
    query: (sql) => execFileSync("sqlite3", [db, sql], { encoding: "utf8" }).trim(),
    /** POSTs JSON to this server as a host's backend would (no Origin): `{status, body}`. */
    async post(path, body, headers = {}) {
      const response = await fetch(`${url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: await response.json() };
    },
    /** The demo site's admin API, with the admin key: `admin("experiments", {...})`. */
    admin(path, body) {
      return this.post(`/v1/admin/sites/demo/${path}`, body, { authorization: `Bearer ${ADMIN_KEY}` });
    },
    /** Changes a demo member's points as the shop's backend would: server to server. */
    award(member, body) {
      return this.admin(`members/${member}/points`, body);
    },
    /** The folder of host pages it serves (a copy of www/). */
    www,
    /** Adds a host page served by the server (`{{MOMENTS_BACKEND}}` is filled in). */
    writePage: (name, html) => writeFileSync(join(www, name), html),
    /** Stops the server, keeping its database, as an outage would. */
    async halt() {
      child.kill("SIGKILL");
      await exited();
    },
    /** Starts it again on the same address, over the same database. */
    async restart() {
      writeConfig(new URL(url).host);
      await launch();
    },
    /** Another server process over the same database (stopped with this one): its URL. */
    async another() {
      const path = join(dir, `moments-${others.length + 2}.toml`);
      writeFileSync(path, configText("127.0.0.1:0"));
      return spawnServer(path, (server) => others.push(server));
    },
    async stop() {
      for (const other of others) other.kill("SIGTERM");
      child.kill("SIGTERM");
      await exited();
      rmSync(dir, { recursive: true, force: true });
    },
    log: () => log,
  };
}

/**
 * Gives the calling test file its own server (fresh database) and browser for all its tests:
 * `const env = serverAndBrowser();` then `env.server`, `env.browser` inside tests.
 */
export function serverAndBrowser(options) {
  const env = {};
  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    env.server = await startServer(options);
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.stop();
  });
  return env;
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_BIN ?? "/usr/bin/chromium",
    args: [
      "--headless=new",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-quic",
      "--no-first-run",
    ],
  });
}

/** A page that records what a host developer would see in the console. */
export async function openPage(browser, contextOptions = {}) {
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`uncaught: ${e.message}`));
  page.on("console", (m) => {
    // A host page without a favicon is the host's business, not ours.
    const faviconMissing = m.location().url?.endsWith("/favicon.ico");
    if (m.type() === "error" && !faviconMissing) problems.push(`console.error: ${m.text()} (${m.location().url})`);
  });
  return { page, context, problems };
}

/** Polls `fn` until it returns a truthy value or the time is up. */
export async function eventually(fn, { timeout = 10_000, interval = 100 } = {}) {
  const end = Date.now() + timeout;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > end) return value;
    await new Promise((r) => setTimeout(r, interval));
  }
}

/**
 * Opens `html` as a host page on the page origin (http://localhost:PORT), a different
 * origin from the backend. It is served by the real server: a page with no real address
 * would be refused loopback access by Chromium's Local Network Access rules.
 */
export async function hostPage(page, server, name, html) {
  server.writePage(name, html);
  await page.goto(server.pageUrl(`/${name}`));
}

export const now = () => Math.floor(Date.now() / 1000);

/** An HS256 member token for the demo site's `kid`; with a guessed secret, a forgery. */
export function sign(claims, secret = "demo-secret-not-for-real-visitors") {
  const part = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const signed = `${part({ alg: "HS256", typ: "JWT", kid: "demo" })}.${part(claims)}`;
  return `${signed}.${createHmac("sha256", secret).update(signed).digest("base64url")}`;
}

/**
 * The badge once the backend has answered this page view: a member's badge may first be drawn,
 * marked busy, from the standing their last page view kept.
 */
export const freshBadge = (page) => page.locator("moments-widget .moments:not([aria-busy]) .badge");

/** The markup a host adds: the loader and one element (anonymous unless attributes say more). */
export function embed(server, { script = "/dist/moments.js", attributes = "" } = {}) {
  return `<script type="module" src="${server.url}${script}"></script>
<moments-widget backend="${server.url}" site="demo" ${attributes}></moments-widget>`;
}

/**
 * axe-core's serious and critical findings inside the first widget on the page, once its
 * entrance animations have ended (contrast is judged on what stays, not on a fade-in).
 */
/** axe-core's serious and critical findings on a whole page (the dashboard's, say). */
export async function pageAxeViolations(page) {
  await page.addScriptTag({ path: AXE });
  return page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ["violations"] });
    return result.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  });
}

export async function axeViolations(page) {
  await page.addScriptTag({ path: AXE });
  return page.evaluate(async () => {
    const root = document.querySelector("moments-widget").shadowRoot;
    await Promise.all(root.getAnimations().map((a) => a.finished.catch(() => {})));
    const result = await window.axe.run(document.querySelector("moments-widget"), { resultTypes: ["violations"] });
    return result.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  });
}
