/*
 * bench/cluster: what a cluster operator asks.
 *   1. takeover: kill -9 of the node owning a session → first acknowledged command on another node
 *      (p50/p99 over --kills, default 20), with the default lease TTL;
 *   2. scaling: chat.send commands/s with 1 vs 3 nodes on one Redis, and Redis round trips per command;
 *   3. Redis primary failover (Sentinel) as a client sees it: the longest gap between two acks.
 * Run with `npm run bench` (compiled by tsconfig.bench.json). Ratios only; no thresholds.
 */
import { startChildNode, type TestNode } from '../test/support/node';
import { agent, person, type TestAgent } from '../test/support/people';
import type { TrackedProcess } from '../test/support/processes';
import { startRedis, type TestRedis } from '../test/support/redis';
import { askRedis, startSentinelGroup } from '../test/support/sentinel';
import type { WsTestClient } from '../test/support/ws-client';

type Child = TestNode & { process: TrackedProcess };
const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const SECRET = { auth: { jwtSecret: 'bench-cluster-secret-0123456789' } };
const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const log = (s: string): void => void process.stdout.write(`${s}\n`);

async function takeover(kills: number): Promise<number[]> {
  const redis = await startRedis();
  const over = { ...SECRET, store: { redis: { url: redis.url } } };
  const nodes: Child[] = await Promise.all([0, 1].map(() => startChildNode({ overrides: over })));
  const times: number[] = [];
  try {
    for (let k = 0; k < kills; k++) {
      const [owner, other] = nodes as [Child, Child];
      const tech = await person(owner, 'alice');
      const desk = await agent(other, `bench-takeover-${k}`, String(100000 + k));
      const { sessionId } = await tech.ask('assist.request', { agentId: desk.agentId });
      await desk.ws.ask('assist.respond', { sessionId, allow: true });
      owner.process.child.kill('SIGKILL');
      const t0 = Date.now();
      await desk.ws.ask('chat.send', { sessionId, text: 'after' }, 20_000);
      times.push(Date.now() - t0);
      process.stdout.write(`\r  takeover ${k + 1}/${kills}: ${times[times.length - 1]} ms   `);
      await desk.ws.close();
      await owner.stop();
      nodes.shift();
      nodes.push(await startChildNode({ overrides: over }));
    }
    log('');
  } finally {
    for (const n of nodes) await n.stop();
    await redis.stop();
  }
  return times;
}

async function commandCalls(redis: TestRedis): Promise<number> {
  const info = String(await askRedis(redis.port, 'INFO', 'commandstats'));
  return [...info.matchAll(/calls=(\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
}

async function throughput(nodeCount: number, sessions: number, seconds: number): Promise<{ perSecond: number; roundTrips: number }> {
  const redis = await startRedis();
  const nodes: Child[] = await Promise.all(Array.from({ length: nodeCount }, () => startChildNode({ overrides: { ...SECRET, store: { redis: { url: redis.url } }, ws: { rateLimit: { messagesPerSecond: 100000, burst: 100000 } } } })));
  const clients: Array<{ tech: WsTestClient; desk: TestAgent; sessionId: string }> = [];
  try {
    for (let i = 0; i < sessions; i++) {
      const tech = await person(nodes[i % nodeCount]!, 'alice');
      const desk = await agent(nodes[(i + 1) % nodeCount]!, `bench-tp-${nodeCount}-${i}`, String(200000 + i));
      const { sessionId } = await tech.ask('assist.request', { agentId: desk.agentId });
      await desk.ws.ask('assist.respond', { sessionId, allow: true });
      clients.push({ tech, desk, sessionId });
    }
    const before = await commandCalls(redis);
    const end = Date.now() + seconds * 1000;
    let done = 0;
    await Promise.all(clients.map(async (c) => {
      const lanes = Array.from({ length: 4 }, async () => {
        while (Date.now() < end) {
          await c.tech.ask('chat.send', { sessionId: c.sessionId, text: 'x'.repeat(40) }, 20_000);
          done++;
        }
      });
      await Promise.all(lanes);
    }));
    const calls = (await commandCalls(redis)) - before;
    for (const c of clients) { await c.tech.close(); await c.desk.ws.close(); }
    return { perSecond: done / seconds, roundTrips: calls / done };
  } finally {
    for (const n of nodes) await n.stop();
    await redis.stop();
  }
}

async function primaryFailover(): Promise<{ gapMs: number; lost: number }> {
  const group = await startSentinelGroup();
  const over = { ...SECRET, store: { redis: { sentinels: group.sentinels, masterName: group.masterName, waitReplicas: 1, waitTimeoutMs: 500 } } };
  const nodes: Child[] = await Promise.all([0, 1].map(() => startChildNode({ overrides: over })));
  try {
    const tech = await person(nodes[0]!, 'alice');
    const desk = await agent(nodes[1]!, 'bench-sentinel', '303030');
    const { sessionId } = await tech.ask('assist.request', { agentId: desk.agentId });
    await desk.ws.ask('assist.respond', { sessionId, allow: true });
    let lastAck = Date.now();
    let gap = 0;
    let failures = 0;
    const stopAt = { t: Infinity };
    const loop = (async () => {
      while (Date.now() < stopAt.t) {
        try {
          await desk.ws.ask('chat.send', { sessionId, text: 'tick' }, 10_000);
          const now = Date.now();
          gap = Math.max(gap, now - lastAck);
          lastAck = now;
        } catch {
          failures++;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await new Promise((r) => setTimeout(r, 500));
    await group.killPrimary();
    await new Promise((r) => setTimeout(r, 8000));
    stopAt.t = 0;
    await loop;
    await tech.close();
    await desk.ws.close();
    return { gapMs: gap, lost: failures };
  } finally {
    for (const n of nodes) await n.stop();
    await group.stop();
  }
}

async function main(): Promise<void> {
  const kills = arg('kills', 20);
  log(`bench/cluster: takeover over ${kills} kill -9, throughput 1 vs 3 nodes, Sentinel failover`);
  const times = await takeover(kills);
  log(`takeover kill -9 → first ack   p50 ${pct(times, 50)} ms   p99 ${pct(times, 99)} ms   max ${Math.max(...times)} ms   (lease TTL 2000 ms)`);
  const one = await throughput(1, 12, 5);
  const three = await throughput(3, 12, 5);
  log(`chat.send, 12 sessions × 4 in flight: 1 node ${one.perSecond.toFixed(0)}/s, 3 nodes ${three.perSecond.toFixed(0)}/s → scaling ${(three.perSecond / one.perSecond).toFixed(2)}x`);
  log(`Redis commands per chat.send: 1 node ${one.roundTrips.toFixed(1)}, 3 nodes ${three.roundTrips.toFixed(1)} (INFO commandstats, renewals included)`);
  const fo = await primaryFailover();
  log(`Redis primary killed (Sentinel, WAIT 1): longest gap between acks ${fo.gapMs} ms, ${fo.lost} commands refused meanwhile (retried by the client)`);
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
