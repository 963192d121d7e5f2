// The real service for the package's tests, as separate processes: Azurite (the repository's install,
// in memory, on a free loopback port), our standalone host (src/ServerlessAuth.WebHost, Release build)
// over plain http on loopback, and the admin CLI. Every process started here is killed at the end,
// whatever happened, also when the test process exits early.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';

export const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const startTimeoutMs = 180_000;
const running = new Set();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

// Settings a developer's shell might carry: none may leak into a run.
const inheritedPrefixes = ['AuthStorage', 'Auth__', 'Auth:', 'SigningKeys', 'Revocation', 'ServerlessAuth', 'Logging', 'Kestrel',
  'AZURE_', 'DOTNET_ENVIRONMENT', 'ASPNETCORE_', 'Urls', 'SSL_CERT_'];

function cleanEnvironment(extra) {
  const env = Object.fromEntries(Object.entries(process.env)
    .filter(([name]) => !inheritedPrefixes.some((p) => name.toLowerCase().startsWith(p.toLowerCase()))));
  return { ...env, ...extra };
}

export async function freePort() {
  const server = createServer();
  await new Promise((res, rej) => { server.once('error', rej); server.listen(0, '127.0.0.1', res); });
  const { port } = server.address();
  await new Promise((res) => server.close(res));
  return port;
}

export function buildOutput(project, dll) {
  const path = join(repositoryRoot, 'src', project, 'bin', 'Release', 'net10.0', dll);
  if (!existsSync(path)) {
    throw new Error(`${path} is missing: build it first (dotnet build src/${project} -c Release; scripts/test.sh does).`);
  }

  return path;
}

