/**
 * Dataset upload from a browser: gRPC-web has no client streams, so a file goes up through the
 * resumable unary RPCs: StartUpload, UploadChunk in order, CompleteUpload.
 *
 * The server's committed size is the only truth about how far an upload got: after every chunk
 * the next offset is what it answered, and an offset mismatch (a chunk lost or sent twice)
 * carries the committed size to continue from, so the loop never guesses.
 */
import { DatasetFormat, FailedPrecondition, type Dataset, type QuantisClient } from "@quantis/client/web";

const CHUNK_BYTES = 256 * 1024;

export interface UploadMetadata {
  name: string;
  timestampColumn: string;
  valueColumns: string[];
  seriesIdColumn: string;
  frequency: number;
}

/** The file's SHA-256 for the server to check, where the page may hash (secure contexts only). */
async function sha256(file: File): Promise<string> {
  if (globalThis.crypto?.subtle === undefined) return "";
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", await file.arrayBuffer()));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

export async function uploadFile(
  client: QuantisClient,
  file: File,
  metadata: UploadMetadata,
  onProgress: (committed: number, total: number) => void,
): Promise<Dataset> {
  const format = file.name.toLowerCase().endsWith(".parquet") ? DatasetFormat.PARQUET : DatasetFormat.CSV;
  const started = await client.datasets.startUpload({
    metadata: { ...metadata, format },
    totalSize: BigInt(file.size),
    sha256: await sha256(file),
  });
  const session = started.uploadSession;
  if (session === undefined) throw new Error("the server opened no upload session");
  const chunkBytes = Math.min(CHUNK_BYTES, session.maxChunkSize || CHUNK_BYTES);
  let offset = Number(session.committedSize);
  onProgress(offset, file.size);
  while (offset < file.size) {
    const data = new Uint8Array(await file.slice(offset, offset + chunkBytes).arrayBuffer());
    try {
      const answer = await client.datasets.uploadChunk({ uploadId: session.uploadId, offset: BigInt(offset), data });
      offset = Number(answer.committedSize);
    } catch (error) {
      if (!(error instanceof FailedPrecondition) || error.reason !== "UPLOAD_OFFSET_MISMATCH") throw error;
      offset = Number(error.info["committed_size"]);
    }
    onProgress(offset, file.size);
  }
  const { dataset } = await client.datasets.completeUpload({ uploadId: session.uploadId });
  if (dataset === undefined) throw new Error("the server stored no dataset");
  return dataset;
}
