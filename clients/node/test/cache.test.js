// The verified-token cache's safety rules (issue 23), against an issuer in this process.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { Refusals, ServerlessAuth, ServerlessAuthError } from '../src/index.js';
import { FakeIssuer, eventually, newKey } from './fake-issuer.js';

let issuer;
before(async () => { issuer = await FakeIssuer.start(); });
after(() => issuer.close());

async function started(extra) {
  const auth = new ServerlessAuth(issuer.options(extra));
  await auth.start();
  return auth;
}

async function assertRefused(promise, description) {
  await assert.rejects(promise, (error) => {
    assert.ok(error instanceof ServerlessAuthError, `expected a ServerlessAuthError, got ${error}`);
    assert.equal(error.status, 401);
    if (description !== undefined) assert.equal(error.description, description);
    return true;
  });
}

/** The token with one character of the given part replaced by another base64url character. */
function oneCharChanged(token, part) {
  const parts = token.split('.');
  const text = parts[part];
  const i = Math.floor(text.length / 2);
  parts[part] = text.slice(0, i) + (text[i] === 'A' ? 'B' : 'A') + text.slice(i + 1);
  return parts.join('.');
}

describe('verified-token cache', () => {
  test('a valid token is verified once, then served from the cache with the same claims', async () => {
    const auth = await started();
    try {
      const token = await issuer.token();
      const first = await auth.verify(token);
      const misses = auth.cache.misses;
      const second = await auth.verify(token);
      assert.deepEqual(second, first);
      assert.equal(first.name, 'alice');
      assert.equal(auth.cache.size, 1);
      assert.equal(auth.cache.misses, misses);
      assert.equal(auth.cache.hits, 1);
    } finally {
      auth.close();
    }
  });

  for (const [part, name] of [[0, 'header'], [1, 'payload'], [2, 'signature']]) {
    test(`a token one character away from a cached one (in its ${name}) is validated in full and refused`, async () => {
      const auth = await started();
      try {
        const token = await issuer.token();
        await auth.verify(token);
        const misses = auth.cache.misses;

        await assertRefused(auth.verify(oneCharChanged(token, part)));

        assert.equal(auth.cache.misses, misses + 1);
        assert.equal(auth.cache.size, 1);
        await auth.verify(token); // the original is untouched
      } finally {
        auth.close();
      }
    });
  }

  test('a token for another audience or issuer is refused even when its twin is cached', async () => {
    const auth = await started();
    try {
      const claims = { sub: 'a'.repeat(32), sid: 'S'.repeat(22), jti: 'J'.repeat(22) };
      await auth.verify(await issuer.token({ claims }));

      await assertRefused(auth.verify(await issuer.token({ claims: { ...claims, aud: 'other-api' } })), Refusals.wrongAudience);
      const otherIssuer = await issuer.token({ claims: { ...claims, iss: `${issuer.issuer}/` } });
      await assertRefused(auth.verify(otherIssuer), Refusals.wrongIssuer);
    } finally {
      auth.close();
    }
  });

  test('a signing-keys event empties the cache, and a token of the removed key is refused', async () => {
    const auth = await started();
    const old = issuer.keys;
    try {
      const token = await issuer.token();
      await auth.verify(token);
      assert.equal(auth.cache.size, 1);

      issuer.keys = [await newKey('k2')];
      issuer.publish({ kind: 'signing_keys_changed' });

      await eventually(() => auth.cache.size === 0, 'the cache is emptied by the key event');
      await eventually(() => auth.keys.current.kids.has('k2'), 'the new key set is read');
      await assertRefused(auth.verify(token), Refusals.unknownKey);
      await auth.verify(await issuer.token({ key: issuer.keys[0] }));
    } finally {
      issuer.keys = old;
      auth.close();
    }
  });

  test('a changed JWKS empties the cache even without a key event', async () => {
    const auth = await started();
    const old = issuer.keys;
    try {
      const token = await issuer.token();
      await auth.verify(token);

      // A token with a kid not yet known makes the verifier read the keys again: k1 is gone by then.
      issuer.keys = [await newKey('k3')];
      const fresh = await issuer.token({ key: issuer.keys[0] });
      await auth.verify(fresh);

      assert.equal(auth.cache.size, 0);
      await assertRefused(auth.verify(token), Refusals.unknownKey);
      await auth.verify(fresh);
    } finally {
      issuer.keys = old;
      auth.close();
    }
  });

  test('a cached token is refused once it is revoked, its session ends, or its user is cut off', async () => {
    const auth = await started();
    try {
      const revoked = await issuer.token();
      const ended = await issuer.token();
      const cut = await issuer.token({ claims: { auth_time: Math.floor(Date.now() / 1000) - 120 } });
      const [r, e, c] = [await auth.verify(revoked), await auth.verify(ended), await auth.verify(cut)];
      assert.equal(auth.cache.size, 3);

      issuer.publish({ kind: 'token_revoked', jti: r.jti, instant: r.exp * 1000 });
      issuer.publish({ kind: 'session_ended', sub: e.sub, sid: e.sid });
      issuer.publish({ kind: 'user_cutoff', sub: c.sub, instant: Date.now() });

      await eventually(async () => (await auth.verify(revoked).then(() => false, () => true)), 'the revoked token is refused');
      await assertRefused(auth.verify(revoked), Refusals.tokenRevoked);
      await assertRefused(auth.verify(ended), Refusals.sessionEnded);
      await assertRefused(auth.verify(cut), Refusals.sessionEnded);
    } finally {
      auth.close();
    }
  });

  test('a cached token is refused once expired: every hit re-checks the time', async () => {
    let clock = Date.now();
    const auth = await started({ now: () => clock });
    try {
      const now = Math.floor(clock / 1000);
      const token = await issuer.token({ claims: { iat: now - 10, auth_time: now - 10, exp: now + 60 } });
      await auth.verify(token);
      assert.equal(auth.cache.size, 1);

      clock += (60 + 30 + 1) * 1000; // past exp and the 30 s skew

      await assertRefused(auth.verify(token), Refusals.expired);
      assert.equal(auth.cache.size, 0);
    } finally {
      auth.close();
    }
  });

  test('the cache stays within its entry bound, and long tokens are not cached', async () => {
    const bounded = await started({ cacheMaxEntries: 3 });
    const short = await started({ cacheMaxTokenLength: 100 });
    try {
      for (let i = 0; i < 5; i++) {
        const token = await issuer.token();
        await bounded.verify(token);
        await short.verify(token);
      }

      assert.equal(bounded.cache.size, 3);
      assert.equal(bounded.cache.evictions, 2);
      assert.equal(short.cache.size, 0);
    } finally {
      bounded.close();
      short.close();
    }
  });
});

