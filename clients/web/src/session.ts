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

/**
 * The page's client. `onSessionEnd` hears the server refuse the session's refresh token (it
 * was revoked, it expired, or it was used twice): the stored tokens are gone by then, and the
 * person has to log in again.
 */
export function connect(onSessionEnd: (reason: string) => void): QuantisClient {
  return createQuantisClient({
    baseUrl: location.origin,
    transport: "grpc-web",
    tokens: stored(),
    onRefresh: (tokens) => sessionStorage.setItem(KEY, JSON.stringify(tokens)),
    onSessionEnd: (error) => {
      sessionStorage.removeItem(KEY);
      onSessionEnd(error.rawMessage);
    },
  });
}

export function signedIn(client: QuantisClient): boolean {
  return client.credentials.tokens !== undefined;
}

/**
 * Ends the session on the server too, so its refresh token is dead even if copied. The page
 * forgets it either way: a server that cannot be reached (or a session already over) does not
 * keep anyone logged in here.
 */
export async function signOut(client: QuantisClient): Promise<void> {
  try {
    await client.auth.logout({});
  } catch {
    // Forgotten here all the same; the server ends the session when its refresh token expires.
  } finally {
    sessionStorage.removeItem(KEY);
    client.credentials.tokens = undefined;
  }
}
