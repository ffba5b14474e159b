/**
 * What a client authenticates with: an API key, or a session's tokens that it keeps fresh.
 *
 * Refresh tokens rotate, and a refresh token presented twice revokes the whole session
 * (reuse detection). So the client never refreshes twice with the same token: a caller
 * whose access token was rejected refreshes only if that token is still the current one,
 * concurrent callers share the one refresh in flight, and every rotation is handed to
 * `onRefresh` so whoever stored the tokens stores the new pair before the old one dies.
 */
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";

import type { Tokens as TokensMessage } from "./gen/quantis/v1/auth_service_pb.js";

/** A session's credentials, as LoginResponse and RefreshTokenResponse carry them. */
export interface Tokens {
  accessToken: string;
  refreshToken: string;
  accessTokenExpireTime: Date;
  sessionId: string;
}

export function tokensFromProto(tokens: TokensMessage | undefined): Tokens {
  if (tokens === undefined || tokens.accessTokenExpireTime === undefined) {
    throw new Error("the server answered without tokens");
  }
  return {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    accessTokenExpireTime: timestampDate(tokens.accessTokenExpireTime),
    sessionId: tokens.sessionId,
  };
}

export interface CredentialsOptions {
  apiKey?: string;
  tokens?: Tokens;
  /** How long before the access token expires it is refreshed, so no call leaves with a dying token. */
  refreshMarginMs?: number;
  onRefresh?: (tokens: Tokens) => void;
  /**
   * Called once when the session is over: the server refused its refresh token (the session
   * was revoked, expired, or its refresh token was reused). The tokens are dropped first, so
   * whoever stored them can forget them too and ask the person to log in again.
   */
  onSessionEnd?: (error: ConnectError) => void;
}

/** Exchanges a refresh token for a new pair (AuthService.RefreshToken). */
export type Exchange = (refreshToken: string) => Promise<Tokens>;

export class Credentials {
  apiKey: string | undefined;
  tokens: Tokens | undefined;
  readonly refreshMarginMs: number;
  private readonly onRefresh: ((tokens: Tokens) => void) | undefined;
  private readonly onSessionEnd: ((error: ConnectError) => void) | undefined;
  private exchange: Exchange | undefined;
  private inFlight: Promise<void> | undefined;

  constructor(options: CredentialsOptions = {}) {
    this.apiKey = options.apiKey;
    this.tokens = options.tokens;
    this.refreshMarginMs = options.refreshMarginMs ?? 30_000;
    this.onRefresh = options.onRefresh;
    this.onSessionEnd = options.onSessionEnd;
  }

  /** Set once by the client, whose AuthService performs the exchange. */
  useExchange(exchange: Exchange): void {
    this.exchange = exchange;
  }

  /** The headers a call carries. */
  headers(): [string, string][] {
    if (this.apiKey) return [["x-api-key", this.apiKey]];
    if (this.tokens) return [["authorization", `Bearer ${this.tokens.accessToken}`]];
    return [];
  }

  canRefresh(): boolean {
    return !this.apiKey && this.tokens !== undefined && this.tokens.refreshToken !== "";
  }

  /** Whether the access token expires within the refresh margin (never for an API key). */
  needsRefresh(): boolean {
    if (!this.canRefresh() || this.tokens === undefined) return false;
    return Date.now() >= this.tokens.accessTokenExpireTime.getTime() - this.refreshMarginMs;
  }

  update(tokens: Tokens): void {
    this.tokens = tokens;
    this.onRefresh?.(tokens);
  }

  /**
   * Renews the session unless someone already replaced `sentToken`; callers arriving while
   * a refresh is in flight wait for that one instead of starting another.
   */
  async refresh(sentToken: string): Promise<void> {
    while (this.inFlight !== undefined) await this.inFlight;
    const tokens = this.tokens;
    if (tokens === undefined || tokens.accessToken !== sentToken || !this.canRefresh()) return;
    if (this.exchange === undefined) throw new Error("these credentials have no client to refresh with");
    const exchange = this.exchange;
    this.inFlight = (async () => {
      try {
        this.update(await exchange(tokens.refreshToken));
      } catch (error) {
        // UNAUTHENTICATED answers a refresh token the server will never take again: the
        // session is over, and keeping its tokens would only fail every later call the same way.
        if (error instanceof ConnectError && error.code === Code.Unauthenticated && this.tokens === tokens) {
          this.tokens = undefined;
          this.onSessionEnd?.(error);
        }
        throw error;
      } finally {
        this.inFlight = undefined;
      }
    })();
    await this.inFlight;
  }
}