describe('requireAuth answers as the .NET handler', () => {
  async function serve(auth) {
    const middleware = auth.requireAuth();
    const server = createServer((req, res) => middleware(req, res, () => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ sub: req.auth.sub, name: req.auth.name }));
    }));
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${server.address().port}`;
    return {
      get: (authorization) => fetch(`${base}/hello`, { headers: authorization ? { authorization } : {} }),
      close: () => { server.closeAllConnections(); return new Promise((resolve) => server.close(resolve)); },
    };
  }

  test('no token: 401 with the plain Bearer challenge; a malformed token: 401 invalid_token, empty body', async () => {
    const auth = await started();
    const api = await serve(auth);
    try {
      const none = await api.get();
      assert.equal(none.status, 401);
      assert.equal(none.headers.get('www-authenticate'), 'Bearer');

      for (const garbage of ['Bearer garbage', 'Bearer a.b.c', `Bearer ${'x'.repeat(5000)}`]) {
        const response = await api.get(garbage);
        assert.equal(response.status, 401);
        assert.equal(response.headers.get('www-authenticate'), `Bearer error="invalid_token", error_description="${Refusals.malformed}"`);
        assert.equal(await response.text(), '');
      }

      const ok = await api.get(`Bearer ${await issuer.token()}`);
      assert.equal(ok.status, 200);
      assert.equal((await ok.json()).name, 'alice');
    } finally {
      await api.close();
      auth.close();
    }
  });

  test('the issuer down past the staleness bound: 503 with Retry-After and problem details, then recovery', async () => {
    const auth = await started();
    const api = await serve(auth);
    try {
      const token = await issuer.token();
      assert.equal((await api.get(`Bearer ${token}`)).status, 200);

      issuer.down = true;
      let last;
      await eventually(async () => { last = await api.get(`Bearer ${token}`); return last.status === 503; }, '503 once stale');
      assert.equal(last.headers.get('retry-after'), '1');
      assert.equal(last.headers.get('content-type'), 'application/problem+json');
      assert.equal(last.headers.get('www-authenticate'), null);
      const problem = await last.json();
      assert.equal(problem.status, 503);
      assert.equal(problem.code, 'temporarily_unavailable');
      assert.match(problem.detail, /revocation state is .* old/);
      assert.equal(auth.health().status, 'unhealthy');

      issuer.down = false;
      await eventually(async () => (await api.get(`Bearer ${token}`)).status === 200, 'accepted again once the issuer answers');
      assert.equal(auth.health().status, 'healthy');
    } finally {
      issuer.down = false;
      await api.close();
      auth.close();
    }
  });
});
