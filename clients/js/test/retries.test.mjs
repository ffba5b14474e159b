// Idempotent calls are retried on UNAVAILABLE; others are not; unary calls get the default deadline;
// any unary call is retried after a transaction conflict. The flaky server answers UNAVAILABLE to
// the first attempt of each method and x-test-case header, or, for the headers "conflict" and
// "conflicts", ABORTED TRANSACTION_CONFLICT to the first attempt or to every one.
import assert from "node:assert/strict";
import { test } from "node:test";

import { Aborted, DeadlineExceeded, Unavailable, createQuantisClient } from "@quantis/client/node";

import { flakyUrl } from "./support.mjs";

/** A client counting the attempts it sends (its own interceptors see every attempt). */
function counting(t, options = {}) {
  const attempts = [];
  const client = createQuantisClient({
    baseUrl: flakyUrl,
    interceptors: [(next) => (request) => (attempts.push(request.method.name), next(request))],
    ...options,
  });
  t.after(() => client.close());
  return { client, attempts };
}

const header = (t) => ({ headers: { "x-test-case": t.name } });

test("an idempotent call is retried", async (t) => {
  const { client, attempts } = counting(t);
  const response = await client.financial.calculateNpv({}, header(t));
  assert.equal(response.npv?.units, 42n);
  assert.deepEqual(attempts, ["CalculateNpv", "CalculateNpv"]);
});

test("a server stream is retried until its first message", async (t) => {
  const { client, attempts } = counting(t);
  const chunks = [];
  for await (const message of client.datasets.downloadDataset({ datasetId: "any" }, header(t))) {
    chunks.push(message.chunk);
  }
  assert.equal(Buffer.concat(chunks).toString(), "a,b\n");
  assert.deepEqual(attempts, ["DownloadDataset", "DownloadDataset"]);
});

test("a mutation is not retried", async (t) => {
  const { client, attempts } = counting(t);
  await assert.rejects(client.financial.createTransaction({}, header(t)), Unavailable);
  assert.deepEqual(attempts, ["CreateTransaction"]);
});

test("retries can be turned off", async (t) => {
  const { client, attempts } = counting(t, { retry: null });
  await assert.rejects(client.financial.calculateNpv({}, header(t)), Unavailable);
  assert.deepEqual(attempts, ["CalculateNpv"]);
});

test("a connection refused is retried with backoff, then Unavailable", async (t) => {
  const client = createQuantisClient({
    baseUrl: "http://127.0.0.1:1",
    retry: { maxAttempts: 3, initialBackoffMs: 50, maxBackoffMs: 50, backoffMultiplier: 1 },
    interceptors: [(next) => (request) => (attempts.push(Date.now()), next(request))],
  });
  const attempts = [];
  t.after(() => client.close());
  await assert.rejects(client.financial.calculateNpv({}), Unavailable);
  assert.equal(attempts.length, 3);
});

test("unary calls get the default deadline", async (t) => {
  const { client } = counting(t, { timeoutMs: 200 });
  const started = Date.now();
  await assert.rejects(client.financial.getLimits({}), DeadlineExceeded);
  assert.ok(Date.now() - started < 1500);
});

test("a write that lost a transaction conflict is sent again, as often as the policy says", async (t) => {
  const { client, attempts } = counting(t);
  await client.financial.createTransaction({}, { headers: { "x-test-case": "conflict" } });
  assert.deepEqual(attempts, ["CreateTransaction", "CreateTransaction"]);

  const retry = { maxAttempts: 3, initialBackoffMs: 10, maxBackoffMs: 10, backoffMultiplier: 1 };
  const limited = counting(t, { retry });
  const refused = limited.client.financial.createTransaction({}, { headers: { "x-test-case": "conflicts" } });
  await assert.rejects(refused, (error) => error instanceof Aborted && error.reason === "TRANSACTION_CONFLICT");
  assert.equal(limited.attempts.length, 3);

  const off = counting(t, { retry: null });
  await assert.rejects(off.client.financial.createTransaction({}, { headers: { "x-test-case": "conflicts" } }), Aborted);
  assert.deepEqual(off.attempts, ["CreateTransaction"]);
});
