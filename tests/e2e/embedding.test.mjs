// Embeds well anywhere: keyboard, screen readers (axe-core), theming, placement, languages.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ARTIFACTS, axeViolations, embed, eventually, hostPage, openPage, serverAndBrowser } from "./harness.mjs";

const env = serverAndBrowser();

const widget = (page) => page.locator("moments-widget");
/** The element focused inside the widget's shadow root, described by its class or label. */
const focusedInWidget = (page) =>
  page.evaluate(() => {
    const el = document.querySelector("moments-widget")?.shadowRoot?.activeElement;
    return el ? el.getAttribute("aria-label") || el.className : null;
  });

async function open(name, html) {
  const opened = await openPage(env.browser);
  await hostPage(opened.page, env.server, name, html);
  await widget(opened.page).locator(".badge").waitFor();
  return opened;
}

test("keyboard only: Tab to the badge, open, move along the faces, answer, Escape", async () => {
  const { page, context, problems } = await open("keyboard.html", `<!doctype html><body><a href="#">Host link</a>${embed(env.server)}</body>`);
  await widget(page).locator(".greeting").waitFor();
  await page.keyboard.press("Tab"); // the host's link
  await page.keyboard.press("Tab");
  assert.equal(await focusedInWidget(page), "Dismiss greeting");
  await page.keyboard.press("Tab");
  assert.equal(await focusedInWidget(page), "badge");
  await page.keyboard.press("Enter");
  await widget(page).locator(".faces").waitFor();
  // Appearing did not move focus: the visitor moves on when they choose to.
  assert.equal(await focusedInWidget(page), "badge");
  await page.keyboard.press("Tab"); // the panel's close button
  assert.equal(await focusedInWidget(page), "Close");
  await page.keyboard.press("Tab"); // the radio group's one tab stop
  assert.equal(await focusedInWidget(page), "Very unhappy");
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowRight");
  assert.equal(await focusedInWidget(page), "Okay");
  await page.keyboard.press("ArrowLeft");
  await page.keyboard.press("End");
  assert.equal(await focusedInWidget(page), "Very happy");
  await page.keyboard.press("Home");
  await page.keyboard.press("ArrowLeft"); // wraps round
  assert.equal(await focusedInWidget(page), "Very happy");
  await page.keyboard.press("ArrowLeft");
  await page.keyboard.press("Enter");
  await widget(page).locator(".thanks").waitFor();
  // Focus moves in an effect right after the render that added the thank-you.
  assert.ok(await eventually(async () => (await focusedInWidget(page)) === "thanks"), "focus moves to the thank-you");
  assert.ok(await eventually(() => env.server.query("SELECT COUNT(*) FROM events WHERE score = 4") === "1"));
  await page.keyboard.press("Escape");
  await eventually(async () => (await widget(page).locator(".panel:not([hidden])").count()) === 0);
  assert.equal(await widget(page).locator(".panel:not([hidden])").count(), 0);
  assert.equal(await focusedInWidget(page), "badge");
  // The focus ring is visible.
  const outline = await widget(page).locator(".badge").evaluate((b) => getComputedStyle(b).outlineStyle);
  assert.equal(outline, "solid");
  assert.deepEqual(problems, []);
  await context.close();
});

test("the host's theme variables and theme attribute take effect", async () => {
  const css = `<style>moments-widget { --moments-accent: rgb(200, 0, 0); --moments-radius: 4px; }</style>`;
  const { page, context, problems } = await open("themed.html", `<!doctype html><head>${css}</head><body>${embed(env.server)}</body>`);
  await widget(page).locator(".badge").click();
  const light = await widget(page).evaluate((w) => {
    const root = w.shadowRoot;
    return {
      accent: getComputedStyle(root.querySelector(".badge")).backgroundColor,
      radius: getComputedStyle(root.querySelector(".panel")).borderRadius,
      surface: getComputedStyle(root.querySelector(".panel")).backgroundColor,
    };
  });
  assert.deepEqual(light, { accent: "rgb(200, 0, 0)", radius: "4px", surface: "rgb(255, 255, 255)" });
  await page.evaluate(() => document.querySelector("moments-widget").setAttribute("theme", "dark"));
  const dark = await widget(page).locator(".panel").evaluate((p) => getComputedStyle(p).backgroundColor);
  assert.equal(dark, "rgb(31, 41, 55)");
  // prefers-reduced-motion: nothing slides in.
  assert.notEqual(await widget(page).locator(".panel").evaluate((p) => getComputedStyle(p).animationName), "none");
  await page.emulateMedia({ reducedMotion: "reduce" });
  assert.equal(await widget(page).locator(".panel").evaluate((p) => getComputedStyle(p).animationName), "none");
  await page.screenshot({ path: join(ARTIFACTS, "theme-dark.png") });
  assert.deepEqual(problems, []);
  await context.close();
});

