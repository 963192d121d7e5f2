// Validates ServerlessAuth access tokens and follows the issuer's revocations endpoint, by the rules of
// the .NET handler (ServerlessAuth.AspNetCore): no call to the issuer per request, a revoked token
// refused within one poll interval plus one request, 503 once the revocation state is older than the
// staleness bound.

import { decodeProtectedHeader, jwtVerify } from 'jose';
import { Refusals, ServerlessAuthError, refused, unavailable } from './errors.js';
import { IssuerDocumentError, IssuerKeys, delay } from './issuer.js';
import { hasDuplicateMembers } from './json-members.js';
import { RevocationReplica, parseRevocations } from './revocations.js';
import { VerifiedTokenCache } from './token-cache.js';

/** Longest token accepted at all, as in .NET. */
export const maxTokenLength = 4096;

const defaults = {
  pollIntervalMs: 1000,
  stalenessBoundMs: 3000,
  clockSkewSeconds: 30,
  httpTimeoutMs: 5000,
  keyRefreshIntervalMs: 60_000,
  unknownKeyRefreshCooldownMs: 5000,
  requireHttps: true,
  cacheMaxEntries: 10_000,
  cacheMaxTokenLength: maxTokenLength,
};

function settingsFrom(options) {
  const s = { ...defaults, ...Object.fromEntries(Object.entries(options ?? {}).filter(([, v]) => v !== undefined)) };
  const fail = (message) => { throw new TypeError(`serverlessauth-express: ${message}`); };
  for (const name of ['issuer', 'audience', 'clientId', 'clientSecret']) {
    if (typeof s[name] !== 'string' || s[name].length === 0) fail(`${name} is required.`);
  }

  if (!URL.canParse(s.issuer) || s.issuer.endsWith('/')) fail(`issuer must be an absolute URL without a trailing slash, such as https://auth.example.com/api/auth; '${s.issuer}' is not.`);
  if (s.requireHttps && !s.issuer.startsWith('https://')) fail('issuer must be https, since the client secret is sent to it (requireHttps: false only for a local issuer).');
  const range = (name, min, max) => {
    if (typeof s[name] !== 'number' || !Number.isFinite(s[name]) || s[name] < min || s[name] > max) fail(`${name} must be between ${min} and ${max}.`);
  };
  range('pollIntervalMs', 100, 30_000);
  range('stalenessBoundMs', 500, 300_000);
  if (s.stalenessBoundMs <= s.pollIntervalMs) fail('stalenessBoundMs must be longer than pollIntervalMs, or every pause between polls would refuse tokens.');
  range('clockSkewSeconds', 0, 300);
  range('httpTimeoutMs', 500, 60_000);
  range('keyRefreshIntervalMs', 5000, 3_600_000);
  range('unknownKeyRefreshCooldownMs', 0, 300_000);
  range('cacheMaxEntries', 0, 10_000_000);
  range('cacheMaxTokenLength', 0, maxTokenLength);
  if (s.accessTokenLifetimeSeconds !== undefined) range('accessTokenLifetimeSeconds', 1, 86_400);
  s.fetch ??= globalThis.fetch;
  s.now ??= Date.now;
  s.logger ??= console;
  return Object.freeze(s);
}

/** RFC 6749 2.3.1: client id and secret are form-urlencoded before they are joined. */
const formEncode = (value) => encodeURIComponent(value).replace(/%20/g, '+')
  .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const isUserId = (v) => typeof v === 'string' && /^[0-9a-f]{32}$/.test(v);
const isSessionId = (v) => typeof v === 'string' && /^[A-Za-z0-9_-]{22}$/.test(v);
const isInstant = (v) => Number.isSafeInteger(v) && v >= 0 && v <= 253_402_300_799;

