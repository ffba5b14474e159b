// The monitoring page in headless Chromium, on the walk-through's server: alerts and
// notifications of more than a page, then the live feed across a restart of the bridge under
// it. The last line printed is a JSON summary that tests/e2e/test_browser.py checks.
//
// Halfway, the script prints "restart-bridge" and waits for a line on stdin: the test restarts
// `quantis web` on the same address meanwhile, acknowledging MISSED_ALERT_TITLE while it is
// down, so that only the lists can tell the page. Then "stop-bridge" and "start-bridge", with the
// page opened again between them. Environment: QUANTIS_WEB_URL,
// MONITOR_USERNAME and MONITOR_PASSWORD (an analyst with more alerts and notifications than a
// page), LIVE_ALERT_ID and LIVE_ALERT_TITLE (an open alert acknowledged here after the
// restart), MISSED_ALERT_TITLE, CHROMIUM (default /usr/bin/chromium).
import { createInterface } from "node:readline";

import { chromium } from "playwright-core";

import { createQuantisClient } from "../../js/dist/node.js";

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};
const url = env("QUANTIS_WEB_URL");
const stdin = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const browser = await chromium.launch({ executablePath: env("CHROMIUM", "/usr/bin/chromium"), headless: true });
// Uncaught errors only: while the bridge is down, Chromium logs each refused request as well.
const summary = { pageErrors: [] };
const seen = (locator, timeout) => locator.waitFor({ timeout }).then(() => true, () => false);

try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("pageerror", (error) => summary.pageErrors.push(String(error)));
  page.setDefaultTimeout(15_000);
  await page.goto(`${url}/#/monitoring`);
  await page.fill("input[name=username]", env("MONITOR_USERNAME"));
  await page.fill("input[name=password]", env("MONITOR_PASSWORD"));
  await page.click("form button[type=submit]");

  // A page of each list, then the rest on its "More".
  for (const list of ["alerts", "notifications"]) {
    const rows = page.locator(`#${list} tbody tr`);
    await rows.first().waitFor();
    const counts = [await rows.count()];
    const more = page.locator(`#${list} button[name=more]`);
    if (await more.isVisible()) {
      await more.click();
      await more.waitFor({ state: "hidden" });
      counts.push(await rows.count());
    }
    summary[`${list}Rows`] = counts;
  }

  // Every state the liveness line goes through, from here on.
  await page.evaluate(() => {
    const line = document.querySelector(".liveness");
    window.livenessSeen = [];
    new MutationObserver(() => window.livenessSeen.push(`${line.dataset.live} ${line.textContent}`)).observe(line, {
      attributes: true,
      childList: true,
      characterData: true,
      subtree: true,
    });
  });
  summary.liveBefore = await seen(page.locator(".liveness[data-live=true]"), 5_000);
  console.log("restart-bridge");
  await stdin.next();
  summary.noticed = await seen(page.locator(".liveness[data-live=false]"), 5_000);
  // Back within the backoff's first few steps (0.5, 1, 2, 4 s), then the heartbeat.
  summary.reconnected = await seen(page.locator(".liveness[data-live=true]"), 20_000);
  summary.liveness = await page.evaluate(() => window.livenessSeen.filter((s) => s.startsWith("false")));
  // Acknowledged while no stream was open: the lists were read again once it was.
  const missed = page.locator("#alerts tbody tr", { hasText: env("MISSED_ALERT_TITLE") });
  summary.missedAlertAcknowledged = await seen(missed.filter({ hasText: "acknowledged" }), 5_000);

  // An event after the reconnect reaches the feed.
  const elsewhere = createQuantisClient({ baseUrl: url.replace(/\/$/, ""), transport: "grpc-web" });
  await elsewhere.login(env("MONITOR_USERNAME"), env("MONITOR_PASSWORD"));
  await elsewhere.monitoring.acknowledgeAlert({ alertId: env("LIVE_ALERT_ID") });
  elsewhere.close();
  const heard = page.locator("#live-events li", { hasText: `Alert acknowledged: ${env("LIVE_ALERT_TITLE")}` });
  summary.liveEvent = (await seen(heard, 10_000)) ? await heard.innerText() : null;

  // A second outage, with the page opened again during it: nothing can be read, and the status
  // line says so until the stream is back and the lists are read.
  console.log("stop-bridge");
  await stdin.next();
  await page.evaluate(() => {
    location.hash = "#/models";
  });
  await page.evaluate(() => {
    location.hash = "#/monitoring";
  });
  const statusLine = page.locator("main section > .status");
  const failed = await seen(page.locator("main section > .status.error"), 10_000);
  summary.statusWhileDown = failed ? await statusLine.innerText() : null;
  console.log("start-bridge");
  await stdin.next();
  summary.listedAfter = await seen(page.locator("#alerts tbody tr").first(), 20_000);
  await page
    .waitForFunction(() => document.querySelector("main section > .status")?.textContent === "", null, { timeout: 10_000 })
    .catch(() => {});
  summary.status = await statusLine.innerText();
  console.log(JSON.stringify(summary));
} finally {
  await browser.close();
  process.stdin.destroy();
}
