/**
 * What both entry points export besides createQuantisClient: the typed errors, the tokens
 * and policies a caller configures, the contracts' helpers and the generated messages.
 */
export { Credentials, type Tokens } from "./credentials.js";
export { MAX_MESSAGE_BYTES, type QuantisClient, type QuantisClientOptions, type TransportKind } from "./client.js";
export * from "./errors.js";
export { DEFAULT_RETRY, type RetryPolicy } from "./retries.js";
export { isIdempotent, isPublic, services } from "./contracts.js";
export type { SeriesForecast, SeriesInput, SeriesLike } from "./forecasting.js";
export type { ForecastManyOptions } from "./forecast-many.js";
export * from "./gen/quantis/v1/auth_service_pb.js";
export * from "./gen/quantis/v1/common_pb.js";
export * from "./gen/quantis/v1/dataset_service_pb.js";
export * from "./gen/quantis/v1/financial_service_pb.js";
export * from "./gen/quantis/v1/model_service_pb.js";
export * from "./gen/quantis/v1/monitoring_service_pb.js";
export * from "./gen/quantis/v1/prediction_service_pb.js";
