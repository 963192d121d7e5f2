// Type declarations of serverlessauth-express (hand-written; the package is plain ESM JavaScript).

export interface ServerlessAuthOptions {
  /** The issuer's Auth:Issuer exactly, e.g. https://auth.example.com/api/auth (no trailing slash). */
  issuer: string;
  /** The aud demanded (the issuer's Auth:Audience). */
  audience: string;
  /** The registered API client (admin clients add): reads the revocations endpoint with HTTP Basic. */
  clientId: string;
  clientSecret: string;
  /** How often the revocations endpoint is read. Default 1000; 100 - 30000. */
  pollIntervalMs?: number;
  /** A token is answered 503 when the last good read began longer ago. Default 3000; 500 - 300000, longer than the poll interval. */
  stalenessBoundMs?: number;
  /** Tolerated clock difference for exp, nbf and cutoffs. Default 30; 0 - 300. Keep it no larger than the issuer's Auth:ClockSkew. */
  clockSkewSeconds?: number;
  /** Bound of each call to the issuer; also, with the skew, the re-read overlap of the feed. Default 5000. */
  httpTimeoutMs?: number;
  /** Longest exp - iat accepted. Default: the discovery document's serverlessauth_access_token_lifetime. */
  accessTokenLifetimeSeconds?: number;
  /** The discovery document and JWKS are re-read this often without a key event. Default 60000. */
  keyRefreshIntervalMs?: number;
  /** Least time between key re-reads caused by tokens with an unknown kid. Default 5000. */
  unknownKeyRefreshCooldownMs?: number;
  /** The issuer must be https, since the client secret is sent to it. Default true. */
  requireHttps?: boolean;
  /** Verified tokens kept (0: no cache). Default 10000. */
  cacheMaxEntries?: number;
  /** Longer tokens are verified every time, never cached. Default 4096 (the longest token accepted). */
  cacheMaxTokenLength?: number;
  /** For tests: the fetch used for every call to the issuer. */
  fetch?: typeof fetch;
  /** For tests: the clock, in unix milliseconds. */
  now?: () => number;
  /** Where warnings go (once per outage). Default console. */
  logger?: { warn?(message: string): void; info?(message: string): void; error?(message: string): void };
}

/** The claims of an accepted token, as the issuer wrote them. */
export interface ServerlessAuthClaims {
  readonly iss: string;
  readonly aud: string | string[];
  readonly sub: string;
  readonly name: string;
  readonly sid: string;
  readonly jti: string;
  readonly iat: number;
  readonly exp: number;
  readonly auth_time: number;
  readonly nbf?: number;
  readonly [claim: string]: unknown;
}

export interface ServerlessAuthHealth {
  status: 'healthy' | 'unhealthy';
  revocationStateAgeMs: number | null;
  stalenessBoundMs: number;
  keysLoaded: boolean;
}

/** 401 invalid_token (a refused token) or 503 temporarily_unavailable (its standing cannot be proven now). */
export class ServerlessAuthError extends Error {
  readonly status: 401 | 503;
  readonly code: 'invalid_token' | 'temporarily_unavailable';
  readonly description: string;
  readonly retryAfterSeconds: number | undefined;
  /** The .NET handler's answer: status, headers (WWW-Authenticate, or Retry-After and problem+json) and body. */
  toResponse(): { status: 401 | 503; headers: Record<string, string>; body: string };
}

export const Refusals: Readonly<Record<string, string>>;
export const maxTokenLength: number;

export type RequestWithAuth = { headers: { authorization?: string | undefined }; auth?: ServerlessAuthClaims };

export class ServerlessAuth {
  constructor(options: ServerlessAuthOptions);
  /** Starts following the issuer (verify and requireAuth do it too); resolves after the first poll or the staleness bound. */
  start(): Promise<void>;
  /** Stops polling. */
  close(): void;
  /** The claims, or throws ServerlessAuthError (401 or 503). */
  verify(token: string): Promise<ServerlessAuthClaims>;
  /** Express / Connect / node:http middleware setting req.auth. */
  requireAuth(): (req: any, res: any, next: (error?: unknown) => void) => void;
  health(): ServerlessAuthHealth;
}

export function createServerlessAuth(options: ServerlessAuthOptions): ServerlessAuth;

export type RevocationDecision = { decision: 'accept' | 'refuse' | 'stale'; refusal?: string };

/** The revocation rules alone, on a clock the caller gives (unix milliseconds). */
export class RevocationReplica {
  constructor(settings: { clockSkewMs: number; stalenessBoundMs: number; overlapMs: number; retentionMs: () => number });
  readonly currentAsOf: number | null;
  isCurrent(now: number): boolean;
  check(claims: { sub: string; sid: string; jti: string; auth_time: number }, now: number): RevocationDecision;
  apply(events: object[], pollStartedAt: number): boolean;
}

export function parseRevocations(root: unknown): { events: object[]; unknownKinds: string[] };
export function endedByCutoff(authTimeSeconds: number, cutoffMs: number, clockSkewMs: number): boolean;

export class VerifiedTokenCache {
  constructor(limits: { maxEntries: number; maxTokenLength: number });
  readonly size: number;
  hits: number;
  misses: number;
  evictions: number;
  clear(): void;
}

declare global {
  namespace Express {
    interface Request {
      /** Set by requireAuth(): the claims of the accepted token. */
      auth?: ServerlessAuthClaims;
    }
  }
}
