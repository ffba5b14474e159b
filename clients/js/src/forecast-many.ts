/**
 * forecastMany: many series over one StreamPredict stream, with bounded memory (Node only:
 * browsers' gRPC-web has no client streams).
 *
 * Backpressure: at most `maxInFlight` messages are outstanding at once, where outstanding
 * means sent and not yet handed to the caller. The server answers in completion order, so
 * answers that overtake an earlier request wait (in InOrder) and still count against the
 * bound; a slow consumer therefore slows the sender instead of growing a buffer. Results
 * come out in input order, each carrying its series id.
 */
import { Code, ConnectError, type Client } from "@connectrpc/connect";

import { Internal } from "./errors.js";
import { InOrder, batches, pack, unpack, type SeriesForecast, type SeriesLike, type Target } from "./forecasting.js";
import type { PredictionService } from "./gen/quantis/v1/prediction_service_pb.js";

export interface ForecastManyOptions extends Target {
  seriesPerMessage?: number;
  maxInFlight?: number;
  /** A deadline for the whole stream; none by default. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

class Permits {
  private readonly waiters: (() => void)[] = [];

  constructor(private available: number) {}

  acquire(signal: AbortSignal): Promise<void> {
    if (this.available > 0) {
      this.available--;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(() => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      });
    });
  }

  release(): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter();
    else this.available++;
  }
}

export async function* forecastMany(
  predictions: Client<typeof PredictionService>,
  series: Iterable<SeriesLike> | AsyncIterable<SeriesLike>,
  options: ForecastManyOptions,
): AsyncGenerator<SeriesForecast> {
  const permits = new Permits(options.maxInFlight ?? 8);
  const done = new AbortController();
  const caller = options.signal;
  const onAbort = () => done.abort(caller?.reason);
  if (caller?.aborted) onAbort();
  caller?.addEventListener("abort", onAbort, { once: true });
  const failures: unknown[] = [];

  // Waiting for a permit here is what holds the sender back. A failing input ends the
  // stream cleanly (what was sent is answered) and is thrown to the caller afterwards.
  async function* requests() {
    try {
      let index = 0;
      for await (const batch of batches(series, options.seriesPerMessage ?? 256)) {
        await permits.acquire(done.signal);
        yield pack(batch, String(index++), options);
      }
    } catch (error) {
      if (!done.signal.aborted) failures.push(error);
    }
  }

  const order = new InOrder();
  try {
    const responses = predictions.streamPredict(requests(), { signal: done.signal, timeoutMs: options.timeoutMs });
    for await (const response of responses) {
      for (const ready of order.add(response)) {
        for (const forecast of unpack(ready)) yield forecast;
        permits.release();
      }
    }
  } finally {
    caller?.removeEventListener("abort", onAbort);
    done.abort();
  }
  if (failures.length > 0) throw failures[0];
  if (order.missing()) {
    throw new Internal(new ConnectError("the stream ended before every request was answered", Code.Internal));
  }
}
