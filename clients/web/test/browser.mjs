// The dashboard as a person uses it, in headless Chromium: log in, upload a dataset, create and
// train a small LSTM while its progress streams in, deploy it, forecast, and look at monitoring.
// Driven by playwright-core with the system's Chromium (never a downloaded browser). A
// screenshot is saved after every step; the last line printed is a JSON summary.
//
// Environment: QUANTIS_WEB_URL (the `quantis web` bridge that serves the dashboard),
// QUANTIS_USERNAME, QUANTIS_PASSWORD, MFA_USERNAME, MFA_PASSWORD and MFA_CODE (an account with
// MFA, and a TOTP code of it still unused), DATASET_CSV (series_id,timestamp,value), SCREENSHOT_DIR,
// CHROMIUM (default /usr/bin/chromium).
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import path from "node:path";

import { chromium } from "playwright-core";

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};
const url = env("QUANTIS_WEB_URL");
const screenshots = env("SCREENSHOT_DIR");
await mkdir(screenshots, { recursive: true });

const browser = await chromium.launch({ executablePath: env("CHROMIUM", "/usr/bin/chromium"), headless: true });
const summary = { screenshots: [] };
const pageErrors = [];
let page;

async function shot(name, tab = page) {
  const file = path.join(screenshots, `${String(summary.screenshots.length + 1).padStart(2, "0")}-${name}.png`);
  await tab.screenshot({ path: file, fullPage: true });
  summary.screenshots.push(file);
}

async function openTab() {
  const tab = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  tab.on("pageerror", (error) => pageErrors.push(String(error)));
  tab.setDefaultTimeout(30_000);
  await tab.goto(url);
  await tab.locator("section.login").waitFor();
  return tab;
}

async function logIn(tab) {
  await tab.fill("input[name=username]", env("QUANTIS_USERNAME"));
  await tab.fill("input[name=password]", env("QUANTIS_PASSWORD"));
  await tab.click("form button[type=submit]");
  await tab.locator("h2", { hasText: "Datasets" }).waitFor();
}

