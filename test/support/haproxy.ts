import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';
import { startProcess, type TrackedProcess } from './processes';
import { waitFor } from './wait';

export interface TestHaproxy {
  readonly port: number;
  readonly url: string;
  readonly wsUrl: string;
  readonly process: TrackedProcess;
  stop(): Promise<void>;
}

/**
 * A real HAProxy (apt) in front of Tandem nodes: round robin, no stickiness, WebSocket upgrades passed,
 * backends checked on /readyz every 500 ms so a dead or draining node leaves the rotation quickly.
 */
export async function startHaproxy(backendPorts: number[]): Promise<TestHaproxy> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tandem-haproxy-'));
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(cfg, [
    'global', '  maxconn 4096',
    'defaults', '  mode http', '  timeout connect 2s', '  timeout client 60s', '  timeout server 60s', '  timeout tunnel 1h', '  option redispatch', '  retries 2',
    'frontend tandem', `  bind 127.0.0.1:${port}`, '  default_backend nodes',
    'backend nodes', '  balance roundrobin', '  option httpchk GET /readyz', '  default-server inter 500ms fall 2 rise 1',
    ...backendPorts.map((p, i) => `  server n${i} 127.0.0.1:${p} check`),
    '',
  ].join('\n'));
  const proc = startProcess('haproxy', 'haproxy', ['-db', '-f', cfg]);
  try {
    await waitFor(`haproxy on ${port}`, () => new Promise<boolean>((resolve) => {
      const s = createConnection({ host: '127.0.0.1', port }, () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    }), 10000, 50);
  } catch (err) {
    await proc.stop();
    throw new Error(`${String(err)}\n${proc.output()}`, { cause: err });
  }
  return {
    port, url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}`, process: proc,
    stop: async () => { await proc.stop(); rmSync(dir, { recursive: true, force: true }); },
  };
}