export class ServerlessAuth {
  /**
   * @param {import('../index.js').ServerlessAuthOptions} options
   */
  constructor(options) {
    this.settings = settingsFrom(options);
    const s = this.settings;
    this.now = s.now;
    this.skewMs = s.clockSkewSeconds * 1000;
    this.overlapMs = s.httpTimeoutMs + this.skewMs;
    this.cache = new VerifiedTokenCache({ maxEntries: s.cacheMaxEntries, maxTokenLength: s.cacheMaxTokenLength });
    this.keysGeneration = 0;
    this.keys = new IssuerKeys(s, this.now, (changed) => {
      if (changed) this.keysChanged();
    });
    this.replica = new RevocationReplica({
      clockSkewMs: this.skewMs,
      stalenessBoundMs: s.stalenessBoundMs,
      overlapMs: this.overlapMs,
      retentionMs: () => this.retentionMs(),
    });
    this.authorization = `Basic ${Buffer.from(`${formEncode(s.clientId)}:${formEncode(s.clientSecret)}`).toString('base64')}`;
    this.cursor = null;
    this.failing = false;
    this.running = false;
    this.stopped = false;
    this.abort = new AbortController();
    this.retryAfterSeconds = Math.max(1, Math.ceil(s.stalenessBoundMs / 1000));
  }

  /** The longest token lifetime accepted: the setting, else the issuer's discovery document. */
  lifetimeSeconds() {
    return this.settings.accessTokenLifetimeSeconds ?? this.keys.current?.lifetimeSeconds;
  }

  /** How far back a starting follower reads, and how long an applied event is kept. */
  retentionMs() {
    return ((this.lifetimeSeconds() ?? 86_400) * 1000) + this.skewMs + this.overlapMs;
  }

  /** Starts following the issuer (idempotent). Resolves after the first poll, or the staleness bound. */
  start() {
    this.ensureStarted();
    return Promise.race([this.replica.firstSync, delay(this.settings.stalenessBoundMs)]);
  }

  ensureStarted() {
    if (!this.running && !this.stopped) {
      this.running = true;
      this.loop().catch((error) => this.settings.logger.error?.(`serverlessauth: the poll loop stopped: ${error?.message ?? error}`));
    }
  }

  /** Stops polling and aborts calls in flight. */
  close() {
    this.stopped = true;
    this.running = false;
    this.abort.abort();
  }

  async loop() {
    while (!this.stopped) {
      const started = this.now();
      await this.pollOnce();
      if (this.keys.current !== null && this.now() - this.keys.loadedAt >= this.settings.keyRefreshIntervalMs) {
        this.keys.load(false);
      }

      const wait = started + this.settings.pollIntervalMs - this.now();
      if (wait > 0 && !this.stopped) await delay(wait);
    }
  }

