// The issuer's discovery document and JWKS, as ServerlessAuth.AspNetCore's IssuerMetadata reads them:
// the document must name exactly the configured issuer, every URL the client secret goes to must lie
// under the issuer, only P-256 public keys for ES256 are kept. One load runs at a time; a forced request
// during a load runs one more after it, so a key event always leads to a read that starts after it.

import { createLocalJWKSet } from 'jose';

const maxDocumentBytes = 64 * 1024;

export class IssuerDocumentError extends Error {}

export class IssuerKeys {
  /**
   * @param {object} settings the verifier's settings
   * @param {() => number} now
   * @param {(keySetChanged: boolean) => void} onLoaded called after every good load
   */
  constructor(settings, now, onLoaded) {
    this.settings = settings;
    this.now = now;
    this.onLoaded = onLoaded;
    this.current = null; // { jwks, kids, revocationsEndpoint, lifetimeSeconds, fingerprint }
    this.lastFailure = null;
    this.loadedAt = -Infinity;
    this.failedAt = -Infinity;
    this.lastUnknownKeyRefresh = -Infinity;
    this.loading = null;
    this.again = false;
  }

  get retryDelayMs() {
    return Math.max(this.settings.unknownKeyRefreshCooldownMs, 1000);
  }

  /** Starts a load unless one runs; `force` during a load runs one more after it. */
  load(force) {
    if (this.loading !== null) {
      if (force) this.again = true;
      return this.loading;
    }

    this.loading = (async () => {
      try {
        do {
          this.again = false;
          await this.loadOnce();
        } while (this.again);
      } finally {
        this.loading = null;
      }
    })();
    return this.loading;
  }

  /** The keys and document; waits for a first load. Throws a reason text (ours) when none could be read. */
  async get() {
    if (this.current !== null) {
      if (this.now() - this.loadedAt >= this.settings.keyRefreshIntervalMs) {
        this.load(false); // in the background: the cached set answers
      }

      return this.current;
    }

    // Nothing read yet and the last try just failed: answer from that failure instead of calling per request.
    if (this.lastFailure === null || this.now() - this.failedAt >= this.retryDelayMs) {
      await this.load(false);
    }

    if (this.current === null) {
      throw new IssuerDocumentError(this.lastFailure ?? `The issuer's discovery document at ${this.discoveryAddress} could not be read.`);
    }

    return this.current;
  }

  /** A token named an unknown kid: one re-read at most per cooldown, since anyone can send such a token. */
  async refreshForUnknownKey() {
    const now = this.now();
    if (now - this.lastUnknownKeyRefresh >= this.settings.unknownKeyRefreshCooldownMs) {
      this.lastUnknownKeyRefresh = now;
      this.load(true);
    }

    if (this.loading !== null) {
      await Promise.race([this.loading, delay(this.settings.httpTimeoutMs)]);
    }

    return this.current;
  }

  get discoveryAddress() {
    return `${this.settings.issuer}/.well-known/openid-configuration`;
  }

  async loadOnce() {
    const started = this.now();
    try {
      const document = await this.getJson(this.discoveryAddress);
      const next = read(document, await this.getJson(jwksAddress(document)), this.settings);
      const changed = this.current !== null && this.current.fingerprint !== next.fingerprint;
      this.current = next;
      this.loadedAt = started;
      this.lastFailure = null;
      this.onLoaded(changed);
    } catch (error) {
      // The reason may go out in 503 answers: ours only, never the text of the HTTP stack or a parser.
      const reason = error instanceof IssuerDocumentError ? error.message
        : error?.name === 'TimeoutError' ? `no answer within ${this.settings.httpTimeoutMs / 1000} s`
          : error instanceof SyntaxError ? 'the answer is not a valid discovery document or JWKS'
            : 'the connection failed';
      this.lastFailure = `The issuer's discovery document at ${this.discoveryAddress} could not be read: ${reason}`;
      this.failedAt = started;
      if (this.current !== null) {
        // Keep the last good keys, and try again after the retry delay rather than a whole interval later.
        this.loadedAt = started - this.settings.keyRefreshIntervalMs + this.retryDelayMs;
      }

      this.settings.logger.warn?.(`serverlessauth: ${this.lastFailure} (${error?.message ?? error})`);
    }
  }

  async getJson(address) {
    const uri = new URL(address);
    if (this.settings.requireHttps && uri.protocol !== 'https:') {
      throw new IssuerDocumentError(`'${address}' is not an https URL`);
    }

    const response = await this.settings.fetch(uri, {
      headers: { accept: 'application/json' },
      redirect: 'error',
      signal: AbortSignal.timeout(this.settings.httpTimeoutMs),
    });
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new IssuerDocumentError(`GET ${uri} answered ${response.status}`);
    }

    const text = await response.text();
    if (text.length > maxDocumentBytes) {
      throw new IssuerDocumentError(`GET ${uri} answered more than ${maxDocumentBytes / 1024} KiB`);
    }

    return JSON.parse(text);
  }
}

function jwksAddress(document) {
  if (typeof document?.jwks_uri !== 'string' || !URL.canParse(document.jwks_uri)) {
    throw new IssuerDocumentError("the document has no 'jwks_uri'");
  }

  return document.jwks_uri;
}

function read(document, jwks, settings) {
  if (document.issuer !== settings.issuer) {
    throw new IssuerDocumentError(`the document names the issuer '${document.issuer}', not '${settings.issuer}'`);
  }

  const revocationsEndpoint = underIssuer(document, 'serverlessauth_revocations_endpoint', settings.issuer);
  let lifetimeSeconds = settings.accessTokenLifetimeSeconds;
  if (lifetimeSeconds === undefined) {
    lifetimeSeconds = document.serverlessauth_access_token_lifetime;
    if (!Number.isInteger(lifetimeSeconds) || lifetimeSeconds <= 0 || lifetimeSeconds > 86_400) {
      throw new IssuerDocumentError("the document has no valid 'serverlessauth_access_token_lifetime' (set accessTokenLifetimeSeconds to the issuer's Auth:AccessTokenLifetime instead)");
    }
  }

  if (!Array.isArray(jwks?.keys)) {
    throw new IssuerDocumentError('the JWKS has no keys array');
  }

  const keys = jwks.keys.filter(isEs256Key).map(({ kty, crv, x, y, kid, alg, use }) => ({ kty, crv, x, y, kid, alg, use }));
  keys.sort((a, b) => (a.kid < b.kid ? -1 : a.kid > b.kid ? 1 : 0));
  return {
    jwks: createLocalJWKSet({ keys }),
    kids: new Set(keys.map((k) => k.kid)),
    revocationsEndpoint,
    lifetimeSeconds,
    fingerprint: JSON.stringify(keys),
  };
}

const isEs256Key = (k) =>
  k !== null && typeof k === 'object' && k.kty === 'EC' && k.crv === 'P-256'
  && typeof k.x === 'string' && typeof k.y === 'string' && typeof k.kid === 'string' && k.kid.length > 0
  && (k.alg === undefined || k.alg === 'ES256') && (k.use === undefined || k.use === 'sig') && k.d === undefined;

function underIssuer(document, member, issuer) {
  const value = document[member];
  if (typeof value !== 'string' || !URL.canParse(value)) {
    throw new IssuerDocumentError(`the document has no '${member}'`);
  }

  if (!value.startsWith(`${issuer}/`)) {
    throw new IssuerDocumentError(`'${member}' (${value}) is not under the issuer`);
  }

  return value;
}

export const delay = (ms) => new Promise((resolve) => { setTimeout(resolve, ms).unref(); });
