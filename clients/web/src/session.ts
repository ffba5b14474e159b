/**
 * The dashboard's one client, and where its session lives between page loads.
 *
 * Tokens are kept in sessionStorage: a reload keeps the session, closing the tab ends it, and
 * every rotation the SDK makes (refresh tokens rotate on each use, and reuse revokes the
 * session) is stored before the old token is dead. The API is the page's own origin: `quantis
 * web` serves the dashboard and gRPC-web side by side, as Envoy does in production.
 */
import { createQuantisClient, type QuantisClient, type Tokens } from "@quantis/client/web";

const KEY = "quantis.tokens";

function stored(): Tokens | undefined {
  const text = sessionStorage.getItem(KEY);
  if (text === null) return undefined;
  const tokens = JSON.parse(text) as Tokens & { accessTokenExpireTime: string };
  return { ...tokens, accessTokenExpireTime: new Date(tokens.accessTokenExpireTime) };
}

export function connect(): QuantisClient {
  return createQuantisClient({
    baseUrl: location.origin,
    transport: "grpc-web",
    tokens: stored(),
    onRefresh: (tokens) => sessionStorage.setItem(KEY, JSON.stringify(tokens)),
  });
}

export function signedIn(client: QuantisClient): boolean {
  return client.credentials.tokens !== undefined;
}

/** Ends the session on the server too, so its refresh token is dead even if copied. */
export async function signOut(client: QuantisClient): Promise<void> {
  try {
    await client.auth.logout({});
  } finally {
    sessionStorage.removeItem(KEY);
    client.credentials.tokens = undefined;
  }
}
