// The browser entry point constructs over gRPC-web (it is exercised through the bridge by the
// browser test); here, that it builds the same typed clients and refuses plain gRPC.
import assert from "node:assert/strict";
import { test } from "node:test";

import { createQuantisClient, isIdempotent, isPublic, services, Unavailable } from "@quantis/client/web";

test("the web entry point builds the six typed clients", () => {
  const client = createQuantisClient({ baseUrl: "http://127.0.0.1:8080", apiKey: "qk_test" });
  for (const name of ["auth", "datasets", "models", "predictions", "financial", "monitoring"]) {
    assert.equal(typeof client[name], "object", name);
  }
  assert.equal(typeof client.auth.login, "function");
  assert.equal(typeof client.predictions.predict, "function");
  assert.deepEqual(client.credentials.headers(), [["x-api-key", "qk_test"]]);
});

test("a server fetch cannot reach is Unavailable, naming it, and retried", async () => {
  const attempts = [];
  const client = createQuantisClient({
    baseUrl: "http://127.0.0.1:1",
    apiKey: "qk_test",
    retry: { maxAttempts: 3, initialBackoffMs: 10, maxBackoffMs: 10, backoffMultiplier: 1 },
    interceptors: [(next) => (request) => (attempts.push(request.method.name), next(request))],
  });
  await assert.rejects(client.datasets.getDataset({ datasetId: "d" }), (error) => {
    assert.ok(error instanceof Unavailable, String(error));
    assert.match(error.rawMessage, /cannot reach http:\/\/127\.0\.0\.1:1/);
    return true;
  });
  assert.deepEqual(attempts, ["GetDataset", "GetDataset", "GetDataset"]);
  // An aborted call stays aborted, not "unreachable".
  await assert.rejects(client.datasets.getDataset({ datasetId: "d" }, { signal: AbortSignal.abort() }), (error) => {
    assert.equal(error.constructor.name, "Canceled");
    return true;
  });
});

test("browsers get gRPC-web only", () => {
  assert.throws(() => createQuantisClient({ baseUrl: "http://127.0.0.1:8080", transport: "grpc" }), TypeError);
});

test("the contracts say which RPCs are public and which are idempotent", () => {
  const methods = Object.fromEntries(
    Object.values(services).flatMap((service) => service.methods.map((m) => [m.name, m])),
  );
  assert.deepEqual(
    Object.values(methods).filter(isPublic).map((m) => m.name).sort(),
    ["Login", "RefreshToken", "Register", "VerifyMfa"],
  );
  for (const name of ["GetDataset", "CalculateNpv", "UploadChunk", "DownloadDataset"]) {
    assert.ok(isIdempotent(methods[name]), name);
  }
  assert.ok(!isIdempotent(methods.CreateTransaction) && !isIdempotent(methods.Login));
});
