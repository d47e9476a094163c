import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';
import { startProcess, type TrackedProcess } from './processes';
import { waitFor } from './wait';

export interface TestRedis {
  readonly port: number;
  readonly url: string;
  readonly process: TrackedProcess;
  stop(): Promise<void>;
}

/** Sends one inline command and resolves the first reply line (enough for PING in the harness). */
export function redisCommand(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = createConnection({ host: '127.0.0.1', port }, () => sock.write(`${command}\r\n`));
    sock.once('data', (d) => { resolve(d.toString().trim()); sock.destroy(); });
    sock.once('error', reject);
  });
}

/** A real redis-server (apt) on a free loopback port, no persistence, in a temp dir; stopped by PID. */
export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tandem-redis-'));
  const proc = startProcess('redis-server', 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir]);
  try {
    await waitFor(`redis on ${port}`, async () => (await redisCommand(port, 'PING')) === '+PONG', 10000);
  } catch (err) {
    await proc.stop();
    throw new Error(`${String(err)}\n${proc.output()}`, { cause: err });
  }
  return {
    port, url: `redis://127.0.0.1:${port}`, process: proc,
    stop: async () => { await proc.stop(); rmSync(dir, { recursive: true, force: true }); },
  };
}
