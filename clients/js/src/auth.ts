/**
 * The auth interceptor: every call but the public ones carries the API key or the session's
 * access token, refreshed first when it is about to expire. A call refused with
 * UNAUTHENTICATED because its access token went stale (revoked, or the server's clock ran
 * past it before the client's did) is refreshed and sent once more: a unary call at once, a
 * server stream when the refusal came before its first message (its one request is kept for
 * the resend). Client and bidirectional streams are not resent, since their requests may
 * already have been consumed.
 */
import type { Message } from "@bufbuild/protobuf";
import { Code, ConnectError, type Interceptor, type StreamResponse } from "@connectrpc/connect";
import { createAsyncIterable } from "@connectrpc/connect/protocol";

import { isPublic } from "./contracts.js";
import type { Credentials } from "./credentials.js";
import { resumed } from "./retries.js";

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
    /** Refreshes and returns true when `error` says the token sent went stale. */
    const refreshed = async (error: unknown): Promise<boolean> => {
      const token = sentToken(request.header);
      const stale = error instanceof ConnectError && error.code === Code.Unauthenticated;
      if (!stale || !token || !credentials.canRefresh()) return false;
      await credentials.refresh(token);
      await prepare();
      return true;
    };
    await prepare();
    if (request.stream) {
      if (request.method.methodKind !== "server_streaming") return next(request);
      const input: Message[] = [];
      for await (const message of request.message) input.push(message);
      const attempt = async () => {
        const response = await next({ ...request, message: createAsyncIterable(input) });
        const messages = (response.message as AsyncIterable<unknown>)[Symbol.asyncIterator]();
        const first = await messages.next();
        return { ...response, message: resumed(first, messages) } as StreamResponse;
      };
      try {
        return await attempt();
      } catch (error) {
        if (!(await refreshed(error))) throw error;
        return attempt();
      }
    }
    try {
      return await next(request);
    } catch (error) {
      if (!(await refreshed(error))) throw error;
      return next(request);
    }
  };
}
