// Against the real service (Azurite, our host, the admin CLI as processes): tokens from our host are
// accepted by requireAuth, every way of revoking reaches it within the bound, and a stale revocation
// state is answered 503 until our host is back.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { ServerlessAuth } from '../src/index.js';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Child, RealService, freePort } from './real-service.js';

// The documented bound is one poll interval (1 s) plus a request, and never past the staleness bound
// (3 s, then 503). This limit only stops a hang on a loaded machine; the answers before the refusal
// must all be 200, so a missed revocation fails whatever the timing.
const refusalLimitMs = 15_000;

let service;
let auth;
let api;

before(async () => {
  service = await RealService.start({ audience: 'node-api', clientId: 'node-api' });
  // The package's defaults: 1 s polls, a 3 s staleness bound.
  auth = new ServerlessAuth({
    issuer: service.issuer,
    audience: 'node-api',
    clientId: 'node-api',
    clientSecret: service.clientSecret,
    requireHttps: false, // plain http on loopback in this test only
    logger: {},
  });
  const middleware = auth.requireAuth();
  const server = createServer((req, res) => middleware(req, res, () => {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ sub: req.auth.sub, name: req.auth.name }));
  }));
  await new Promise((res) => server.listen(0, '127.0.0.1', res));
  api = { server, base: `http://127.0.0.1:${server.address().port}` };
  await auth.start();
}, { timeout: 600_000 });

after(async () => {
  auth?.close();
  if (api) {
    api.server.closeAllConnections();
    await new Promise((res) => api.server.close(res));
  }

  await service?.stop();
});

const hello = (token) => fetch(`${api.base}/hello`, { headers: { authorization: `Bearer ${token}` } });

async function assertAccepted(token, username) {
  const response = await hello(token);
  const text = await response.text();
  assert.equal(response.status, 200, `expected 200, got ${response.status}: ${text}\n${service.outputs}`);
  const body = JSON.parse(text);
  if (username !== undefined) assert.equal(body.name, username);
  return body;
}

/** 200 until refused; then 401 invalid_token. Anything else, or no refusal before the limit, fails. */
async function assertRefusedAfterRevocation(token) {
  const end = Date.now() + refusalLimitMs;
  while (Date.now() < end) {
    const response = await hello(token);
    const text = await response.text();
    if (response.status === 401) {
      assert.match(response.headers.get('www-authenticate'), /^Bearer error="invalid_token", error_description="[^"]+"$/);
      assert.equal(text, '');
      return;
    }

    assert.equal(response.status, 200, `expected 200 until refused, got ${response.status}: ${text}\n${service.outputs}`);
    await new Promise((res) => setTimeout(res, 20));
  }

  assert.fail(`The token was still accepted ${refusalLimitMs / 1000} s after it was revoked.\n${service.outputs}`);
}

