/**
 * Retries of idempotent calls on UNAVAILABLE, with exponential backoff and full jitter as
 * gRPC's retry policy does it: attempt n waits a random time up to
 * min(initialBackoffMs * multiplier^(n-1), maxBackoffMs). The call's deadline and abort
 * signal cover every attempt. A server stream is retried only until its first message,
 * since after that the caller has seen part of the answer.
 *
 * Any unary call, a write too, is also retried after ABORTED with reason TRANSACTION_CONFLICT:
 * it lost a conflict with a concurrent transaction in the server's database, which stored
 * nothing of it.
 */
import { Code, ConnectError, type Interceptor, type StreamResponse } from "@connectrpc/connect";
import { createAsyncIterable } from "@connectrpc/connect/protocol";

import { isIdempotent } from "./contracts.js";
import { ErrorInfoSchema } from "./gen/google/rpc/error_details_pb.js";

export interface RetryPolicy {
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  backoffMultiplier: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 5,
  initialBackoffMs: 100,
  maxBackoffMs: 5_000,
  backoffMultiplier: 2,
};

const TRANSACTION_CONFLICT = "TRANSACTION_CONFLICT";

function unavailable(error: unknown): boolean {
  return error instanceof ConnectError && error.code === Code.Unavailable;
}

function conflict(error: unknown): boolean {
  if (!(error instanceof ConnectError) || error.code !== Code.Aborted) return false;
  return error.findDetails(ErrorInfoSchema).some((info) => info.reason === TRANSACTION_CONFLICT);
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** A stream whose first message has already been read. */
export async function* resumed<T>(first: IteratorResult<T>, rest: AsyncIterator<T>): AsyncIterable<T> {
  if (first.done) return;
  yield first.value;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}

export function retryInterceptor(policy: RetryPolicy): Interceptor {
  return (next) => async (request) => {
    const kind = request.method.methodKind;
    const idempotent = isIdempotent(request.method) && (kind === "unary" || kind === "server_streaming");
    if (!idempotent && kind !== "unary") return next(request);
    const retryable = (error: unknown) =>
      (idempotent && unavailable(error)) || (kind === "unary" && conflict(error));
    // A server stream's single request is an iterable that can be read once: keep it for resends.
    const input = [];
    if (request.stream) for await (const message of request.message) input.push(message);
    for (let attempt = 1; ; attempt++) {
      try {
        if (!request.stream) return await next(request);
        const response = await next({ ...request, message: createAsyncIterable(input) });
        const messages = (response.message as AsyncIterable<unknown>)[Symbol.asyncIterator]();
        const first = await messages.next();
        return { ...response, message: resumed(first, messages) } as StreamResponse;
      } catch (error) {
        if (!retryable(error) || attempt >= policy.maxAttempts || request.signal.aborted) throw error;
        const ceiling = Math.min(
          policy.initialBackoffMs * policy.backoffMultiplier ** (attempt - 1),
          policy.maxBackoffMs,
        );
        await pause(Math.random() * ceiling, request.signal);
      }
    }
  };
}
