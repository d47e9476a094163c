import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { freePort } from './free-port';
import { startProcess, type TrackedProcess } from './processes';
import { redisCommand } from './redis';
import { waitFor } from './wait';

/** One redis-server of the group. */
export interface GroupServer {
  readonly port: number;
  readonly process: TrackedProcess;
}

export interface SentinelGroup {
  readonly masterName: string;
  /** Where clients find the group (what RedisConfig.sentinels takes). */
  readonly sentinels: Array<{ host: string; port: number }>;
  readonly primary: GroupServer;
  readonly replica: GroupServer;
  readonly sentinelProcesses: TrackedProcess[];
  /** Every PID the group started. */
  pids(): number[];
  /** The primary's port as the sentinels report it now (asks the first sentinel that answers). */
  masterPort(): Promise<number | null>;
  /** SIGKILLs the primary (no shutdown, no last sync) and resolves once it is gone. */
  killPrimary(): Promise<void>;
  /** Starts a server again on the killed primary's port, as a replica of the current primary. */
  revivePrimary(): Promise<void>;
  /** Kills every process by PID and removes the temp dirs. Idempotent. */
  stop(): Promise<void>;
}

const MASTER = 'mymaster';

/** Runs one command on a server or sentinel and returns the full reply (redisCommand sees one line). */
export async function askRedis(port: number, ...args: string[]): Promise<unknown> {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false, protocol: 2 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.call(args[0]!, ...args.slice(1));
  } finally {
    client.disconnect();
  }
}

/** A flat [k1, v1, k2, v2, …] reply as a record. */
function record(reply: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const flat = reply as string[];
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
}

function startServer(name: string, port: number, dir: string, extra: string[] = []): TrackedProcess {
  // Diskless sync waits 5 s by default for more replicas to join; one replica need not wait.
  return startProcess(name, 'redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir,
    '--repl-diskless-sync-delay', '0', ...extra,
  ]);
}

/**
 * A primary, one replica and three sentinels (quorum 2), all real processes on free loopback ports
 * in a temp dir, with failover tuned for tests (down after 1 s, failover timeout 3 s). Resolves once
 * the replica is in sync and every sentinel knows the primary, the replica and the other two.
 */
export async function startSentinelGroup(): Promise<SentinelGroup> {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-sentinel-'));
  const started: TrackedProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(started.map((p) => p.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const [primaryPort, replicaPort, ...sentinelPorts] = await distinctFreePorts(5);
    const primaryProc = startServer('redis-primary', primaryPort!, dir);
    started.push(primaryProc);
    await waitFor(`primary on ${primaryPort}`, async () => (await redisCommand(primaryPort!, 'PING')) === '+PONG', 10000);
    // A replica needs its own dir: both would write dump files of the same name otherwise.
    const replicaDir = join(dir, 'replica');
    mkdirSync(replicaDir);
    const replicaProc = startServer('redis-replica', replicaPort!, replicaDir, ['--replicaof', '127.0.0.1', String(primaryPort)]);
    started.push(replicaProc);
    // Sentinels learn replicas from the primary's INFO; a linked replica is seen on their first look.
    await waitFor('the replica to be in sync', () => replicaLinkUp(replicaPort!), 15000, 50);

    const sentinels = sentinelPorts.map((port, i) => {
      const conf = join(dir, `sentinel-${i}.conf`);
      writeFileSync(conf, [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${MASTER} 127.0.0.1 ${primaryPort} 2`,
        `sentinel down-after-milliseconds ${MASTER} 1000`,
        `sentinel failover-timeout ${MASTER} 3000`,
        `sentinel parallel-syncs ${MASTER} 1`,
        '',
      ].join('\n'));
      const proc = startProcess(`redis-sentinel-${i}`, 'redis-sentinel', [conf]);
      started.push(proc);
      return { port: port!, proc };
    });
    await waitFor('every sentinel to see the primary, the replica and the other sentinels', async () => {
      for (const s of sentinels) {
        const m = record(await askRedis(s.port, 'SENTINEL', 'MASTER', MASTER));
        if (m['num-slaves'] !== '1' || m['num-other-sentinels'] !== '2' || m.port !== String(primaryPort)) return false;
      }
      return true;
    }, 20000, 100);

    const group: SentinelGroup = {
      masterName: MASTER,
      sentinels: sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })),
      primary: { port: primaryPort!, process: primaryProc },
      replica: { port: replicaPort!, process: replicaProc },
      sentinelProcesses: sentinels.map((s) => s.proc),
      pids: () => started.map((p) => p.pid),
      masterPort: async () => {
        for (const s of sentinels) {
          try {
            const addr = (await askRedis(s.port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER)) as string[] | null;
            if (addr) return Number(addr[1]);
          } catch {
            // Try the next sentinel.
          }
        }
        return null;
      },
      killPrimary: async () => {
        primaryProc.child.kill('SIGKILL');
        await primaryProc.stop();
      },
      revivePrimary: async () => {
        const master = await waitFor('a promoted primary', () => group.masterPort().then((p) => (p && p !== primaryPort ? p : null)), 20000, 100);
        const revivedDir = join(dir, `revived-${Date.now()}`);
        mkdirSync(revivedDir);
        const proc = startServer('redis-revived', primaryPort!, revivedDir, ['--replicaof', '127.0.0.1', String(master)]);
        started.push(proc);
        await waitFor('the revived server to be in sync', () => replicaLinkUp(primaryPort!), 15000, 50);
      },
      stop,
    };
    return group;
  } catch (err) {
    const output = started.map((p) => `--- ${p.name}\n${p.output().slice(-2000)}`).join('\n');
    await stop();
    throw new Error(`${String(err)}\n${output}`, { cause: err });
  }
}

async function replicaLinkUp(port: number): Promise<boolean> {
  const info = String(await askRedis(port, 'INFO', 'replication'));
  return /master_link_status:up/.test(info);
}

/** `n` different free ports (one at a time, so the OS cannot hand the same one out twice). */
async function distinctFreePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}
