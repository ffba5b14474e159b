/**
 * Packing series into StreamPredict messages and unpacking the forecasts, for forecastMany.
 *
 * StreamPredict carries many series per message as flat arrays (values plus lengths) so that
 * per-message overhead does not cap throughput; these helpers turn series into such messages
 * and the packed answers back into one SeriesForecast per series. Nothing here does I/O.
 */
import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";

import { fromStatus } from "./errors.js";
import type { StreamPredictRequestSchema, StreamPredictResponse } from "./gen/quantis/v1/prediction_service_pb.js";

/** Keeps a message well under the server's message size limit (4 bytes a value). */
export const MAX_VALUES_PER_MESSAGE = 1_000_000;

/** One series to forecast: its id, its values oldest first, and optionally its first timestamp. */
export interface SeriesInput {
  seriesId: string;
  values: ArrayLike<number>;
  start?: Date;
}

/** A SeriesInput, an `[id, values]` pair, or bare values (then the id is the position). */
export type SeriesLike = SeriesInput | [string, ArrayLike<number>] | ArrayLike<number>;

/** The forecast of one series: point forecasts per step and, per quantile level, a value per step. */
export interface SeriesForecast {
  seriesId: string;
  point: number[];
  quantiles: Map<number, number[]>;
  predictionId: string;
  versionId: string;
}

/** What every message of one forecastMany asks for. */
export interface Target {
  modelId: string;
  versionId?: string;
  horizon?: number;
  quantiles?: number[];
}

export function asInput(item: SeriesLike, position: number): SeriesInput {
  if (Array.isArray(item) && item.length === 2 && typeof item[0] === "string") {
    return { seriesId: item[0], values: item[1] as ArrayLike<number> };
  }
  if ("seriesId" in item && typeof item.seriesId === "string") return item as SeriesInput;
  return { seriesId: String(position), values: item as ArrayLike<number> };
}

/** Groups series into messages of at most `seriesPerMessage` series and `maxValues` values. */
export async function* batches(
  items: Iterable<SeriesLike> | AsyncIterable<SeriesLike>,
  seriesPerMessage: number,
  maxValues = MAX_VALUES_PER_MESSAGE,
): AsyncGenerator<SeriesInput[]> {
  if (seriesPerMessage < 1) throw new RangeError("seriesPerMessage must be at least 1");
  let batch: SeriesInput[] = [];
  let values = 0;
  let position = 0;
  for await (const item of items) {
    const series = asInput(item, position++);
    if (batch.length > 0 && (batch.length === seriesPerMessage || values + series.values.length > maxValues)) {
      yield batch;
      batch = [];
      values = 0;
    }
    batch.push(series);
    values += series.values.length;
  }
  if (batch.length > 0) yield batch;
}

export function pack(
  batch: SeriesInput[],
  requestId: string,
  target: Target,
): MessageInitShape<typeof StreamPredictRequestSchema> {
  const values: number[] = [];
  for (const series of batch) for (let i = 0; i < series.values.length; i++) values.push(series.values[i]);
  const dated = batch.some((series) => series.start !== undefined);
  return {
    requestId,
    modelId: target.modelId,
    versionId: target.versionId ?? "",
    horizon: target.horizon ?? 0,
    quantiles: target.quantiles ?? [],
    seriesIds: batch.map((series) => series.seriesId),
    lengths: batch.map((series) => series.values.length),
    values,
    startTimes: dated ? batch.map((series) => timestampFromDate(series.start ?? new Date(0))) : [],
  };
}

/** One forecast per series of the answered request; a failed request throws its error. */
export function unpack(response: StreamPredictResponse): SeriesForecast[] {
  if (response.error !== undefined && response.error.code !== 0) throw fromStatus(response.error);
  const h = response.horizon;
  const levels = response.quantiles;
  const q = levels.length;
  return response.seriesIds.map((seriesId, i) => ({
    seriesId,
    point: response.pointForecasts.slice(i * h, (i + 1) * h),
    quantiles: new Map(
      levels.map((level, k) => [
        level,
        Array.from({ length: h }, (_, s) => response.quantileForecasts[(i * h + s) * q + k]),
      ]),
    ),
    predictionId: response.predictionIds[i] ?? "",
    versionId: response.versionId,
  }));
}

/**
 * Holds answers that overtook earlier requests (the server answers in completion order),
 * releasing them in request order; requests are numbered from 0 by their requestId.
 */
export class InOrder {
  private readonly waiting = new Map<number, StreamPredictResponse>();
  next = 0;

  add(response: StreamPredictResponse): StreamPredictResponse[] {
    this.waiting.set(Number(response.requestId), response);
    const ready: StreamPredictResponse[] = [];
    for (let answer = this.waiting.get(this.next); answer !== undefined; answer = this.waiting.get(this.next)) {
      this.waiting.delete(this.next++);
      ready.push(answer);
    }
    return ready;
  }

  missing(): boolean {
    return this.waiting.size > 0;
  }
}