test("theme=auto follows the visitor's colour scheme", async () => {
  const { page, context } = await openPage(env.browser);
  await page.emulateMedia({ colorScheme: "dark" });
  await hostPage(page, env.server, "auto.html", `<!doctype html><body>${embed(env.server, { attributes: 'theme="auto"' })}</body>`);
  await widget(page).locator(".badge").click();
  assert.equal(await widget(page).locator(".panel").evaluate((p) => getComputedStyle(p).backgroundColor), "rgb(31, 41, 55)");
  await page.emulateMedia({ colorScheme: "light" });
  assert.equal(await widget(page).locator(".panel").evaluate((p) => getComputedStyle(p).backgroundColor), "rgb(255, 255, 255)");
  await context.close();
});

test("position puts the floating badge in the corner asked for", async () => {
  const { page, context } = await open("corner.html", `<!doctype html><body>${embed(env.server, { attributes: 'position="top-left"' })}</body>`);
  const box = await widget(page).locator(".badge").boundingBox();
  assert.ok(box.x < 40 && box.y < 40, `top-left badge at ${box.x},${box.y}`);
  await page.evaluate(() => document.querySelector("moments-widget").setAttribute("position", "bottom-right"));
  const viewport = page.viewportSize();
  const moved = await widget(page).locator(".badge").boundingBox();
  assert.ok(moved.x + moved.width > viewport.width - 40 && moved.y + moved.height > viewport.height - 40);
  await context.close();
});

test("mode=inline renders badge and panel in the page's flow", async () => {
  const html = `<!doctype html><body><h1>My account</h1><div id="slot" style="width: 420px">
    ${embed(env.server, { attributes: 'mode="inline"' })}</div><p id="after">After</p></body>`;
  const { page, context, problems } = await open("inline.html", html);
  await widget(page).locator(".faces").waitFor();
  const place = await page.evaluate(() => {
    const panel = document.querySelector("moments-widget").shadowRoot.querySelector(".panel").getBoundingClientRect();
    const after = document.getElementById("after").getBoundingClientRect();
    return { panelAboveAfter: panel.bottom <= after.top, width: Math.round(panel.width), greeting: !!document.querySelector("moments-widget").shadowRoot.querySelector(".greeting") };
  });
  assert.deepEqual(place, { panelAboveAfter: true, width: 420, greeting: false });
  assert.equal(await widget(page).locator(".panel [aria-label='Close']").count(), 0);
  assert.deepEqual(problems, []);
  await context.close();
});

for (const [locale, badge, question] of [
  ["en", "Feedback", "How is your visit going?"],
  ["zh-CN", "反馈", "这次访问体验如何？"],
  ["zh-HK", "意見回饋", "這次造訪體驗如何？"],
]) {
  test(`locale ${locale} renders its own texts`, async () => {
    const { page, context, problems } = await open(`locale-${locale}.html`, `<!doctype html><body>${embed(env.server, { attributes: `locale="${locale}"` })}</body>`);
    await page.emulateMedia({ reducedMotion: "reduce" });
    assert.equal(await widget(page).locator(".badge-points").innerText(), badge);
    await widget(page).locator(".badge").click();
    assert.equal(await widget(page).locator(".question").innerText(), question);
    await page.screenshot({ path: join(ARTIFACTS, `locale-${locale}.png`) });
    assert.deepEqual(problems, []);
    await context.close();
  });
}

for (const theme of ["light", "dark"]) {
  test(`axe-core finds nothing serious in any state (${theme} theme, member and anonymous)`, async () => {
    for (const page_ of ["shop.html", "support.html"]) {
      const { page, context } = await openPage(env.browser);
      await page.goto(env.server.pageUrl(`/${page_}`));
      await page.evaluate((t) => document.querySelector("moments-widget").setAttribute("theme", t), theme);
      await widget(page).locator(".greeting").waitFor();
      assert.deepEqual(await axeViolations(page), [], `${page_}: badge and greeting`);
      await widget(page).locator(".badge").click();
      await widget(page).locator(".faces").waitFor();
      assert.deepEqual(await axeViolations(page), [], `${page_}: panel and prompt`);
      await widget(page).locator('[data-score="5"]').click();
      await widget(page).locator(".thanks").waitFor();
      assert.deepEqual(await axeViolations(page), [], `${page_}: thanks`);
      await context.close();
    }
  });
}
