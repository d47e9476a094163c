import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { deepMerge, loadConfig, PROJECT_ROOT } from '../../src/config/load-config';
import { startNode, type RunningNode, type StartOptions } from '../../src/node/start-node';
import { freePort } from './free-port';
import { startProcess, type TrackedProcess } from './processes';
import { TEST_TEAMS, passwordOf, testUsersConfig } from './users';
import { waitFor } from './wait';

export interface TestNode {
  readonly url: string;
  readonly wsUrl: string;
  readonly port: number;
  readonly dataDir: string;
  /** Logs in a test user (password `<name>-pw`) and returns the token. */
  login(username: string, password?: string): Promise<string>;
  stop(): Promise<void>;
}

function baseOverrides(dataDir: string, extra: Record<string, unknown>): Record<string, unknown> {
  return deepMerge(
    {
      node: { host: '127.0.0.1', port: 0, dataDir },
      log: { level: 'warn', pretty: false },
      auth: { enrollmentSecret: 'test-enroll-secret' },
      teams: TEST_TEAMS,
      users: testUsersConfig(),
    },
    extra,
  );
}

async function login(url: string, username: string, password = passwordOf(username)): Promise<string> {
  const res = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  const body = (await res.json()) as { token?: string; code?: string };
  if (!res.ok || !body.token) throw new Error(`login ${username} failed: ${res.status} ${JSON.stringify(body)}`);
  return body.token;
}

/** A real node inside the test process (port 0, temp data dir, test users and teams). */
export async function startInProcessNode(overrides: Record<string, unknown> = {}, options: StartOptions = {}): Promise<TestNode & { node: RunningNode }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tandem-node-'));
  const config = loadConfig({ env: {}, overrides: baseOverrides(dataDir, overrides) });
  const node = await startNode(config, options);
  return {
    node,
    url: node.url,
    wsUrl: node.url.replace(/^http/, 'ws'),
    port: node.port,
    dataDir,
    login: (u, p) => login(node.url, u, p),
    stop: async () => {
      await node.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A real node as a child process (`node dist/main.js`), as an operator would run it. */
export async function startChildNode(options: { env?: Record<string, string>; overrides?: Record<string, unknown>; port?: number } = {}): Promise<TestNode & { process: TrackedProcess }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tandem-node-'));
  const port = options.port ?? (await freePort());
  const configFile = join(dataDir, 'test-config.yaml');
  writeFileSync(configFile, stringify(baseOverrides(dataDir, options.overrides ?? {})));
  const proc = startProcess('tandem-node', process.execPath, [resolve(PROJECT_ROOT, 'dist', 'main.js')], {
    env: { ...process.env, TANDEM_CONFIG: configFile, TANDEM_PORT: String(port), TANDEM_LOG_PRETTY: 'false', ...options.env },
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(`node on ${url}/healthz`, async () => {
      if (proc.child.exitCode !== null) throw new Error(`node exited ${proc.child.exitCode}: ${proc.output().slice(-2000)}`);
      return (await fetch(`${url}/healthz`)).ok;
    }, 20000, 50);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return {
    process: proc,
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    port,
    dataDir,
    login: (u, p) => login(url, u, p),
    stop: async () => {
      await proc.stop(10000);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
