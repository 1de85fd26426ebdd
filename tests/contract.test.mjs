// The element's contract (npm/custom-elements.json) against what the code does and what the
// docs say, and the TypeScript declarations generated from it: a usage file must compile under
// `tsc --strict` and every misuse marked `@ts-expect-error` must fail. The built element's own
// attributes and methods are checked in a browser by tests/e2e/frameworks.test.mjs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { elementOf } from "../scripts/npm-package.mjs";

const ROOT = resolve(import.meta.dirname, "..");
const element = elementOf(JSON.parse(readFileSync(join(ROOT, "npm/custom-elements.json"), "utf8")));
const names = (list) => list.map((x) => x.name).sort();
const sources = (dir) =>
  readdirSync(join(ROOT, dir), { recursive: true })
    .filter((f) => f.endsWith(".rs"))
    .map((f) => readFileSync(join(ROOT, dir, f), "utf8"))
    .join("\n");
const matches = (text, regex) => [...new Set([...text.matchAll(regex)].map((m) => m[1]))].sort();
const rust = sources("src");
const loader = readFileSync(join(ROOT, "src/loader.js"), "utf8");
const styles = readFileSync(join(ROOT, "src/style.css"), "utf8") + readFileSync(join(ROOT, "src/later/style.css"), "utf8");
const embedding = readFileSync(join(ROOT, "docs/embedding.md"), "utf8");

test("every event the widget fires is in the contract, and nothing else", () => {
  const fired = [...matches(rust, /emit\([^;]*?"(moments:[a-z-]+)"/gs), ...matches(loader, /new CustomEvent\(\s*"(moments:[a-z-]+)"/g)];
  assert.deepEqual([...new Set(fired)].sort(), names(element.events));
});

test("every part and custom property the styles offer is in the contract, and nothing else", () => {
  assert.deepEqual(matches(rust, /part(?:=\\?"|", ")([a-z-]+)"/g), names(element.cssParts));
  assert.deepEqual(matches(styles, /var\((--moments-[a-z-]+)/g), names(element.cssProperties));
});

test("the attributes are those the loader observes and those the styles select on", () => {
  const observed = JSON.parse(/const ATTRIBUTES = (\[[^\]]*\]);/.exec(loader)[1]);
  const styled = matches(styles, /:host\(\[([a-z-]+)=/g);
  assert.deepEqual([...new Set([...observed, ...styled])].sort(), names(element.attributes));
});

test("docs/embedding.md names every attribute, method, event, part and custom property of the contract", () => {
  for (const attribute of element.attributes) assert.match(embedding, new RegExp(`\\| \`${attribute.name}\` \\|`), attribute.name);
  for (const method of element.members) assert.ok(embedding.includes(`${method.name}(`), method.name);
  for (const event of element.events) assert.ok(embedding.includes(`\`${event.name}\``), event.name);
  for (const property of element.cssProperties) assert.ok(embedding.includes(property.name), property.name);
  const parts = /^Parts: (.*?)\. The/ms.exec(embedding)[1].match(/`[a-z-]+`/g).map((p) => p.slice(1, -1));
  assert.deepEqual(parts.sort(), names(element.cssParts));
});

test("the declarations type every use and refuse every misuse (tsc --strict), with no `any`", () => {
  execFileSync("node", [join(ROOT, "scripts/npm-package.mjs"), "--declarations-only", join(ROOT, "target/npm/types")]);
  for (const file of ["index.d.ts", "react.d.ts", "vue.d.ts"]) {
    const code = readFileSync(join(ROOT, "target/npm/types", file), "utf8").replace(/\/\*\*[\s\S]*?\*\/|\/\/.*$/gm, "");
    assert.doesNotMatch(code, /\bany\b/, file);
  }
  try {
    execFileSync(join(ROOT, "node_modules/.bin/tsc"), ["-p", join(ROOT, "tests/types/tsconfig.json")], { encoding: "utf8" });
  } catch (error) {
    assert.fail(`tsc found errors (an unused @ts-expect-error is a misuse the types let through):\n${error.stdout}`);
  }
});

test("the misuse check is not vacuous: with a loosely typed element, tsc reports misuses let through", () => {
  const loose = join(ROOT, "target/npm/types-loose");
  execFileSync("node", [join(ROOT, "scripts/npm-package.mjs"), "--declarations-only", loose]);
  const index = join(loose, "index.d.ts");
  const text = readFileSync(index, "utf8");
  writeFileSync(index, text.replace('"moments-widget": MomentsWidgetElement;', '"moments-widget": HTMLElement & Record<string, Function>;'));
  const config = join(loose, "tsconfig.json");
  const paths = { "moments-widget": [index], "moments-widget/*": [join(loose, "*.d.ts")] };
  writeFileSync(config, JSON.stringify({ extends: join(ROOT, "tests/types/tsconfig.json"), compilerOptions: { paths }, files: [join(ROOT, "tests/types/misuse.tsx")] }));
  assert.throws(
    () => execFileSync(join(ROOT, "node_modules/.bin/tsc"), ["-p", config], { encoding: "utf8" }),
    (error) => /misuse\.tsx\(\d+,\d+\): error TS2578: Unused '@ts-expect-error' directive/.test(error.stdout),
  );
});
