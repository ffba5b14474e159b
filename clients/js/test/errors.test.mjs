// Failures arrive as typed errors carrying the server's google.rpc details.
import assert from "node:assert/strict";
import { test } from "node:test";

import { Code, ConnectError } from "@connectrpc/connect";
import { InvalidArgument, NotFound, QuantisError } from "@quantis/client/node";

import { loggedIn } from "./support.mjs";

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
