/**
 * A server stream kept open across failures. Streams such as WatchEvents never end by
 * themselves, so an end or a failure means the server restarted, the bridge or a proxy closed,
 * or the network dropped: the stream is opened again after a capped exponential backoff, which
 * starts over once a stream has delivered a message or stayed open a while. The wait is
 * jittered so the dashboards open during a server restart do not all return in the same instant.
 *
 * A caller's error (a bad request, a missing permission, credentials the SDK could not renew)
 * would only come back on every attempt, so it ends the stream for good, as leaving the page does.
 */
import {
  AlreadyExists,
  FailedPrecondition,
  InvalidArgument,
  NotFound,
  OutOfRange,
  PermissionDenied,
  QuantisError,
  Unauthenticated,
  Unimplemented,
} from "@quantis/client/web";

const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 15_000;
/** A stream open this long before it failed had been working, even if it had nothing to say. */
const STEADY_MS = 15_000;

const CALLER_ERRORS = [InvalidArgument, PermissionDenied, NotFound, AlreadyExists, FailedPrecondition, OutOfRange, Unimplemented];

export interface Reconnecting<T> {
  /** Opens the stream, ending it when `signal` aborts. */
  open(signal: AbortSignal): AsyncIterable<T>;
  /** Each message; `resumed` marks the first after a reconnect, when some may have been missed. */
  message(message: T, resumed: boolean): Promise<void> | void;
  /** The stream failed (`error`) or ended (undefined); the next attempt opens it at `at`. */
  interrupted(error: unknown, at: Date): void;
  /** The next attempt opens the stream now. */
  reopening(): void;
}

/**
 * UNAUTHENTICATED at the start of a stream is final: the SDK has already renewed the access
 * token and sent the call again, or found the session over. In the middle of a stream it is the
 * token revoked under it (the server checks at each heartbeat), which the next attempt renews.
 */
function final(error: unknown, delivered: boolean): boolean {
  if (error instanceof Unauthenticated) return !delivered;
  return CALLER_ERRORS.some((kind) => error instanceof kind);
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", stop);
      resolve(true);
    }, ms);
    const stop = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener("abort", stop, { once: true });
  });
}

/** Keeps `stream` open until `signal` aborts (then resolves) or a caller's error ends it (then rejects with it). */
export async function keepOpen<T>(stream: Reconnecting<T>, signal: AbortSignal): Promise<void> {
  let ceiling = FIRST_DELAY_MS;
  let missed = false;
  while (!signal.aborted) {
    // Each attempt's own signal, so a message handler that throws cannot leave its stream open.
    const attempt = new AbortController();
    const leave = () => attempt.abort();
    signal.addEventListener("abort", leave, { once: true });
    const opened = Date.now();
    let delivered = false;
    let error: unknown;
    try {
      for await (const message of stream.open(attempt.signal)) {
        delivered = true;
        await stream.message(message, missed);
        missed = false;
      }
    } catch (failure) {
      error = failure;
    } finally {
      signal.removeEventListener("abort", leave);
      attempt.abort();
    }
    if (signal.aborted) return;
    if (final(error, delivered)) throw error;
    if (delivered || Date.now() - opened >= STEADY_MS) ceiling = FIRST_DELAY_MS;
    missed = true;
    const asked = error instanceof QuantisError ? (error.retryDelayMs ?? 0) : 0;
    const wait = Math.max(ceiling / 2 + (Math.random() * ceiling) / 2, asked);
    stream.interrupted(error, new Date(Date.now() + wait));
    if (!(await pause(wait, signal))) return;
    ceiling = Math.min(ceiling * 2, MAX_DELAY_MS);
    stream.reopening();
  }
}
