// Login, token refresh (ahead of expiry and after a refusal) and API keys, against a real server.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { test } from "node:test";

import { MfaRequired, PermissionDenied, Unauthenticated, createQuantisClient } from "@quantis/client/node";

import { baseUrl, loggedIn, mfaUsername, modelId, password, username } from "./support.mjs";

test("login sends the access token", async (t) => {
  const client = await loggedIn(t);
  const me = await client.auth.getCurrentUser({});
  assert.equal(me.user?.username, username);
  assert.ok(me.permissions.includes("datasets:write"));
  const before = client.credentials.tokens;
  assert.ok(before.accessTokenExpireTime > new Date());
  const renewed = await client.refresh();
  assert.equal(renewed.sessionId, before.sessionId);
  assert.notEqual(renewed.refreshToken, before.refreshToken);
  assert.equal((await client.auth.getCurrentUser({})).user?.username, username);
});

test("a call without credentials is Unauthenticated", async (t) => {
  const client = createQuantisClient({ baseUrl });
  t.after(() => client.close());
  await assert.rejects(client.datasets.listDatasets({}), (error) => {
    assert.ok(error instanceof Unauthenticated);
    assert.equal(error.reason, "CREDENTIALS_MISSING");
    return true;
  });
});

test("a token about to expire is refreshed before the call", async (t) => {
  const stored = [];
  // A margin longer than the token's one-minute life: every call finds it about to expire.
  const client = createQuantisClient({ baseUrl, refreshMarginMs: 61_000, onRefresh: (tokens) => stored.push(tokens) });
  t.after(() => client.close());
  const first = await client.login(username, password);
  const me = await client.auth.getCurrentUser({});
  const second = client.credentials.tokens;
  assert.equal(me.user?.username, username);
  assert.notEqual(second.refreshToken, first.refreshToken);
  assert.equal(second.sessionId, first.sessionId);
  assert.deepEqual(stored, [first, second]);
  // The first refresh token was consumed: presenting it again is refused.
  await assert.rejects(client.auth.refreshToken({ refreshToken: first.refreshToken }), Unauthenticated);
});

test("a rejected access token is refreshed once for concurrent calls", async (t) => {
  const rotations = [];
  const client = await loggedIn(t, { onRefresh: (tokens) => rotations.push(tokens) });
  const tokens = client.credentials.tokens;
  client.credentials.tokens = { ...tokens, accessToken: "not-a-jwt" };
  const answers = await Promise.all(Array.from({ length: 8 }, () => client.auth.getCurrentUser({})));
  assert.deepEqual(new Set(answers.map((a) => a.user?.username)), new Set([username]));
  // One login, one refresh: had two calls refreshed with the same token, reuse detection
  // would have ended the session and the call below would fail.
  assert.equal(rotations.length, 2);
  assert.notEqual(client.credentials.tokens.refreshToken, tokens.refreshToken);
  assert.equal((await client.auth.getCurrentUser({})).user?.username, username);
});

test("a server stream refused for a stale access token is refreshed and sent again", async (t) => {
  const client = await loggedIn(t);
  const { model } = await client.models.getModel({ modelId });
  // As when the server's clock ran past the token before the client's did.
  client.credentials.tokens = { ...client.credentials.tokens, accessToken: "not-a-jwt" };
  const chunks = [];
  for await (const message of client.datasets.downloadDataset({ datasetId: model.datasetId })) chunks.push(message.chunk);
  assert.match(Buffer.concat(chunks).toString("utf8"), /value/);
  assert.notEqual(client.credentials.tokens.accessToken, "not-a-jwt");
});

test("a refresh token the server refuses ends the session once", async (t) => {
  const ended = [];
  const client = await loggedIn(t, { onSessionEnd: (error) => ended.push(error) });
  // Another holder of the same refresh token uses it first: reuse detection revokes the session.
  const other = createQuantisClient({ baseUrl });
  t.after(() => other.close());
  await other.auth.refreshToken({ refreshToken: client.credentials.tokens.refreshToken });
  client.credentials.tokens = { ...client.credentials.tokens, accessTokenExpireTime: new Date(0) };
  const calls = Array.from({ length: 3 }, () => client.auth.getCurrentUser({}));
  for (const call of calls) await assert.rejects(call, Unauthenticated);
  assert.equal(ended.length, 1);
  assert.ok(ended[0] instanceof Unauthenticated);
  assert.equal(client.credentials.tokens, undefined);
  await assert.rejects(client.auth.getCurrentUser({}), (error) => error.reason === "CREDENTIALS_MISSING");
});

test("an API key authenticates with its scopes", async (t) => {
  const owner = await loggedIn(t);
  const created = await owner.auth.createApiKey({ name: "node-ci", scopes: ["datasets:read"] });
  const client = createQuantisClient({ baseUrl, apiKey: created.secret });
  t.after(() => client.close());
  const listed = await client.datasets.listDatasets({});
  assert.ok(listed.totalSize >= 1); // the deployed model's dataset, owned by the same account
  await assert.rejects(client.auth.getCurrentUser({}), (error) => {
    assert.ok(error instanceof PermissionDenied);
    assert.equal(error.reason, "MISSING_PERMISSION");
    assert.deepEqual(error.info, { permission: "account:manage" });
    return true;
  });
  const wrong = createQuantisClient({ baseUrl, apiKey: "qk_wrong" });
  t.after(() => wrong.close());
  await assert.rejects(wrong.datasets.listDatasets({}), Unauthenticated);
});

/** The RFC 6238 code (6 digits, 30 s steps, SHA-1) of a base32 `secret` at time `ms`. */
function totp(secret, ms) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const bits = [...secret.replace(/=+$/, "")].map((c) => alphabet.indexOf(c).toString(2).padStart(5, "0")).join("");
  const key = Buffer.from(bits.match(/.{8}/g).map((byte) => parseInt(byte, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(ms / 30_000)));
  const mac = createHmac("sha1", key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}

test("an MFA account needs a code", async (t) => {
  const client = createQuantisClient({ baseUrl });
  t.after(() => client.close());
  await client.login(mfaUsername, password);
  const { secret } = await client.auth.enrollMfa({});
  await client.auth.confirmMfa({ code: totp(secret, Date.now()) });
  await assert.rejects(client.login(mfaUsername, password), (error) => {
    assert.ok(error instanceof MfaRequired && error.challengeToken);
    return true;
  });
  // A code is accepted once; the next step's is within the server's window.
  await client.login(mfaUsername, password, totp(secret, Date.now() + 30_000));
  assert.equal((await client.auth.getCurrentUser({})).user?.username, mfaUsername);
});
