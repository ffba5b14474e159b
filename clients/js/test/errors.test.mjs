// Failures arrive as typed errors carrying the server's google.rpc details.
import assert from "node:assert/strict";
import { test } from "node:test";

import { Code, ConnectError } from "@connectrpc/connect";
import { InvalidArgument, MAX_MESSAGE_BYTES, NotFound, QuantisError, ResourceExhausted } from "@quantis/client/node";

import { loggedIn, modelId } from "./support.mjs";

const npv = (rate) => ({
  rate: { value: rate },
  cashFlows: [
    { currencyCode: "USD", units: -1000n },
    { currencyCode: "USD", units: 1100n },
  ],
});

test("bad input is InvalidArgument with field violations", async (t) => {
  const client = await loggedIn(t);
  assert.equal((await client.financial.calculateNpv(npv("0.1"))).npv?.units, 0n);
  await assert.rejects(client.financial.calculateNpv(npv("-1")), (error) => {
    assert.ok(error instanceof InvalidArgument && error instanceof QuantisError);
    assert.ok(error instanceof ConnectError, "still a ConnectError for code that catches those");
    assert.ok(!(error instanceof NotFound));
    assert.equal(error.code, Code.InvalidArgument);
    assert.deepEqual(error.fieldViolations.map((v) => v.field), ["rate"]);
    assert.ok(error.fieldViolations[0].description);
    assert.equal(error.domain, "quantis.v1");
    assert.match(error.message, /rate/);
    return true;
  });
});

test("a missing resource is NotFound naming it", async (t) => {
  const client = await loggedIn(t);
  await assert.rejects(client.datasets.getDataset({ datasetId: "nope" }), (error) => {
    assert.ok(error instanceof NotFound);
    assert.equal(error.resourceName, "nope");
    assert.ok(error.resourceType);
    return true;
  });
});

test("a server stream's failure is typed", async (t) => {
  const client = await loggedIn(t);
  const read = async () => {
    for await (const _ of client.datasets.downloadDataset({ datasetId: "nope" })) {
      assert.fail("no chunk of a missing dataset");
    }
  };
  await assert.rejects(read, NotFound);
});

test("a request over the message size limit fails at once, not at the deadline", async (t) => {
  // Sent, 18 MB would stall in HTTP/2 flow control once the server stopped reading it.
  const client = await loggedIn(t, { timeoutMs: 60_000, retry: null });
  const values = new Array(MAX_MESSAGE_BYTES / 8 + 300_000).fill(1.5);
  const started = Date.now();
  await assert.rejects(client.predictions.predict({ modelId, series: { seriesId: "a", values } }), (error) => {
    assert.ok(error instanceof ResourceExhausted, `${error}`);
    return true;
  });
  assert.ok(Date.now() - started < 10_000, `failed after ${Date.now() - started} ms`);
});

test("maxMessageBytes sets the limit", async (t) => {
  const client = await loggedIn(t, { maxMessageBytes: 1024 });
  const series = { seriesId: "a", values: new Array(1000).fill(1.5) };
  await assert.rejects(client.predictions.predict({ modelId, series }), ResourceExhausted);
});
