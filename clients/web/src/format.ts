/** How the pages show what the contracts carry: timestamps, enums, numbers and errors. */
import { QuantisError, Unavailable } from "@quantis/client/web";

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

/**
 * What a failed call says to a person: the server's message, then each bad field not already
 * in it (the server's message often is its one violation, "field: description"). A server that
 * cannot be reached says so, with what the network said after it.
 */
export function describeError(error: unknown): string {
  if (error instanceof QuantisError) {
    const message = error.rawMessage || error.reason || error.message;
    const fields = error.fieldViolations
      .map((v) => `${v.field}: ${v.description}`)
      .filter((line, i, all) => !message.includes(line) && all.indexOf(line) === i);
    const lines = [message, ...fields];
    if (error instanceof Unavailable) lines.unshift("The Quantis server cannot be reached right now: try again in a moment.");
    return lines.join("\n");
  }
  return error instanceof Error ? error.message : String(error);
}
