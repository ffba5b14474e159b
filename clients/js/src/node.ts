/**
 * `@quantis/client/node`: the client for Node, over gRPC on HTTP/2 (connect-node), or over
 * gRPC-web on HTTP/1.1 when `transport: "grpc-web"` names a bridge. Plaintext for http://
 * base URLs, TLS for https:// (trust and client certificates through `http2Options`).
 */
import type { SecureClientSessionOptions } from "node:http2";

import { Http2SessionManager, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";

import { createQuantisClientWith, type QuantisClient, type QuantisClientOptions } from "./client.js";
import { forecastMany, type ForecastManyOptions } from "./forecast-many.js";
import type { SeriesForecast, SeriesLike } from "./forecasting.js";

export * from "./index.js";

export interface NodeClientOptions extends QuantisClientOptions {
  /** Options of the HTTP/2 session (ca, cert, key for TLS and mutual TLS). */
  http2Options?: SecureClientSessionOptions;
}

export interface NodeQuantisClient extends QuantisClient {
  /** Forecasts every series over one StreamPredict stream, yielding results in input order. */
  forecastMany(
    series: Iterable<SeriesLike> | AsyncIterable<SeriesLike>,
    options: ForecastManyOptions,
  ): AsyncGenerator<SeriesForecast>;
  /** Closes the HTTP/2 connection (calls in flight fail). */
  close(): void;
}

export function createQuantisClient(options: NodeClientOptions): NodeQuantisClient {
  const { baseUrl } = options;
  const sessions =
    (options.transport ?? "grpc") === "grpc" ? new Http2SessionManager(baseUrl, {}, options.http2Options) : undefined;
  const client = createQuantisClientWith(
    (settings) =>
      sessions === undefined
        ? createGrpcWebTransport({ baseUrl, httpVersion: "1.1", ...settings })
        : createGrpcTransport({ baseUrl, sessionManager: sessions, ...settings }),
    options,
  );
  return {
    ...client,
    forecastMany: (series, forecastOptions) => forecastMany(client.predictions, series, forecastOptions),
    close: () => sessions?.abort(),
  };
}