describe('against our host', { concurrency: false }, () => {
  test('a token from our host is accepted with its subject and name', async () => {
    const username = await service.newUser();
    const { access_token: token } = await service.login(username);
    const body = await assertAccepted(token, username);
    assert.equal(body.sub, JSON.parse(Buffer.from(token.split('.')[1], 'base64url')).sub);
  });

  test('after a logout the token is refused within the bound', async () => {
    const { access_token: token } = await service.login(await service.newUser());
    await assertAccepted(token);

    await service.logout(token, 'local');

    await assertRefusedAfterRevocation(token);
  });

  test('after a global logout every token of the user is refused within the bound', async () => {
    const username = await service.newUser();
    const first = await service.login(username);
    const second = await service.login(username);
    await assertAccepted(first.access_token);
    await assertAccepted(second.access_token);

    await service.logout(first.access_token, 'global');

    await assertRefusedAfterRevocation(first.access_token);
    await assertRefusedAfterRevocation(second.access_token);
  });

  test('after users disable the token is refused within the bound', async () => {
    const username = await service.newUser();
    const { access_token: token } = await service.login(username);
    await assertAccepted(token);

    await service.admin(['users', 'disable', username]);

    await assertRefusedAfterRevocation(token);
  });

  test('after an emergency key rotation old tokens are refused and new ones accepted', async () => {
    const username = await service.newUser();
    const { access_token: token } = await service.login(username);
    await assertAccepted(token);
    const oldKid = JSON.parse(Buffer.from(token.split('.')[0], 'base64url')).kid;

    await service.admin(['keys', 'rotate', '--emergency']);

    await assertRefusedAfterRevocation(token);
    // Our host signs with the new key once it has seen the same event; the API knows that key too.
    const end = Date.now() + refusalLimitMs;
    let fresh;
    do {
      fresh = (await service.login(username)).access_token;
    } while (JSON.parse(Buffer.from(fresh.split('.')[0], 'base64url')).kid === oldKid && Date.now() < end);
    await assertAccepted(fresh, username);
  });

  test('the sample API answers /hello and /health, and refuses a logged-out token', async () => {
    const sample = fileURLToPath(new URL('../sample/', import.meta.url));
    assert.ok(existsSync(`${sample}node_modules/express`), 'run npm ci in clients/node/sample first');
    const port = await freePort();
    const child = new Child('sample API', process.execPath, ['server.js'], {
      PATH: process.env.PATH,
      ISSUER: service.issuer,
      AUDIENCE: 'node-api',
      CLIENT_ID: 'node-api',
      CLIENT_SECRET: service.clientSecret,
      REQUIRE_HTTPS: 'false',
      PORT: String(port),
    }, sample);
    try {
      const base = `http://127.0.0.1:${port}`;
      const end = Date.now() + 60_000;
      let health;
      while (Date.now() < end && !child.hasExited) {
        health = await fetch(`${base}/health`).catch(() => undefined);
        if (health?.status === 200) break;
        await new Promise((res) => setTimeout(res, 100));
      }

      assert.equal(health?.status, 200, `the sample's /health: ${health?.status}\n${child.describe()}`);
      const username = await service.newUser();
      const { access_token: token } = await service.login(username);
      const ok = await fetch(`${base}/hello`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(ok.status, 200);
      assert.equal((await ok.json()).name, username);
      const none = await fetch(`${base}/hello`);
      assert.equal(none.status, 401);
      assert.equal(none.headers.get('www-authenticate'), 'Bearer');

      await service.logout(token, 'local');

      const until = Date.now() + refusalLimitMs;
      let last;
      do {
        last = await fetch(`${base}/hello`, { headers: { authorization: `Bearer ${token}` } });
        assert.ok(last.status === 200 || last.status === 401, `expected 200 until refused, got ${last.status}`);
      } while (last.status === 200 && Date.now() < until);
      assert.equal(last.status, 401);
      assert.match(last.headers.get('www-authenticate'), /^Bearer error="invalid_token"/);
    } finally {
      await child.kill();
    }
  });

  test('with our host down past the staleness bound tokens get 503, and are accepted again once it is back', async () => {
    const { access_token: token } = await service.login(await service.newUser());
    await assertAccepted(token);

    await service.host.kill();

    // No call to our host per request: the token is still decided from the revocation state.
    await assertAccepted(token);
    let last;
    const end = Date.now() + refusalLimitMs;
    do {
      last = await hello(token);
      assert.ok(last.status === 200 || last.status === 503, `expected 200 until stale, then 503; got ${last.status}`);
      if (last.status === 503) break;
      await new Promise((res) => setTimeout(res, 50));
    } while (Date.now() < end);
    assert.equal(last.status, 503, 'the token is answered 503 once the revocation state is stale');
    assert.equal(last.headers.get('retry-after'), '3');
    assert.equal(last.headers.get('content-type'), 'application/problem+json');
    assert.equal((await last.json()).code, 'temporarily_unavailable');
    assert.equal(auth.health().status, 'unhealthy');

    await service.startHost();
    const back = Date.now() + refusalLimitMs;
    while ((await hello(token)).status !== 200 && Date.now() < back) {
      await new Promise((res) => setTimeout(res, 50));
    }

    await assertAccepted(token);
    assert.equal(auth.health().status, 'healthy');
  });
});
