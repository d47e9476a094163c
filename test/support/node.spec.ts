import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isAlive } from './processes';
import { startChildNode, startInProcessNode } from './node';

const MAIN = resolve(__dirname, '..', '..', 'dist', 'main.js');

describe('test harness: Tandem node', () => {
  it('starts in-process on a free port, answers /healthz and /readyz, logs a user in', async () => {
    const node = await startInProcessNode();
    try {
      const health = await (await fetch(`${node.url}/healthz`)).json();
      expect(health).toMatchObject({ status: 'ok', node: expect.any(String), version: expect.any(String) });
      const ready = await fetch(`${node.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await node.login('alice')).toMatch(/^ey/);
    } finally {
      await node.stop();
    }
  });

  it('refuses a wrong password with BAD_CREDENTIALS and a malformed body with INVALID_DATA', async () => {
    const node = await startInProcessNode();
    try {
      const post = (body: unknown) => fetch(`${node.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const wrong = await post({ username: 'alice', password: 'nope' });
      expect(wrong.status).toBe(401);
      expect(await wrong.json()).toMatchObject({ code: 'BAD_CREDENTIALS' });
      const bad = await post({ username: 42 });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ code: 'INVALID_DATA' });
    } finally {
      await node.stop();
    }
  });

  it('rate-limits repeated failed logins per user', async () => {
    const node = await startInProcessNode({ auth: { login: { maxAttempts: 3, windowSeconds: 60 } } });
    try {
      const post = () => fetch(`${node.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'bob', password: 'x' }) });
      for (let i = 0; i < 3; i++) expect((await post()).status).toBe(401);
      const blocked = await post();
      expect(blocked.status).toBe(429);
      expect(await blocked.json()).toMatchObject({ code: 'RATE_LIMITED' });
      await expect(node.login('bob')).rejects.toThrow(/429/);
    } finally {
      await node.stop();
    }
  });

  it('runs as a child process, prints the first admin password once, and exits 0 on SIGTERM', async () => {
    const node = await startChildNode({ overrides: { users: [] } });
    await new Promise((r) => setTimeout(r, 100));
    const banner = node.process.output();
    const m = /created user "admin" with password (\S+)/.exec(banner);
    expect(m).not.toBeNull();
    expect(await node.login('admin', m![1])).toMatch(/^ey/);
    const exit = new Promise<number | null>((r) => node.process.child.once('exit', (code) => r(code)));
    node.process.child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(isAlive(node.process.pid)).toBe(false);
    await node.stop();
  });

  it('exits 2 naming TANDEM_PORT when it is not a number', () => {
    const r = spawnSync(process.execPath, [MAIN], { env: { ...process.env, TANDEM_PORT: 'abc' }, encoding: 'utf8', timeout: 15000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('TANDEM_PORT');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('exits 2 reporting an unknown YAML key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-badcfg-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'store:\n  redis:\n    uri: redis://x\n');
    const r = spawnSync(process.execPath, [MAIN], { env: { ...process.env, TANDEM_CONFIG: file }, encoding: 'utf8', timeout: 15000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('store.redis.uri');
    expect(r.stderr).toContain('unknown configuration key');
  });

  it('exits 2 naming a bad Support Button profile', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-badcfg-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'supportButtons:\n  profiles:\n    vpn:\n      description: no title\n');
    const r = spawnSync(process.execPath, [MAIN], { env: { ...process.env, TANDEM_CONFIG: file }, encoding: 'utf8', timeout: 15000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('supportButtons.profiles.vpn.title');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
