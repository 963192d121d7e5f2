// An issuer in this process for the package's own rules: discovery, JWKS and revocations over real HTTP
// on loopback, ES256 keys made here, tokens signed with jose.
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';

export const audience = 'node-api';

export async function newKey(kid) {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
}

export class FakeIssuer {
  static async start() {
    const issuer = new FakeIssuer();
    issuer.keys = [await newKey('k1')];
    await new Promise((resolve) => issuer.server.listen(0, '127.0.0.1', resolve));
    issuer.base = `http://127.0.0.1:${issuer.server.address().port}`;
    issuer.issuer = `${issuer.base}/api/auth`;
    return issuer;
  }

  constructor() {
    this.events = [];
    this.calls = [];
    this.down = false;
    this.server = createServer((req, res) => this.answer(req, res));
  }

  answer(req, res) {
    const url = new URL(req.url, this.base);
    this.calls.push(url.pathname);
    if (this.down) {
      res.statusCode = 503;
      res.end();
      return;
    }

    const json = (body) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(body));
    };
    switch (url.pathname) {
      case '/api/auth/.well-known/openid-configuration':
        return json({
          issuer: this.issuer,
          jwks_uri: `${this.issuer}/.well-known/jwks.json`,
          serverlessauth_revocations_endpoint: `${this.issuer}/revocations`,
          serverlessauth_access_token_lifetime: 600,
        });
      case '/api/auth/.well-known/jwks.json':
        return json({ keys: this.keys.map((k) => k.jwk) });
      case '/api/auth/revocations':
        if (req.headers.authorization !== `Basic ${Buffer.from('node-api:secret').toString('base64')}`) {
          res.statusCode = 401;
          return res.end();
        }

        return json({ events: this.events.filter((e) => e.published_at >= Number(url.searchParams.get('since'))) });
      default:
        res.statusCode = 404;
        return res.end();
    }
  }

  publish(event) {
    this.events.push({ id: randomBytes(12).toString('base64url'), published_at: Date.now(), ...event });
  }

  /** A token as the issuer makes them; `change` may alter claims or the header. */
  async token({ key = this.keys[0], claims = {}, header = {} } = {}) {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      sub: randomBytes(16).toString('hex'),
      sid: randomBytes(16).toString('base64url'),
      jti: randomBytes(16).toString('base64url'),
      name: 'alice',
      auth_time: now,
      ...claims,
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: key.kid, ...header })
      .setIssuer(claims.iss ?? this.issuer)
      .setAudience(claims.aud ?? audience)
      .setIssuedAt(claims.iat ?? now)
      .setExpirationTime(claims.exp ?? now + 600)
      .sign(key.privateKey);
  }

  options(extra = {}) {
    return {
      issuer: this.issuer,
      audience,
      clientId: 'node-api',
      clientSecret: 'secret',
      requireHttps: false,
      pollIntervalMs: 100,
      stalenessBoundMs: 1000,
      unknownKeyRefreshCooldownMs: 0,
      logger: {},
      ...extra,
    };
  }

  close() {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(resolve));
  }
}

/** Waits until `condition()` is true, checking every 20 ms; a bound against a hang, not a measurement. */
export async function eventually(condition, what, limitMs = 15_000) {
  const end = Date.now() + limitMs;
  while (Date.now() < end) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }

  throw new Error(`Not within ${limitMs} ms: ${what}`);
}
