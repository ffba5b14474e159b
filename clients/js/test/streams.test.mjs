// Server streams, and forecastMany over the bidirectional StreamPredict, on a real server.
import assert from "node:assert/strict";
import { test } from "node:test";

import { QuantisError, createQuantisClient } from "@quantis/client/node";

import { baseUrl, loggedIn, modelId } from "./support.mjs";

test("DownloadDataset streams the model's dataset", async (t) => {
  const client = await loggedIn(t);
  const { model } = await client.models.getModel({ modelId });
  const chunks = [];
  let total = 0n;
  for await (const message of client.datasets.downloadDataset({ datasetId: model.datasetId })) {
    chunks.push(message.chunk);
    total = message.totalSize;
  }
  const csv = Buffer.concat(chunks).toString("utf8");
  assert.equal(BigInt(Buffer.byteLength(csv)), total);
  assert.match(csv.split("\n")[0], /value/);
  assert.ok(csv.split("\n").length > 100);
});

test("WatchEvents outlives the default deadline of unary calls", async (t) => {
  const session = await loggedIn(t);
  const client = createQuantisClient({ baseUrl, tokens: session.credentials.tokens, timeoutMs: 200 });
  t.after(() => client.close());
  const controller = new AbortController();
  const started = Date.now();
  let heard = 0;
  for await (const message of client.monitoring.watchEvents({}, { signal: controller.signal })) {
    // The first heartbeat says the stream is subscribed; the next, 0.5 s on, arrives after the
    // 200 ms a unary call would get.
    assert.equal(message.event?.payload.case, "heartbeat");
    if (++heard < 2) continue;
    assert.ok(Date.now() - started >= 400);
    controller.abort();
    break;
  }
  assert.equal(heard, 2);
});

const AIR = [
  112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118, 115, 126, 141, 135, 125, 149, 170, 170, 158, 133,
  114, 140, 145, 150, 178, 163, 172, 178, 199, 199, 184, 162, 146, 166, 171, 180, 193, 181, 183, 218, 230, 242,
  209, 191, 172, 194, 196, 196, 236, 235, 229, 243, 264, 272, 237, 211, 180, 201, 204, 188, 235, 227, 234, 264,
  302, 293, 259, 229, 203, 229, 242, 233, 267, 269, 270, 315, 364, 347, 312, 274, 237, 278, 284, 277, 317, 313,
  318, 374, 413, 405, 355, 306, 271, 306, 315, 301, 356, 348, 355, 422, 465, 467, 404, 347, 305, 336, 340, 318,
  362, 348, 363, 435, 491, 505, 404, 359, 310, 337, 360, 342, 406, 396, 420, 472, 548, 559, 463, 407, 362, 405,
  417, 391, 419, 461, 472, 535, 622, 606, 508, 461, 390, 432,
];

/** Windows of AirPassengers of different lengths, so that messages carry ragged series. */
const manySeries = (count) => Array.from({ length: count }, (_, i) => [`s${i}`, AIR.slice(i % 40, 60 + (i % 80))]);

test("forecastMany answers every series in input order", async (t) => {
  const client = await loggedIn(t);
  const series = manySeries(300);
  const results = [];
  for await (const forecast of client.forecastMany(series, {
    modelId,
    horizon: 6,
    quantiles: [0.1, 0.9],
    seriesPerMessage: 16,
    maxInFlight: 2,
  })) {
    results.push(forecast);
  }
  assert.deepEqual(results.map((r) => r.seriesId), series.map(([id]) => id));
  for (const r of results) {
    assert.equal(r.point.length, 6);
    assert.deepEqual([...r.quantiles.keys()].sort(), [0.1, 0.9]);
    for (let s = 0; s < 6; s++) {
      assert.ok(Number.isFinite(r.point[s]));
      assert.ok(r.quantiles.get(0.1)[s] <= r.point[s] && r.point[s] <= r.quantiles.get(0.9)[s]);
    }
  }
  assert.equal(new Set(results.map((r) => r.versionId)).size, 1);
  // Each series is forecast as Predict would forecast it alone.
  const single = await client.predictions.predict({
    modelId,
    series: { values: series[7][1] },
    horizon: 6,
    quantiles: [0.1, 0.9],
  });
  const alone = single.forecast.points.map((p) => p.mean);
  alone.forEach((value, s) => assert.ok(Math.abs(value - results[7].point[s]) <= 1e-4 * Math.abs(value)));
});

test("forecastMany with a slow consumer and an async source keeps order", async (t) => {
  const client = await loggedIn(t);
  async function* source() {
    for (const item of manySeries(40)) yield item;
  }
  const ids = [];
  const options = { modelId, horizon: 3, seriesPerMessage: 4, maxInFlight: 2 };
  for await (const forecast of client.forecastMany(source(), options)) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    ids.push(forecast.seriesId);
  }
  assert.deepEqual(ids, manySeries(40).map(([id]) => id));
});

test("forecastMany raises a failed request as a typed error", async (t) => {
  const client = await loggedIn(t);
  const read = async () => {
    for await (const _ of client.forecastMany(manySeries(4), { modelId: "nope", horizon: 3 })) {
      assert.fail("no forecast of a missing model");
    }
  };
  await assert.rejects(read, (error) => error instanceof QuantisError && error.resourceName === "nope");
});
