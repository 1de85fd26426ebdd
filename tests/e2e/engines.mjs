// Firefox and WebKit (Safari's engine) for the cross-engine tests, behind one small interface:
// `open(url)`, `run(fn, arg)` (an async function run in the page, its JSON result returned)
// and `close()`. Firefox is Debian's firefox-esr driven by puppeteer-core over WebDriver BiDi;
// WebKit is WebKitGTK's MiniBrowser driven by WebKitWebDriver (plain W3C WebDriver over HTTP)
// on an Xvfb display of its own. Facts behind both: ../shared/TOOLCHAIN.md.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import puppeteer from "puppeteer-core";

export const FIREFOX = process.env.FIREFOX_BIN ?? "/usr/bin/firefox-esr";
export const MINIBROWSER = process.env.MINIBROWSER_BIN ?? "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";

export async function firefox() {
  const browser = await puppeteer.launch({ browser: "firefox", protocol: "webDriverBiDi", executablePath: FIREFOX, headless: true });
  const page = await browser.newPage();
  return {
    name: "Firefox",
    open: (url) => page.goto(url, { waitUntil: "load" }),
    run: (fn, arg) => page.evaluate(fn, arg),
    close: () => browser.close(),
  };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
    probe.on("error", reject);
  });
}

function started(child, what) {
  return new Promise((resolve, reject) => {
    child.on("error", (e) => reject(new Error(`cannot start ${what}: ${e.message}`)));
    setTimeout(resolve, 300);
  });
}

export async function webkit() {
  const display = `:${90 + Math.floor(Math.random() * 900)}`;
  const xvfb = spawn("Xvfb", [display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"], { stdio: "ignore" });
  await started(xvfb, "Xvfb");
  const port = await freePort();
  const driver = spawn("WebKitWebDriver", [`--port=${port}`], { stdio: "ignore", env: { ...process.env, DISPLAY: display } });
  await started(driver, "WebKitWebDriver");
  const base = `http://127.0.0.1:${port}`;
  const call = async (method, path, body) => {
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await fetch(base + path, { method, headers: { "content-type": "application/json" }, body: body && JSON.stringify(body) });
        const answer = await response.json();
        if (!response.ok) throw new Error(`WebDriver ${method} ${path}: ${JSON.stringify(answer.value)}`);
        return answer.value;
      } catch (error) {
        // The driver may still be starting.
        if (attempt < 20 && error.cause?.code === "ECONNREFUSED") await new Promise((r) => setTimeout(r, 250));
        else throw error;
      }
    }
  };
  const session = await call("POST", "/session", {
    capabilities: { alwaysMatch: { browserName: "MiniBrowser", "webkitgtk:browserOptions": { binary: MINIBROWSER, args: ["--automation"] } } },
  });
  const id = session.sessionId;
  await call("POST", `/session/${id}/timeouts`, { script: 30_000, pageLoad: 30_000 });
  return {
    name: "WebKit",
    open: (url) => call("POST", `/session/${id}/url`, { url }),
    async run(fn, arg) {
      const script = `const done = arguments[arguments.length - 1];
        Promise.resolve((${String(fn)})(arguments[0])).then((value) => done({ value }), (e) => done({ error: String((e && e.message) || e) }));`;
      const result = await call("POST", `/session/${id}/execute/async`, { script, args: [arg ?? null] });
      if (result.error) throw new Error(`in WebKit: ${result.error}`);
      return result.value;
    },
    async close() {
      await call("DELETE", `/session/${id}`).catch(() => {});
      driver.kill();
      xvfb.kill();
    },
  };
}
