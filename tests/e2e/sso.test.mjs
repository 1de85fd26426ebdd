// Staff sign-in through an identity provider, end to end in Chromium against a real OpenID
// provider run here (the npm package oidc-provider, OpenID Certified): the role comes from the
// groups claim, a tampered state and a replayed code are refused, and a person removed at the
// provider loses the dashboard when their ID token runs out.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import Provider from "oidc-provider";
import { launchBrowser, openPage, startServer } from "./harness.mjs";

const CLIENT_SECRET = "e2e-oidc-client-secret-0123456789abcdef";
/** Seconds an ID token lives: the dashboard session ends with it. */
const ID_TOKEN_SECONDS = 6;
const accounts = new Map([["sam", { email: "sam@shop.example", email_verified: true, groups: ["demo-support"] }]]);
const env = {};

const freePort = () =>
  new Promise((ok) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => ok(port));
    });
  });

before(async () => {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  env.server = await startServer({
    extraConfig:
      `[server.oidc]\nissuer = "${issuer}"\nclient_id = "moments"\nclient_secret = "${CLIENT_SECRET}"\n` +
      `[[server.oidc.grants]]\ngroup = "demo-support"\nsite = "demo"\nrole = "support"\n`,
  });
  const provider = new Provider(issuer, {
    clients: [{ client_id: "moments", client_secret: CLIENT_SECRET, redirect_uris: [`${env.server.url}/dashboard/sso/callback`] }],
    findAccount: async (_ctx, id) =>
      accounts.has(id) ? { accountId: id, claims: async () => ({ sub: id, ...accounts.get(id) }) } : undefined,
    claims: { openid: ["sub"], email: ["email", "email_verified"], groups: ["groups"] },
    // Claims in the ID token itself, as most company providers send groups.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    ttl: { IdToken: ID_TOKEN_SECONDS, AccessToken: ID_TOKEN_SECONDS },
  });
  env.provider = provider.listen(port, "127.0.0.1");
  env.providerPort = port;
  env.browser = await launchBrowser();
});

after(async () => {
  await env.browser?.close();
  env.provider?.close();
  await env.server?.stop();
});

/** From the sign-in page through the provider's own login and consent pages; the callback's URL. */
async function signInAtProvider(page, login) {
  let callback;
  page.on("request", (r) => {
    if (r.url().includes("/dashboard/sso/callback")) callback ??= r.url();
  });
  await page.goto(`${env.server.url}/dashboard/login`);
  await page.getByRole("link", { name: "Sign in with your company account" }).click();
  await atProvider(page, login);
  return callback;
}

/** The provider's own pages: its development login (any password), then consent the first time. */
async function atProvider(page, login) {
  for (let step = 0; step < 4 && new URL(page.url()).port === String(env.providerPort); step++) {
    await page.waitForLoadState("load");
    if (await page.locator("input[name=login]").count()) {
      await page.locator("input[name=login]").fill(login);
      await page.locator("input[name=password]").fill("any password: the provider's development login");
    }
    const submit = page.locator("button[type=submit]");
    if (!(await submit.count())) break;
    await Promise.all([page.waitForNavigation(), submit.first().click()]);
  }
  await page.waitForLoadState("networkidle");
}

test("a person signs in through the provider, gets the role their group gives, and nothing more", async () => {
  const { page, context, problems } = await openPage(env.browser);
  const callback = await signInAtProvider(page, "sam");
  await page.waitForURL(/\/dashboard\/demo$/);
  assert.ok(callback, "the provider sent the browser back to the callback");
  const nav = await page.locator("nav").innerText();
  assert.match(nav, /Recovery/);
  assert.doesNotMatch(nav, /Webhooks|Staff/, "support sees no marketer's or owner's pages");
  const webhooks = await page.goto(`${env.server.url}/dashboard/demo/webhooks`);
  assert.equal(webhooks.status(), 403);
  const member = env.server.query("SELECT login || ' ' || COALESCE(sso_subject, '') FROM staff_members");
  assert.equal(member, "sam@shop.example sam");
  assert.equal(env.server.query("SELECT role FROM staff_roles"), "support");

  // The same callback again, from another browser: the state is used up (and the code too).
  const other = await env.browser.newContext();
  const replay = await (await other.newPage()).goto(callback);
  assert.equal(replay.status(), 400, "a replayed code is refused");
  assert.deepEqual((await other.cookies()).filter((c) => c.name === "moments_staff"), []);
  await other.close();
  // The provider's pages load web fonts this machine cannot reach; ours throw nothing.
  assert.deepEqual(problems.filter((p) => p.startsWith("uncaught")), []);
  await context.close();
});

test("a callback whose state was tampered with is refused", async () => {
  const { page, context } = await openPage(env.browser);
  // The way to the provider, with the state swapped on the way (the provider sends it back as given).
  const start = await context.request.get(`${env.server.url}/dashboard/sso?next=/dashboard/demo`, { maxRedirects: 0 });
  const authorize = new URL(start.headers()["location"]);
  assert.equal(authorize.port, String(env.providerPort));
  authorize.searchParams.set("state", "tampered");
  await page.goto(authorize.toString());
  await atProvider(page, "sam");
  assert.match(page.url(), /\/dashboard\/sso\/callback\?.*state=tampered/);
  assert.match(await page.locator("[role=alert]").innerText(), /did not work/);
  assert.deepEqual((await context.cookies()).filter((c) => c.name === "moments_staff"), []);
  await context.close();
});

test("a person removed at the provider loses the dashboard when their token runs out", async () => {
  const { page, context } = await openPage(env.browser);
  await signInAtProvider(page, "sam");
  await page.waitForURL(/\/dashboard\/demo$/);
  accounts.delete("sam");
  await new Promise((ok) => setTimeout(ok, (ID_TOKEN_SECONDS + 1) * 1000));
  await page.goto(`${env.server.url}/dashboard/demo/recovery`);
  assert.match(page.url(), /\/dashboard\/login\?next=/, "the session ended with the token");
  // Signing in again goes through the provider, which no longer knows them.
  await page.getByRole("link", { name: "Sign in with your company account" }).click();
  await page.waitForLoadState("networkidle");
  assert.doesNotMatch(page.url(), /\/dashboard\/demo/, `still out: ${page.url()}`);
  await context.close();
});
