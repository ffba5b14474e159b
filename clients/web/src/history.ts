/**
 * A model's training data as series to forecast from: the dataset's file, downloaded as CSV
 * over the DownloadDataset server stream, split into series by the dataset's own column roles.
 */
import { ColumnRole, DatasetFormat, type QuantisClient } from "@quantis/client/web";

export interface HistorySeries {
  seriesId: string;
  values: number[];
  times: Date[];
}

/** One CSV line's cells; the export quotes a cell only when it holds a comma or a quote. */
function cells(line: string): string[] {
  const out: string[] = [];
  const pattern = /("(?:[^"]|"")*"|[^,]*)(,|$)/g;
  for (const match of line.matchAll(pattern)) {
    const cell = match[1];
    out.push(cell.startsWith('"') ? cell.slice(1, -1).replace(/""/g, '"') : cell);
    if (match[2] === "") break;
  }
  return out;
}

export async function datasetSeries(
  client: QuantisClient,
  datasetId: string,
  targetColumn: string,
  signal: AbortSignal,
): Promise<HistorySeries[]> {
  const { dataset } = await client.datasets.getDataset({ datasetId });
  const columns = dataset?.columns ?? [];
  const named = (role: ColumnRole): string => columns.find((c) => c.role === role)?.name ?? "";
  const value = targetColumn || named(ColumnRole.VALUE);
  const chunks: Uint8Array[] = [];
  for await (const message of client.datasets.downloadDataset({ datasetId, format: DatasetFormat.CSV }, { signal })) {
    chunks.push(message.chunk);
  }
  const text = await new Blob(chunks).text();
  const [header = "", ...rows] = text.split(/\r?\n/).filter((line) => line !== "");
  const names = cells(header);
  const at = (name: string): number => names.indexOf(name);
  const [idAt, timeAt, valueAt] = [at(named(ColumnRole.SERIES_ID)), at(named(ColumnRole.TIMESTAMP)), at(value)];
  const series = new Map<string, HistorySeries>();
  for (const row of rows) {
    const parts = cells(row);
    const seriesId = idAt >= 0 ? parts[idAt] : dataset?.name ?? "series";
    let entry = series.get(seriesId);
    if (entry === undefined) series.set(seriesId, (entry = { seriesId, values: [], times: [] }));
    entry.values.push(parts[valueAt] === "" ? Number.NaN : Number(parts[valueAt]));
    entry.times.push(new Date(parts[timeAt].replace(" ", "T")));
  }
  return [...series.values()];
}
