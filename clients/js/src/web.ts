/**
 * `@quantis/client/web`: the client for browsers, over gRPC-web (connect-web, fetch) through
 * Envoy or the embedded `quantis web` bridge. Browsers cannot speak gRPC itself (no HTTP
 * trailers through fetch), and gRPC-web has no client or bidirectional streams, so
 * StreamPredict and dataset uploads are Node-only; everything else is here.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";

import { createQuantisClientWith, type QuantisClient, type QuantisClientOptions } from "./client.js";

export * from "./index.js";

/**
 * fetch, with a request that never reached the server (connection refused, the network down,
 * the bridge restarting) made UNAVAILABLE naming where it went, as the Node transport says it:
 * fetch's own TypeError ("Failed to fetch") would leave as UNKNOWN, unclear and never retried.
 * An aborted request (the caller's signal, a deadline) stays what it is.
 */
function reaching(baseUrl: string): typeof fetch {
  return async (input, init) => {
    try {
      return await globalThis.fetch(input, init);
    } catch (error) {
      if (!(error instanceof TypeError) || init?.signal?.aborted) throw error;
      throw new ConnectError(`cannot reach ${baseUrl}: ${error.message}`, Code.Unavailable, undefined, undefined, error);
    }
  };
}

export function createQuantisClient(options: QuantisClientOptions): QuantisClient {
  if ((options.transport ?? "grpc-web") !== "grpc-web") {
    throw new TypeError(`browsers reach Quantis over gRPC-web only, not "${options.transport}"`);
  }
  return createQuantisClientWith(
    (settings) => createGrpcWebTransport({ baseUrl: options.baseUrl, fetch: reaching(options.baseUrl), ...settings }),
    options,
  );
}
