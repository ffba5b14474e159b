/**
 * Typed errors for failed calls, built from the server's google.rpc.Status.
 *
 * The server puts a google.rpc.Status in the `grpc-status-details-bin` trailer of every
 * failure: an ErrorInfo always, plus BadRequest, PreconditionFailure, RetryInfo or
 * ResourceInfo where they apply. Callers should not have to unpack Any messages to learn
 * which field was wrong or when to retry, so each status code becomes its own class
 * carrying those details as plain properties. Every class is also a ConnectError, so code
 * that catches that keeps working.
 */
import { Code, ConnectError, type Transport } from "@connectrpc/connect";

import {
  BadRequestSchema,
  ErrorInfoSchema,
  PreconditionFailureSchema,
  ResourceInfoSchema,
  RetryInfoSchema,
} from "./gen/google/rpc/error_details_pb.js";
import type { Status } from "./gen/google/rpc/status_pb.js";

/** One bad field of a request, as the server names it (`cash_flows[1].currency_code`). */
export interface FieldViolation {
  field: string;
  description: string;
}

export interface PreconditionViolation {
  type: string;
  subject: string;
  description: string;
}

export class QuantisError extends ConnectError {
  /** ErrorInfo.reason, such as "CREDENTIALS_MISSING" or "MISSING_PERMISSION". */
  readonly reason: string;
  readonly domain: string;
  readonly info: Record<string, string>;
  readonly fieldViolations: FieldViolation[];
  readonly preconditionViolations: PreconditionViolation[];
  /** RetryInfo: how long to wait before trying again, when the server said. */
  readonly retryDelayMs: number | undefined;
  readonly resourceType: string;
  readonly resourceName: string;

  constructor(error: ConnectError) {
    super(error.rawMessage, error.code, error.metadata, undefined, error.cause);
    // ConnectError reads its details lazily from here.
    this.details = error.details;
    const [info] = error.findDetails(ErrorInfoSchema);
    this.reason = info?.reason ?? "";
    this.domain = info?.domain ?? "";
    this.info = { ...info?.metadata };
    this.fieldViolations = error
      .findDetails(BadRequestSchema)
      .flatMap((bad) => bad.fieldViolations.map((v) => ({ field: v.field, description: v.description })));
    this.preconditionViolations = error
      .findDetails(PreconditionFailureSchema)
      .flatMap((f) => f.violations.map((v) => ({ type: v.type, subject: v.subject, description: v.description })));
    const delay = error.findDetails(RetryInfoSchema)[0]?.retryDelay;
    this.retryDelayMs = delay === undefined ? undefined : Number(delay.seconds) * 1000 + delay.nanos / 1e6;
    const [resource] = error.findDetails(ResourceInfoSchema);
    this.resourceType = resource?.resourceType ?? "";
    this.resourceName = resource?.resourceName ?? "";
  }

  // ConnectError answers instanceof by duck typing, which would make every ConnectError an
  // instance of every subclass here; the subclasses use the prototype chain instead.
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this === QuantisError || Object.prototype.isPrototypeOf.call(QuantisError, this)) {
      return Function.prototype[Symbol.hasInstance].call(this, value);
    }
    return ConnectError[Symbol.hasInstance](value);
  }
}

export class Canceled extends QuantisError {}
export class Unknown extends QuantisError {}
export class InvalidArgument extends QuantisError {}
export class DeadlineExceeded extends QuantisError {}
export class NotFound extends QuantisError {}
export class AlreadyExists extends QuantisError {}
export class PermissionDenied extends QuantisError {}
/** Rate limited or the inference queue is full; `retryDelayMs` says when to try again. */
export class ResourceExhausted extends QuantisError {}
export class FailedPrecondition extends QuantisError {}
export class Aborted extends QuantisError {}
export class OutOfRange extends QuantisError {}
export class Unimplemented extends QuantisError {}
export class Internal extends QuantisError {}
export class Unavailable extends QuantisError {}
export class DataLoss extends QuantisError {}
export class Unauthenticated extends QuantisError {}

const BY_CODE: Record<Code, typeof QuantisError> = {
  [Code.Canceled]: Canceled,
  [Code.Unknown]: Unknown,
  [Code.InvalidArgument]: InvalidArgument,
  [Code.DeadlineExceeded]: DeadlineExceeded,
  [Code.NotFound]: NotFound,
  [Code.AlreadyExists]: AlreadyExists,
  [Code.PermissionDenied]: PermissionDenied,
  [Code.ResourceExhausted]: ResourceExhausted,
  [Code.FailedPrecondition]: FailedPrecondition,
  [Code.Aborted]: Aborted,
  [Code.OutOfRange]: OutOfRange,
  [Code.Unimplemented]: Unimplemented,
  [Code.Internal]: Internal,
  [Code.Unavailable]: Unavailable,
  [Code.DataLoss]: DataLoss,
  [Code.Unauthenticated]: Unauthenticated,
};

/** Thrown by login when the account has MFA and no TOTP code was given; `challengeToken` completes it. */
export class MfaRequired extends Error {
  constructor(readonly challengeToken: string) {
    super("this account has MFA enabled: log in again with its current TOTP code");
    this.name = "MfaRequired";
  }
}

/** The typed error for anything a call threw (a ConnectError, an abort, a network failure). */
export function toQuantisError(reason: unknown): QuantisError {
  if (reason instanceof QuantisError) return reason;
  const error = ConnectError.from(reason);
  return new BY_CODE[error.code](error);
}

/** The error for a google.rpc.Status carried inside a message (a failed request of a stream). */
export function fromStatus(status: Status): QuantisError {
  const error = new ConnectError(status.message, status.code as Code);
  error.details = status.details.map((any) => ({
    type: any.typeUrl.slice(any.typeUrl.lastIndexOf("/") + 1),
    value: any.value,
  }));
  return toQuantisError(error);
}

async function* translated<T>(messages: AsyncIterable<T>): AsyncIterable<T> {
  try {
    yield* messages;
  } catch (error) {
    throw toQuantisError(error);
  }
}

/**
 * Every failure, of a unary call or inside a stream, leaves typed. Done on the transport,
 * outside its interceptors, because the transport itself raises some failures (a deadline
 * reached, a call aborted) after the interceptors have run.
 */
export function withTypedErrors(transport: Transport): Transport {
  return {
    async unary(method, signal, timeoutMs, header, input, contextValues) {
      try {
        return await transport.unary(method, signal, timeoutMs, header, input, contextValues);
      } catch (error) {
        throw toQuantisError(error);
      }
    },
    async stream(method, signal, timeoutMs, header, input, contextValues) {
      let response;
      try {
        response = await transport.stream(method, signal, timeoutMs, header, input, contextValues);
      } catch (error) {
        throw toQuantisError(error);
      }
      return { ...response, message: translated(response.message) };
    },
  };
}