try {
  // An account with MFA: the password first, then the form asks for the TOTP code.
  page = await openTab();
  await page.fill("input[name=username]", env("MFA_USERNAME"));
  await page.fill("input[name=password]", env("MFA_PASSWORD"));
  await page.click("form button[type=submit]");
  await page.locator("input[name=totp]").waitFor();
  summary.mfaPrompt = await page.locator(".status").innerText();
  await page.fill("input[name=totp]", env("MFA_CODE"));
  await shot("mfa");
  await page.click("form button[type=submit]");
  await page.locator("h2", { hasText: "Datasets" }).waitFor();
  await page.locator("header .user:not(:empty)").waitFor();
  summary.mfaUser = await page.locator("header .user").innerText();
  await shot("mfa-logged-in");
  await page.close();

  // Log in, after a wrong password.
  page = await openTab();
  await shot("login");
  await page.fill("input[name=username]", env("QUANTIS_USERNAME"));
  await page.fill("input[name=password]", "not the password");
  await page.click("form button[type=submit]");
  await page.locator(".status.error").waitFor();
  summary.badLogin = await page.locator(".status.error").innerText();
  await logIn(page);

  // A second tab watches monitoring's live events (WatchEvents) while the first one works.
  const watcher = await openTab();
  await logIn(watcher);
  await watcher.click("nav a[href='#/monitoring']");
  await watcher.locator("[data-health]").waitFor();

  // Upload a dataset, with the progress bar, and read its statistics.
  await page.setInputFiles("input[name=file]", env("DATASET_CSV"));
  await page.fill("input[name=name]", "airpassengers-browser");
  await page.click("form.upload button[type=submit]");
  await page.locator("form.upload .status.done").waitFor();
  summary.upload = await page.locator("form.upload .status").innerText();
  summary.uploadProgress = await page.locator("form.upload progress").evaluate((bar) => bar.value);
  await page.locator("table.column-stats").waitFor();
  summary.datasetRows = await page.locator("table.datasets tbody tr").count();
  await shot("dataset-uploaded");

  // Create a tiny LSTM on it.
  await page.click("nav a[href='#/models']");
  await page.locator("input[name='hp.hidden_size']").waitFor();
  await page.fill("form.create-model input[name=name]", "browser-lstm");
  const dataset = page.locator("form.create-model select[name=dataset] option", { hasText: "airpassengers-browser" });
  await page.selectOption("form.create-model select[name=dataset]", await dataset.getAttribute("value"));
  await page.fill("form.create-model input[name=horizon]", "12");
  for (const [name, value] of Object.entries({ hidden_size: "8", ensemble_size: "1", max_epochs: "2", batch_size: "32" })) {
    await page.fill(`input[name='hp.${name}']`, value);
  }
  await shot("model-form");
  await page.click("form.create-model button[type=submit]");
  await page.locator("button[name=train]").waitFor();

  // Train, recording every state the live progress panel shows.
  await page.evaluate(() => {
    window.seenStates = [];
    const panel = document.querySelector(".training");
    new MutationObserver(() => {
      const state = panel.dataset.jobState;
      if (state && window.seenStates.at(-1) !== state) window.seenStates.push(state);
    }).observe(panel, { attributes: true, attributeFilter: ["data-job-state"] });
  });
  await page.click("button[name=train]");
  await page.locator(".training:not([data-job-state=''])").waitFor();
  await shot("training");
  await page.locator(".training[data-job-state=SUCCEEDED]").waitFor({ timeout: 240_000 });
  summary.trainingStates = await page.evaluate(() => window.seenStates);
  summary.trainingLine = await page.locator(".training-line").innerText();
  summary.trainingBar = await page.locator(".training progress").evaluate((bar) => bar.value);
  await page.locator("table.model-versions").waitFor();
  await shot("trained");

  // Deploy the version.
  await page.click("button[name=deploy]");
  await page.locator(".model .status.done", { hasText: "deployed" }).waitFor();
  summary.deployedTraffic = await page.locator("table.model-versions tbody tr td:nth-child(9)").first().innerText();
  await shot("deployed");

  // Train a second version and compare the two on their shared held-out window.
  await page.click("button[name=train]");
  await page.locator("table.model-versions tbody tr").nth(1).waitFor({ timeout: 240_000 });
  await page.locator("button[name=train]:enabled").waitFor();
  for (const box of await page.locator("input[name=compare]").all()) await box.check();
  await page.click("button[name=compare]");
  await page.locator(".comparison table tbody tr").nth(1).waitFor({ timeout: 120_000 });
  summary.comparison = await page.locator(".comparison table tbody tr").allInnerTexts();
  await shot("compared");

  // Forecast from the model's own history and see the chart drawn.
  await page.click("nav a[href='#/forecast']");
  await page.locator("select[name=series] option[value=airpassengers]").waitFor({ state: "attached" });
  await page.click("form.forecast button[type=submit]");
  const forecastPath = page.locator("#forecast-chart svg path.forecast");
  await forecastPath.waitFor();
  summary.chart = await page.locator("#forecast-chart svg").evaluate((svg) => {
    const length = (selector) => svg.querySelector(selector).getTotalLength();
    const band = svg.querySelector("path.band").getBBox();
    return {
      forecastPoints: Number(svg.querySelector("path.forecast").dataset.points),
      forecastLength: length("path.forecast"),
      historyLength: length("path.history"),
      bandArea: band.width * band.height,
    };
  });
  summary.forecastRows = await page.locator(".forecast-numbers tbody tr").count();
  // The pixels as drawn: count those of the forecast line's and band's colours in a screenshot.
  const png = (await page.locator("#forecast-chart svg").screenshot()).toString("base64");
  summary.chart.pixels = await page.evaluate(async (data) => {
    const image = new Image();
    image.src = `data:image/png;base64,${data}`;
    await image.decode();
    const canvas = new OffscreenCanvas(image.width, image.height);
    const context = canvas.getContext("2d");
    context.drawImage(image, 0, 0);
    const { data: rgba } = context.getImageData(0, 0, image.width, image.height);
    let forecast = 0;
    let band = 0;
    let ink = 0;
    for (let i = 0; i < rgba.length; i += 4) {
      const [r, g, b] = [rgba[i], rgba[i + 1], rgba[i + 2]];
      if (Math.abs(r - 209) < 30 && Math.abs(g - 73) < 30 && Math.abs(b - 46) < 30) forecast += 1;
      else if (r > 235 && g > 200 && g < 235 && b > 195 && b < 230) band += 1;
      if (r + g + b < 600) ink += 1;
    }
    return { forecast, band, ink, total: rgba.length / 4 };
  }, png);
  await shot("forecast");

  // A series typed in instead: no dates, the same chart.
  await page.selectOption("select[name=series]", "");
  await page.fill("textarea[name=values]", "112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118, 115, 126, 141, 135, 125, 149, 170, 170, 158, 133, 114, 140");
  await page.click("form.forecast button[type=submit]");
  // The chart is redrawn when the answer arrives: wait for the shorter history line.
  await page.waitForFunction(() => document.querySelector("#forecast-chart path.history").getAttribute("d").split("L").length < 144);
  summary.typedHistoryPoints = await page.locator("#forecast-chart svg path.history").evaluate((p) => p.getAttribute("d").split("L").length);
  summary.typedForecastPoints = await page.locator("#forecast-chart svg path.forecast").getAttribute("data-points");

  // Monitoring, in the tab that was watching: health, and the training job's end as it happened.
  summary.health = await watcher.locator("[data-health]").getAttribute("data-health");
  await watcher.locator("#live-events li", { hasText: "succeeded" }).first().waitFor();
  summary.liveEvents = await watcher.locator("#live-events li").allInnerTexts();
  await watcher.locator("#notifications tbody tr").first().waitFor();
  summary.notifications = await watcher.locator("#notifications tbody tr").allInnerTexts();
  await shot("monitoring", watcher);

  assert.deepEqual(pageErrors, [], "the page threw");
  console.log(JSON.stringify(summary));
} catch (error) {
  if (page !== undefined) await shot("failed").catch(() => undefined);
  console.error(`browser walk-through failed; screenshots: ${summary.screenshots.join(", ")}`);
  throw error;
} finally {
  await browser.close();
}
