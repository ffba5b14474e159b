// What every Node test reads from the environment the pytest driver (tests/clients/js) sets.
import { createQuantisClient } from "@quantis/client/node";

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run these tests through tests/clients/js/test_node_sdk.py`);
  return value;
}

export const baseUrl = `http://${required("QUANTIS_TEST_TARGET")}`;
export const flakyUrl = `http://${required("QUANTIS_TEST_FLAKY_TARGET")}`;
export const username = required("QUANTIS_TEST_USERNAME");
export const password = required("QUANTIS_TEST_PASSWORD");
/** An account of its own for the MFA test, which turns MFA on for it. */
export const mfaUsername = required("QUANTIS_TEST_MFA_USERNAME");
export const modelId = required("QUANTIS_TEST_MODEL_ID");

/** A client logged in as the test account; closed after the test. */
export async function loggedIn(t, options = {}) {
  const client = createQuantisClient({ baseUrl, ...options });
  t.after(() => client.close());
  await client.login(username, password);
  return client;
}
