/** How the pages show what the contracts carry: timestamps, enums, numbers and errors. */
import { QuantisError } from "@quantis/client/web";

/** google.protobuf.Timestamp as the generated messages carry it. */
export interface Timestamp {
  seconds: bigint;
  nanos: number;
}

export function toDate(timestamp: Timestamp | undefined): Date | undefined {
  if (timestamp === undefined) return undefined;
  return new Date(Number(timestamp.seconds) * 1000 + timestamp.nanos / 1e6);
}

export function fromDate(date: Date): Timestamp {
  const ms = date.getTime();
  return { seconds: BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 };
}

export function dateTime(timestamp: Timestamp | undefined): string {
  return toDate(timestamp)?.toISOString().replace("T", " ").slice(0, 19) ?? "";
}

export function day(timestamp: Timestamp | undefined): string {
  return toDate(timestamp)?.toISOString().slice(0, 10) ?? "";
}

/** An enum value's name as the contract spells it after its prefix ("SUCCEEDED"). */
export function enumName(values: Record<number, string>, value: number): string {
  return values[value] ?? String(value);
}

export function number(value: number | bigint | undefined, digits = 2): string {
  if (value === undefined) return "";
  if (typeof value === "bigint") return value.toLocaleString("en");
  return Number.isInteger(value) ? value.toLocaleString("en") : value.toFixed(digits);
}

/** What a failed call says to a person: the server's message, then each bad field. */
export function describeError(error: unknown): string {
  if (error instanceof QuantisError) {
    const fields = error.fieldViolations.map((v) => `${v.field}: ${v.description}`);
    return [error.rawMessage || error.reason || error.message, ...fields].join("\n");
  }
  return error instanceof Error ? error.message : String(error);
}
