/**
 * `@quantis/client/web`: the client for browsers, over gRPC-web (connect-web, fetch) through
 * Envoy or the embedded `quantis web` bridge. Browsers cannot speak gRPC itself (no HTTP
 * trailers through fetch), and gRPC-web has no client or bidirectional streams, so
 * StreamPredict and dataset uploads are Node-only; everything else is here.
 */
import { createGrpcWebTransport } from "@connectrpc/connect-web";

import { createQuantisClientWith, type QuantisClient, type QuantisClientOptions } from "./client.js";

export * from "./index.js";

export function createQuantisClient(options: QuantisClientOptions): QuantisClient {
  if ((options.transport ?? "grpc-web") !== "grpc-web") {
    throw new TypeError(`browsers reach Quantis over gRPC-web only, not "${options.transport}"`);
  }
  return createQuantisClientWith(
    (settings) => createGrpcWebTransport({ baseUrl: options.baseUrl, ...settings }),
    options,
  );
}
