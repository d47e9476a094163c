/*
 * bench/bus-gap: what a node pays to catch up after its Redis pub/sub connection dropped (docs/cluster.md,
 * "When the bus drops"). Two child nodes on one Redis; node A reaches Redis through a proxy the bench
 * cuts. `--sessions` sessions run with their technician on B and their desktop on A; while A is cut off,
 * B commits one chat line in `--changed` of them; then A may reconnect. Printed: A's own log line (how
 * long its catch-up took, how many sessions it read and caught up) and the time from the reconnect being
 * allowed to the last desktop on A having its missed line (reconnect backoff included).
 * Run with `npm run bench`, or alone after `tsc -p tsconfig.bench.json`:
 *   node build/bench/bench/bus-gap.js --sessions 200 --changed 200
 */
import { busChannel } from '../src/cluster/redis/keys';
import { startChildNode, type TestNode } from '../test/support/node';
import { agent, person, type TestAgent } from '../test/support/people';
import type { TrackedProcess } from '../test/support/processes';
import { startRedis } from '../test/support/redis';
import { askRedis } from '../test/support/sentinel';
import { startTcpProxy } from '../test/support/tcp-proxy';
import { waitFor } from '../test/support/wait';

type Child = TestNode & { process: TrackedProcess };
const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const log = (s: string): void => void process.stdout.write(`${s}\n`);
// One technician drives every session: its connection may send far more than a person would.
const cluster = (url: string) => ({
  auth: { jwtSecret: 'bench-bus-gap-secret-0123456789' }, store: { redis: { url } }, ws: { rateLimit: { messagesPerSecond: 100_000, burst: 100_000 } },
});

/** Runs `fn` over 0..n-1, `inFlight` at a time. */
async function each(n: number, inFlight: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, inFlight) }, async () => {
    while (next < n) await fn(next++);
  }));
}

async function main(): Promise<void> {
  const sessions = arg('sessions', 200);
  const changed = Math.min(sessions, arg('changed', sessions));
  const redis = await startRedis();
  const proxy = await startTcpProxy(redis.port);
  const nodes: Child[] = [];
  try {
    const b = await startChildNode({ overrides: cluster(redis.url) });
    nodes.push(b);
    const a = await startChildNode({ overrides: { ...cluster(`redis://127.0.0.1:${proxy.port}`), log: { level: 'info' } } });
    nodes.push(a);
    const alice = await person(b, 'alice');
    await alice.ask('online.list', {});
    const desks: Array<{ desk: TestAgent; sessionId: string }> = [];
    const t0 = Date.now();
    await each(sessions, 8, async (i) => {
      const desk = await agent(a, `bench-gap-${i}`, String(300000 + i));
      const { sessionId } = await alice.ask('assist.request', { agentId: desk.agentId }, 20_000);
      await desk.ws.ask('assist.respond', { sessionId, allow: true }, 20_000);
      await desk.ws.next('session.state', (s) => s.sessionId === sessionId && s.status === 'active', 20_000);
      desks[i] = { desk, sessionId };
    });
    log(`  ${sessions} sessions (technician on B, desktop on A) set up in ${Date.now() - t0} ms`);

    const subscribers = async (): Promise<number> => ((await askRedis(redis.port, 'PUBSUB', 'NUMSUB', busChannel('commits'))) as [string, number])[1];
    await proxy.cut();
    await waitFor('Redis to drop A\'s subscriber', async () => (await subscribers()) === 1);
    await each(changed, 16, async (i) => {
      await alice.ask('chat.send', { sessionId: desks[i]!.sessionId, text: `missed ${i}` }, 20_000);
    });
    const restored = Date.now();
    proxy.restore();
    await each(changed, 64, async (i) => {
      await desks[i]!.desk.ws.next('session.event', (e) => e.type === 'ChatSent' && e.text === `missed ${i}`, 30_000);
    });
    const delivered = Date.now() - restored;
    const line = await waitFor('A\'s catch-up log line', () => [...a.process.output().matchAll(/bus gap: [^"]*/g)].pop()?.[0], 10_000);
    log(`  A: ${line}`);
    log(`  reconnect allowed → last of ${changed} missed chat lines on A's desktops: ${delivered} ms`);
    for (const { desk } of desks) await desk.ws.close();
    await alice.close();
  } finally {
    for (const n of nodes.reverse()) await n.stop();
    await proxy.close();
    await redis.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err instanceof Error ? err.stack : err)}\n`);
  process.exit(1);
});
