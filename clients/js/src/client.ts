/**
 * The client both entry points share: the six typed service clients over one transport,
 * behind the SDK's interceptors, plus the workflows that take more than one call.
 *
 * Around the transport: typed errors (every failure leaves as a QuantisError), then the
 * default deadline. Its interceptors, outermost first: retries of idempotent calls (each
 * attempt passes the auth interceptor again, so a refreshed token is picked up), auth, then
 * the caller's own interceptors.
 */
import { createClient, type Client, type ConnectError, type Interceptor, type Transport } from "@connectrpc/connect";

import { authInterceptor } from "./auth.js";
import { services } from "./contracts.js";
import { Credentials, tokensFromProto, type Tokens } from "./credentials.js";
import { withDefaultDeadline } from "./deadlines.js";
import { MfaRequired, withTypedErrors } from "./errors.js";
import { DEFAULT_RETRY, retryInterceptor, type RetryPolicy } from "./retries.js";

export type TransportKind = "grpc" | "grpc-web";

/**
 * The largest message sent or received, as the server's default limit (QUANTIS_MAX_MESSAGE_BYTES)
 * and the Python SDK's. A larger request fails at once with ResourceExhausted: sent, it would
 * stall in HTTP/2 flow control once the server stops reading it, until the deadline (forever
 * without one).
 */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

export interface QuantisClientOptions {
  /** Where the server (gRPC) or the gRPC-web bridge listens: "http://127.0.0.1:50051". */
  baseUrl: string;
  transport?: TransportKind;
  apiKey?: string;
  /** Tokens of an earlier login, to resume a session. */
  tokens?: Tokens;
  /** The default deadline of calls that answer once, in ms; null for none. */
  timeoutMs?: number | null;
  /** Retries of idempotent calls on UNAVAILABLE and of unary calls on a transaction conflict; null turns them off. */
  retry?: RetryPolicy | null;
  refreshMarginMs?: number;
  /** Called with every new pair of tokens (login and each refresh), to store them. */
  onRefresh?: (tokens: Tokens) => void;
  /** Called when the server refuses the session's refresh token: its tokens are dropped, log in again. */
  onSessionEnd?: (error: ConnectError) => void;
  /** Extra interceptors, innermost: they see every attempt with its credentials. */
  interceptors?: Interceptor[];
  /** The largest message sent or received, in bytes (default MAX_MESSAGE_BYTES, 16 MiB). */
  maxMessageBytes?: number;
}

/** What every transport of an entry point is given: its interceptors and the message size limits. */
export interface TransportSettings {
  interceptors: Interceptor[];
  readMaxBytes: number;
  writeMaxBytes: number;
}

/** Makes the transport of an entry point (Node or browser) with the given interceptors and limits. */
export type TransportFactory = (settings: TransportSettings) => Transport;

export interface QuantisClient {
  readonly auth: Client<typeof services.auth>;
  readonly datasets: Client<typeof services.datasets>;
  readonly models: Client<typeof services.models>;
  readonly predictions: Client<typeof services.predictions>;
  readonly financial: Client<typeof services.financial>;
  readonly monitoring: Client<typeof services.monitoring>;
  readonly credentials: Credentials;
  readonly transport: Transport;
  /** Starts a session; with MFA enabled `totp` is the current code (else MfaRequired). */
  login(username: string, password: string, totp?: string): Promise<Tokens>;
  /** Exchanges the refresh token now (it is otherwise done when needed). */
  refresh(): Promise<Tokens>;
}

export function createQuantisClientWith(factory: TransportFactory, options: QuantisClientOptions): QuantisClient {
  const credentials = new Credentials(options);
  const retry = options.retry === null ? [] : [retryInterceptor(options.retry ?? DEFAULT_RETRY)];
  const interceptors = [...retry, authInterceptor(credentials), ...(options.interceptors ?? [])];
  const timeoutMs = options.timeoutMs === null ? undefined : (options.timeoutMs ?? 30_000);
  const maxBytes = options.maxMessageBytes ?? MAX_MESSAGE_BYTES;
  const settings = { interceptors, readMaxBytes: maxBytes, writeMaxBytes: maxBytes };
  const transport = withTypedErrors(withDefaultDeadline(factory(settings), timeoutMs));
  const auth = createClient(services.auth, transport);
  credentials.useExchange(async (refreshToken) => tokensFromProto((await auth.refreshToken({ refreshToken })).tokens));

  return {
    auth,
    datasets: createClient(services.datasets, transport),
    models: createClient(services.models, transport),
    predictions: createClient(services.predictions, transport),
    financial: createClient(services.financial, transport),
    monitoring: createClient(services.monitoring, transport),
    credentials,
    transport,

    async login(username, password, totp) {
      const response = await auth.login({ username, password });
      let tokens = response.result.case === "tokens" ? response.result.value : undefined;
      if (response.result.case === "mfaChallenge") {
        const challengeToken = response.result.value.challengeToken;
        if (totp === undefined) throw new MfaRequired(challengeToken);
        tokens = (await auth.verifyMfa({ challengeToken, code: totp })).tokens;
      }
      credentials.update(tokensFromProto(tokens));
      return credentials.tokens as Tokens;
    },

    async refresh() {
      if (credentials.tokens === undefined) throw new Error("log in first");
      await credentials.refresh(credentials.tokens.accessToken);
      return credentials.tokens;
    },
  };
}