/** A child process with its output kept for failure messages. */
export class Child {
  constructor(name, command, args, env, cwd) {
    this.name = name;
    this.output = '';
    this.process = spawn(command, args, { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    running.add(this.process);
    this.exited = new Promise((res) => this.process.once('exit', (code, signal) => {
      running.delete(this.process);
      this.exitCode = code ?? signal;
      res();
    }));
    for (const stream of [this.process.stdout, this.process.stderr]) {
      stream.setEncoding('utf8');
      stream.on('data', (text) => { this.output += text; });
    }
  }

  get hasExited() {
    return this.exitCode !== undefined;
  }

  describe() {
    return `--- ${this.name} (${this.hasExited ? `exited: ${this.exitCode}` : `running, pid ${this.process.pid}`}) ---\n${this.output.slice(-4000)}\n--- end of ${this.name} ---`;
  }

  async kill() {
    if (!this.hasExited) this.process.kill('SIGKILL');
    await this.exited;
  }
}

async function waitFor(what, check, child) {
  const end = Date.now() + startTimeoutMs;
  let last = 'no answer yet';
  while (Date.now() < end) {
    if (child?.hasExited) throw new Error(`${child.name} exited before ${what}.\n${child.describe()}`);
    try {
      if (await check()) return;
    } catch (error) {
      last = error.message;
    }

    await new Promise((res) => setTimeout(res, 200));
  }

  throw new Error(`Not within ${startTimeoutMs / 1000} s: ${what} (last: ${last}).\n${child?.describe() ?? ''}`);
}

export class RealService {
  static async start({ audience, clientId }) {
    const service = new RealService(audience, clientId);
    try {
      await service.startAll();
      return service;
    } catch (error) {
      await service.stop();
      throw error;
    }
  }

  constructor(audience, clientId) {
    this.audience = audience;
    this.clientId = clientId;
    this.directory = mkdtempSync(join(tmpdir(), 'serverlessauth-node-'));
    this.tablePrefix = `t${randomBytes(6).toString('hex')}`;
    this.password = 'Correct-Horse-Battery-9';
  }

  async startAll() {
    this.azuritePort = await freePort();
    this.hostPort = await freePort();
    this.base = `http://127.0.0.1:${this.hostPort}`;
    this.issuer = `${this.base}/api/auth`;
    const azurite = join(repositoryRoot, 'node_modules', '.bin', 'azurite-table');
    if (!existsSync(azurite)) throw new Error(`${azurite} is missing: run npm ci in the repository root.`);
    this.azurite = new Child('Azurite', azurite, ['--tableHost', '127.0.0.1', '--tablePort', String(this.azuritePort),
      '--inMemoryPersistence', '--skipApiVersionCheck', '--loose', '--silent', '--disableTelemetry'], cleanEnvironment({}), this.directory);
    await waitFor('Azurite listens', () => this.azurite.output.includes(`successfully started on 127.0.0.1:${this.azuritePort}`), this.azurite);
    this.connectionString = 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;'
      + 'AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;'
      + `TableEndpoint=http://127.0.0.1:${this.azuritePort}/devstoreaccount1;`;

    await this.admin(['setup']);
    const added = await this.admin(['clients', 'add', this.clientId, '--description', 'the Node package tests']);
    this.clientSecret = [...added.matchAll(/(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g)].map((m) => m[0]).at(-1);
    if (!this.clientSecret) throw new Error(`No client secret in the output of 'clients add':\n${added}`);
    await this.startHost();
  }

  get settings() {
    return {
      AuthStorage__ConnectionString: this.connectionString,
      AuthStorage__TablePrefix: this.tablePrefix,
      DOTNET_ENVIRONMENT: 'Development',
      Auth__Issuer: this.issuer,
      Auth__Audience: this.audience,
      Auth__PasswordHashIterations: '1000',
    };
  }

  /** Runs the admin CLI to completion; throws with its output unless it exits 0. */
  async admin(args, input = '') {
    const cli = new Child(`admin ${args.join(' ')}`, 'dotnet', [buildOutput('ServerlessAuth.Admin', 'serverlessauth-admin.dll'), ...args],
      cleanEnvironment(this.settings), this.directory);
    cli.process.stdin.end(input);
    const timer = setTimeout(() => cli.kill(), startTimeoutMs);
    await cli.exited;
    clearTimeout(timer);
    if (cli.exitCode !== 0) throw new Error(`The admin CLI failed.\n${cli.describe()}`);
    return cli.output;
  }

  /** Starts (or restarts) our host on its port and waits until it answers healthy. */
  async startHost() {
    await this.host?.kill();
    this.host = new Child('ServerlessAuth host', 'dotnet', [buildOutput('ServerlessAuth.WebHost', 'ServerlessAuth.WebHost.dll')], cleanEnvironment({
      ...this.settings,
      ASPNETCORE_ENVIRONMENT: 'Development',
      Auth__LoginAttemptsPerMinute: '100000',
      Revocation__PollInterval: '00:00:00.200',
      Revocation__StalenessBound: '00:00:20',
      Kestrel__Endpoints__Http__Url: this.base,
      Logging__LogLevel__Default: 'Warning',
    }), this.directory);
    await waitFor('our host answers healthy', async () => (await fetch(`${this.base}/api/health`)).status === 200, this.host);
  }

  async newUser() {
    const username = `u${randomBytes(6).toString('hex')}`;
    await this.admin(['users', 'add', username], `${this.password}\n`);
    return username;
  }

  /** A token pair for the user from our host (no cookies). */
  async login(username) {
    const response = await fetch(`${this.base}/api/auth/login?useCookies=false`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: this.password }),
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`login answered ${response.status}: ${text}\n${this.host.describe()}`);
    return JSON.parse(text);
  }

  async logout(accessToken, scope) {
    const response = await fetch(`${this.base}/api/auth/logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
      body: JSON.stringify({ scope }),
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`logout answered ${response.status}: ${text}`);
  }

  get outputs() {
    return [this.host, this.azurite].filter(Boolean).map((c) => c.describe()).join('\n');
  }

  async stop() {
    await Promise.all([this.host?.kill(), this.azurite?.kill()]);
    rmSync(this.directory, { recursive: true, force: true });
  }
}
