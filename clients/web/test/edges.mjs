// The dashboard at its edges, in headless Chromium, on the walk-through's server: names that
// look like HTML, a name too long for a column, more models than one page, a field violation,
// a stale access token under a server stream, and a session the server ended. The last line
// printed is a JSON summary that tests/e2e/test_browser.py checks.
//
// Environment: QUANTIS_WEB_URL, EDGE_USERNAME and EDGE_PASSWORD (an account with one dataset
// and more models than a page holds, seeded by the test), CHROMIUM (default /usr/bin/chromium).
import { chromium } from "playwright-core";

import { createQuantisClient } from "../../js/dist/node.js";

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};
const url = env("QUANTIS_WEB_URL");
const browser = await chromium.launch({ executablePath: env("CHROMIUM", "/usr/bin/chromium"), headless: true });
const summary = { pageErrors: [] };

/** Changes the tokens the page keeps in sessionStorage, then loads `route` afresh with them. */
async function withTokens(page, route, change) {
  await page.evaluate((text) => {
    const tokens = JSON.parse(sessionStorage.getItem("quantis.tokens"));
    sessionStorage.setItem("quantis.tokens", JSON.stringify(new Function("t", text)(tokens)));
  }, change);
  await page.goto(`${url}/#/${route}`);
  await page.reload();
}

try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("pageerror", (error) => summary.pageErrors.push(String(error)));
  page.on("console", (m) => m.type() === "error" && summary.pageErrors.push(`console: ${m.text()}`));
  page.setDefaultTimeout(15_000);
  await page.goto(url);
  const logIn = async () => {
    await page.fill("input[name=username]", env("EDGE_USERNAME"));
    await page.fill("input[name=password]", env("EDGE_PASSWORD"));
    await page.click("form button[type=submit]");
  };
  await logIn();

  // A dataset named like markup is shown as its text.
  await page.locator("table.datasets").waitFor();
  summary.datasetName = await page.locator("table.datasets tbody td").first().innerText();
  summary.injected = await page.evaluate(() => ({ flag: window.injected ?? null, images: document.querySelectorAll("main img").length }));

  // More models than a page: a page, then the next on "More"; a long name wraps in its column.
  await page.click("nav a[href='#/models']");
  await page.locator("table.models").waitFor();
  summary.modelRows = [await page.locator("table.models tbody tr").count()];
  await page.click("button[name=more]");
  await page.locator("button[name=more]").waitFor({ state: "hidden" });
  summary.modelRows.push(await page.locator("table.models tbody tr").count());
  summary.pageWidth = await page.evaluate(() => document.documentElement.scrollWidth);

  // A field violation is shown once, with its field.
  await page.locator("input[name='hp.hidden_size']").waitFor();
  await page.fill("form.create-model input[name=name]", "bad-hidden-size");
  await page.fill("input[name='hp.hidden_size']", "-5");
  await page.click("form.create-model button[type=submit]");
  await page.locator("form.create-model .status.error").waitFor();
  summary.fieldError = await page.locator("form.create-model .status").innerText();

  // An access token the server no longer takes: the live feed (a server stream) refreshes it too.
  await withTokens(page, "monitoring", "return { ...t, accessToken: 'stale.' + t.accessToken };");
  await page.locator("[data-health]").waitFor();
  summary.staleStream = {
    // The test's server sends a heartbeat every second: the stream answers once it is open.
    live: await page.locator(".liveness[data-live=true]").waitFor({ timeout: 5_000 }).then(() => true, () => false),
    status: await page.locator("main section > .status").innerText(),
  };

  // The session's refresh token used elsewhere first: the server revokes the session, and the
  // page goes back to the login form, saying why, then back to where the person was.
  const refreshToken = await page.evaluate(() => JSON.parse(sessionStorage.getItem("quantis.tokens")).refreshToken);
  const elsewhere = createQuantisClient({ baseUrl: url.replace(/\/$/, ""), transport: "grpc-web" });
  summary.rotated = Boolean((await elsewhere.auth.refreshToken({ refreshToken })).tokens);
  elsewhere.close();
  await withTokens(page, "models", "return { ...t, accessTokenExpireTime: new Date(0).toISOString() };");
  await page.locator("section.login .status.error").waitFor();
  summary.sessionEnded = await page.locator("section.login .status").innerText();
  summary.tokensKept = await page.evaluate(() => sessionStorage.getItem("quantis.tokens"));
  await logIn();
  await page.locator("h2", { hasText: "Models" }).waitFor();
  summary.backOn = await page.evaluate(() => location.hash);
  console.log(JSON.stringify(summary));
} finally {
  await browser.close();
}
