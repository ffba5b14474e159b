/**
 * The auth interceptor: every call but the public ones carries the API key or the session's
 * access token, refreshed first when it is about to expire. A unary call refused with
 * UNAUTHENTICATED because its access token went stale (revoked, or the clock ran past it)
 * is refreshed and sent once more; streams are not resent, since their requests may
 * already have been consumed.
 */
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";

import { isPublic } from "./contracts.js";
import type { Credentials } from "./credentials.js";

function sentToken(header: Headers): string {
  return header.get("authorization")?.replace(/^Bearer /, "") ?? "";
}

export function authInterceptor(credentials: Credentials): Interceptor {
  return (next) => async (request) => {
    if (isPublic(request.method)) return next(request);
    const prepare = async () => {
      if (credentials.needsRefresh() && credentials.tokens) {
        await credentials.refresh(credentials.tokens.accessToken);
      }
      for (const [key, value] of credentials.headers()) request.header.set(key, value);
    };
    await prepare();
    if (request.stream) return next(request);
    try {
      return await next(request);
    } catch (error) {
      const token = sentToken(request.header);
      const stale = error instanceof ConnectError && error.code === Code.Unauthenticated;
      if (!stale || !token || !credentials.canRefresh()) throw error;
      await credentials.refresh(token);
      await prepare();
      return next(request);
    }
  };
}
