// Every command block in the README runs as written. `scripts/demo.sh` starts the demo (on a
// free port and a fresh database, the only changes), the README's curl awards Alice her points
// on it, and `scripts/test.sh` is what CI runs (this test is part of that run). A command
// added to the README without a check here fails the first test.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, existsSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "./harness.mjs";

const README = readFileSync(join(ROOT, "README.md"), "utf8");
const commands = [...README.matchAll(/```(?:sh|bash)\n([\s\S]*?)```/g)].flatMap((m) => m[1].split("\n").filter((l) => l.trim()));
const DEMO_ADDR = "127.0.0.1:8080";

test("the README's commands are the ones this file runs", () => {
  assert.deepEqual(
    commands.map((c) => c.split(" ")[0]),
    ["scripts/demo.sh", "curl", "scripts/test.sh"],
    "a new command in the README needs a check in tests/e2e/readme.test.mjs",
  );
  assert.match(readFileSync(join(ROOT, ".ci/run"), "utf8"), /^exec scripts\/test\.sh$/m, "CI runs the README's test command");
});

test("scripts/demo.sh starts the demo, and the README's curl awards Alice her points on it", { timeout: 1_200_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "moments-readme-"));
  const demo = spawn("bash", ["-c", commands[0]], {
    cwd: ROOT,
    env: { ...process.env, MOMENTS_ADDR: "127.0.0.1:0", MOMENTS_DATABASE_URL: `sqlite://${join(dir, "moments.db")}` },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  t.after(() => {
    try {
      process.kill(-demo.pid, "SIGTERM");
    } catch {}
  });
  let output = "";
  const url = await new Promise((ok, fail) => {
    demo.stderr.on("data", (d) => (output += d));
    demo.stdout.on("data", (d) => {
      output += d;
      const match = /Moments is running at (http:\/\/\S+)/.exec(output);
      if (match) ok(match[1]);
    });
    demo.on("exit", (code) => fail(new Error(`scripts/demo.sh exited with ${code}:\n${output.slice(-4000)}`)));
  });
  assert.match(output, /admin API key for this demo: demo-admin-key-for-this-demo-only/);
  for (const page of ["/shop.html", "/support.html", "/dashboard"]) {
    assert.match(output, new RegExp(`${url}${page}`), `the banner names ${page}`);
  }
  const shop = await fetch(`${url}/shop.html`);
  assert.equal(shop.status, 200);
  assert.match(await shop.text(), /<moments-widget/);

  const curl = commands[1];
  assert.ok(curl.includes(DEMO_ADDR), "the README's curl talks to the demo's address");
  const answer = JSON.parse(execFileSync("bash", ["-c", curl.replace(DEMO_ADDR, new URL(url).host)], { encoding: "utf8" }));
  assert.equal(answer.delta, 250, JSON.stringify(answer));
  const again = JSON.parse(execFileSync("bash", ["-c", curl.replace(DEMO_ADDR, new URL(url).host)], { encoding: "utf8" }));
  assert.ok(answer.balance_after >= 250, JSON.stringify(answer));
  assert.deepEqual(again, answer, "the idempotency key makes a second run change nothing");
});

test("scripts and docs the README names exist", () => {
  for (const command of commands.filter((c) => c.startsWith("scripts/"))) {
    const file = join(ROOT, command.split(" ")[0]);
    assert.ok(existsSync(file) && statSync(file).mode & 0o111, `${file} is an executable script`);
  }
  for (const [, link] of README.matchAll(/\]\(((?:docs\/)?[\w./-]+\.(?:md|toml|png))\)/g)) {
    assert.ok(existsSync(join(ROOT, link)), `README links to ${link}`);
  }
  for (const doc of readdirSync(join(ROOT, "docs")).filter((f) => f.endsWith(".md"))) {
    const text = readFileSync(join(ROOT, "docs", doc), "utf8");
    for (const [, script] of text.matchAll(/`(scripts\/[\w.-]+)/g)) {
      assert.ok(existsSync(join(ROOT, script)), `docs/${doc} names ${script}`);
    }
  }
});