  /** One poll: read, apply, advance the cursor. Failures are logged once per outage, never thrown. */
  async pollOnce() {
    const started = this.now();
    try {
      const document = await this.keys.get();
      const from = Math.max(0, Math.floor(this.cursor ?? started - this.retentionMs()));
      const address = document.revocationsEndpoint + (document.revocationsEndpoint.includes('?') ? '&' : '?') + `since=${from}`;
      const response = await this.settings.fetch(address, {
        headers: { authorization: this.authorization, accept: 'application/json' },
        redirect: 'error',
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.settings.httpTimeoutMs)]),
      });
      if (response.status !== 200) {
        await response.body?.cancel();
        throw new Error(`the revocations endpoint answered ${response.status}`);
      }

      const page = parseRevocations(await response.json());
      if (page.unknownKinds.length > 0) {
        this.settings.logger.warn?.(`serverlessauth: the revocations endpoint sent events of kinds this version does not know (${page.unknownKinds.join(', ')}); they were skipped. Update serverlessauth-express.`);
      }

      if (this.replica.apply(page.events, started)) {
        this.keysChanged();
        this.readKeysAfterKeyEvent();
      }

      this.cursor = started - this.overlapMs;
      if (this.failing) {
        this.failing = false;
        this.settings.logger.info?.('serverlessauth: reading the revocations works again; the revocation state is current');
      }
    } catch (error) {
      if (this.stopped) return;
      if (!this.failing) {
        this.failing = true;
        this.settings.logger.warn?.(`serverlessauth: reading the revocations failed (${error?.message ?? error}); tokens are answered 503 once the state is older than ${this.settings.stalenessBoundMs} ms`);
      }
    }
  }

  /** Any key event or changed JWKS empties the cache at once; entries being added by a check begun before it are dropped. */
  keysChanged() {
    this.keysGeneration++;
    this.cache.clear();
  }

  /**
   * The instance of the issuer that answers may not have seen the event yet: read now, and once per poll
   * interval until every instance has either seen it or turned stale.
   */
  async readKeysAfterKeyEvent() {
    const s = this.settings;
    this.keys.load(true);
    const until = this.now() + s.stalenessBoundMs + s.pollIntervalMs;
    while (!this.stopped && this.now() < until) {
      await delay(s.pollIntervalMs);
      await this.keys.load(true);
    }
  }

  /** Healthy while the revocation state is within the staleness bound (reads memory only). */
  health() {
    const now = this.now();
    const asOf = this.replica.currentAsOf;
    return {
      status: this.replica.isCurrent(now) ? 'healthy' : 'unhealthy',
      revocationStateAgeMs: asOf === null ? null : now - asOf,
      stalenessBoundMs: this.settings.stalenessBoundMs,
      keysLoaded: this.keys.current !== null,
    };
  }

  /**
   * The token's claims when it may be used. Throws ServerlessAuthError: 401 for a refused token
   * (malformed, forged, expired, revoked...), 503 when its standing cannot be proven now.
   */
  async verify(token) {
    this.ensureStarted();
    if (typeof token !== 'string' || token.length === 0 || token.length > maxTokenLength) {
      throw refused(Refusals.malformed);
    }

    const generation = this.keysGeneration;
    const hit = this.cache.get(token);
    let claims;
    let validatedNow = false;
    if (hit !== undefined && this.stillUsable(hit)) {
      claims = hit.claims;
    } else {
      if (hit !== undefined) this.cache.delete(token);
      claims = await this.validate(token);
      validatedNow = true;
    }

    await this.checkRevocation(claims);
    if (validatedNow && generation === this.keysGeneration && this.keys.current?.kids.has(claims.kid)) {
      this.cache.set(token, { claims, kid: claims.kid });
    }

    return claims.payload;
  }

  /** A cache hit: still within exp and nbf (with the skew), and its key still in the current set. */
  stillUsable(entry) {
    const nowSeconds = this.now() / 1000;
    const { exp, nbf } = entry.claims.payload;
    return exp > nowSeconds - this.settings.clockSkewSeconds
      && (nbf === undefined || nbf <= nowSeconds + this.settings.clockSkewSeconds)
      && this.keys.current?.kids.has(entry.kid) === true;
  }

  async checkRevocation(claims) {
    let answer = this.replica.check(claims.payload, this.now());
    if (answer.decision === 'stale' && this.replica.currentAsOf === null) {
      // A starting API waits for its first read, at most the staleness bound.
      await Promise.race([this.replica.firstSync, delay(this.settings.stalenessBoundMs)]);
      answer = this.replica.check(claims.payload, this.now());
    }

    if (answer.decision === 'stale') throw unavailable(this.replica.describeStaleness(this.now()), this.retryAfterSeconds);
    if (answer.decision === 'refuse') throw refused(answer.refusal);
  }

  /** Complete validation: header, signature, pinned claims, shapes, lifetime. */
  async validate(token) {
    let header;
    try {
      header = decodeProtectedHeader(token);
      const parts = token.split('.');
      if (parts.length !== 3
        || hasDuplicateMembers(Buffer.from(parts[0], 'base64url').toString('utf8'))
        || hasDuplicateMembers(Buffer.from(parts[1], 'base64url').toString('utf8'))) {
        throw refused(Refusals.malformed);
      }
    } catch {
      throw refused(Refusals.malformed);
    }

    // No critical header parameter is issued, so any is one not understood (RFC 7515 4.1.11).
    if (header.crit !== undefined) throw refused(Refusals.malformed);
    if (header.alg !== 'ES256') throw refused(Refusals.wrongAlgorithm);
    if (typeof header.kid !== 'string' || header.kid.length === 0) throw refused(Refusals.unknownKey);

    let keys = await this.currentKeys();
    if (!keys.kids.has(header.kid)) {
      // A freshly rotated key signs at once: read the keys again (rate-limited) and try once more.
      keys = (await this.keys.refreshForUnknownKey()) ?? keys;
      if (!keys.kids.has(header.kid)) throw refused(Refusals.unknownKey);
    }

    let payload;
    try {
      ({ payload } = await jwtVerify(token, keys.jwks, {
        algorithms: ['ES256'],
        typ: 'at+jwt',
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        clockTolerance: this.settings.clockSkewSeconds,
        requiredClaims: ['exp'],
        currentDate: new Date(this.now()),
      }));
    } catch (error) {
      throw refused(describe(error));
    }

    if (header.typ !== 'at+jwt') throw refused(Refusals.wrongType);
    if (!isUserId(payload.sub) || !isSessionId(payload.sid) || typeof payload.jti !== 'string' || payload.jti.length !== 22
      || !isInstant(payload.iat) || !isInstant(payload.auth_time) || !isInstant(payload.exp) || typeof payload.name !== 'string') {
      throw refused(Refusals.missingClaim);
    }

    const lifetime = this.lifetimeSeconds();
    if (lifetime === undefined) throw unavailable("The issuer's access-token lifetime is not known yet.", this.retryAfterSeconds);
    if (payload.exp - payload.iat > lifetime || payload.auth_time > payload.iat) throw refused(Refusals.wrongLifetime);

    return { payload: Object.freeze(payload), kid: header.kid };
  }

  async currentKeys() {
    try {
      return await this.keys.get();
    } catch (error) {
      if (error instanceof IssuerDocumentError) throw unavailable(error.message, this.retryAfterSeconds);
      throw error;
    }
  }

  /**
   * Express (or Connect, or node:http) middleware: sets req.auth to the token's claims, or answers 401
   * (WWW-Authenticate: Bearer, with error="invalid_token" for a refused token) or 503.
   */
  requireAuth() {
    this.ensureStarted();
    return (req, res, next) => {
      const header = req.headers.authorization;
      const token = typeof header === 'string' && /^bearer /i.test(header) ? header.slice(7).trim() : '';
      if (token.length === 0) {
        res.statusCode = 401;
        res.setHeader('WWW-Authenticate', 'Bearer');
        res.end();
        return;
      }

      this.verify(token).then((claims) => {
        req.auth = claims;
        next();
      }, (error) => {
        if (!(error instanceof ServerlessAuthError)) {
          next(error);
          return;
        }

        const answer = error.toResponse();
        res.statusCode = answer.status;
        for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
        res.end(answer.body);
      });
    };
  }
}

/** The refusal for what jose threw, in our words. */
function describe(error) {
  switch (error?.code) {
    case 'ERR_JWT_EXPIRED':
      return Refusals.expired;
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return Refusals.wrongAlgorithm;
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return Refusals.unknownKey;
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return Refusals.badSignature;
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      switch (error.claim) {
        case 'nbf': return Refusals.notYetValid;
        case 'iss': return Refusals.wrongIssuer;
        case 'aud': return Refusals.wrongAudience;
        case 'typ': return Refusals.wrongType;
        case 'exp': return error.reason === 'missing' ? Refusals.noExpiry : Refusals.expired;
        default: return Refusals.malformed;
      }
    default:
      return Refusals.malformed;
  }
}
