/**
 * Remote assistance requests, their mail outbox and the entry points at 1×, 10× and 100× (docs/requests-at-scale.md):
 *   (a) `request.list` with 100, 1,000 and 10,000 open requests filed beforehand: on the embedded (memory)
 *       store, and on a real redis-server with two nodes — on the node that filed them (their actors are
 *       live there) and on the other node (no lease: it reads each request from the store);
 *   (b) `request.file` and `request.edit` commands/s with the mail outbox pointing to a real SMTP server vs
 *       mail off, and how fast the outbox hands the mails to the server;
 *   (c) `jump.list`, `support-button.list` with 1,000 pins and 1,000 buttons (one `entry:all` stream), and `queue.list`.
 * Every figure sits next to a raw `ws` server measured in the same run that answers the same request with a
 * reply of the same size, with the same number in flight. Prints; never judges. Loopback only.
 *
 *   npm run bench            node build/bench/bench/requests.js [--sizes 100,1000,10000] [--no-redis]
 */
import http from 'node:http';
import { execFileSync } from 'node:child_process';
import WebSocket from 'ws';
import { startRedis, type TestRedis } from '../test/support/redis';
import { startInProcessNode, type TestNode } from '../test/support/node';
import { startSmtpSink } from '../test/support/smtp-sink';

const argAt = process.argv.indexOf('--sizes');
const SIZES = (argAt > 0 ? process.argv[argAt + 1]! : '100,1000,10000').split(',').map(Number);
const REDIS = !process.argv.includes('--no-redis');
const FILE_WINDOW = 32;
const MAIL_N = 500;
const ENTRY_N = 1000;
/** How many `request.list` calls per size (one at a time): bounded so that 10,000 stays within seconds. */
const listCalls = (n: number): number => (n <= 100 ? 100 : n <= 1000 ? 20 : 5);
const NO_LIMIT = { ws: { rateLimit: { messagesPerSecond: 1_000_000, burst: 1_000_000 } }, log: { level: 'error' } };

interface Result { perSecond: number; p50: number; p99: number; bytes: number }
type Conn = WebSocket;

const t0 = performance.now();
const progress = (msg: string): void => console.log(`  [${((performance.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${msg}`);

function open(url: string, token?: string): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Sends `make(i)` n times, at most `window` in flight; the reply to each is the message carrying its id. */
async function drive(ws: Conn, n: number, window: number, make: (i: number) => string): Promise<Result> {
  const sentAt = new Map<string, bigint>();
  const latencies: number[] = [];
  let next = 0;
  let done = 0;
  let bytes = 0;
  let failed: string | null = null;
  const start = process.hrtime.bigint();
  await new Promise<void>((resolve, reject) => {
    const pump = (): void => {
      while (next < n && next - done < window) {
        sentAt.set(`b${next}`, process.hrtime.bigint());
        ws.send(make(next));
        next++;
      }
    };
    const onMessage = (raw: Buffer): void => {
      const s = raw.toString();
      // Replies carry the id; pushes (request.changed, queue.changed) do not.
      const m = /"id":"(b\d+)"/.exec(s.length > 200 ? s.slice(0, 100) + s.slice(-100) : s);
      if (!m) return;
      const at = sentAt.get(m[1]!);
      if (at === undefined) return;
      if (s.includes('"event":"error"') && failed === null) failed = s.slice(0, 300);
      sentAt.delete(m[1]!);
      bytes = raw.length;
      latencies.push(Number(process.hrtime.bigint() - at) / 1e6);
      if (++done === n) {
        ws.off('message', onMessage);
        resolve();
      } else pump();
    };
    ws.on('message', onMessage);
    ws.once('close', () => reject(new Error('socket closed during the run')));
    pump();
  });
  if (failed) throw new Error(`a command failed: ${failed}`);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  latencies.sort((a, b) => a - b);
  const pct = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
  return { perSecond: n / seconds, p50: pct(50), p99: pct(99), bytes };
}

/** The same-run baseline: a raw `ws` server answering each message with `replyBytes` of JSON carrying its id. */
async function baseline(request: string, replyBytes: number, n: number, window: number): Promise<Result> {
  const server = http.createServer();
  const wss = new WebSocket.Server({ server });
  const pad = 'x'.repeat(Math.max(0, replyBytes - 40));
  wss.on('connection', (ws) => ws.on('message', (m: Buffer) => {
    const id = /"id":"(b\d+)"/.exec(m.toString())![1];
    ws.send(`{"event":"ack","id":"${id}","data":"${pad}"}`);
  }));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const ws = await open(`ws://127.0.0.1:${(server.address() as { port: number }).port}`);
  const r = await drive(ws, n, window, (i) => request.replace('"id":"b0"', `"id":"b${i}"`));
  ws.close();
  wss.close();
  server.close();
  return r;
}

const msg = (event: string, data: unknown) => (i: number): string => JSON.stringify({ event, data, id: `b${i}` });

/** Tandem next to its baseline (same request, same reply size, same in flight). */
async function compare(name: string, ws: Conn, n: number, window: number, make: (i: number) => string): Promise<{ t: Result; b: Result }> {
  const t = await drive(ws, n, window, make);
  const b = await baseline(make(0), t.bytes, n, window);
  const kib = t.bytes >= 10240 ? `${(t.bytes / 1024).toFixed(0)} KiB` : `${t.bytes} B`;
  console.log(`  ${name.padEnd(44)} ${t.perSecond.toFixed(0).padStart(7)} /s  p50 ${t.p50.toFixed(2).padStart(8)} ms  p99 ${t.p99.toFixed(2).padStart(8)} ms  reply ${kib.padStart(9)} | raw ws ${b.perSecond.toFixed(0).padStart(6)} /s p50 ${b.p50.toFixed(2).padStart(6)} ms | ratio ${(t.perSecond / b.perSecond).toFixed(3)}×, p50 ${(t.p50 / b.p50).toFixed(1)}×`);
  return { t, b };
}

async function enrollAgent(t: TestNode, hostname: string): Promise<{ agentId: string; ws: Conn }> {
  const res = await fetch(`${t.url}/api/agents/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ hostname, secret: 'test-enroll-secret' }) });
  const body = (await res.json()) as { agentId: string; token: string };
  const ws = await open(`${t.wsUrl}/ws/agent`, body.token);
  await drive(ws, 1, 1, msg('agent.hello', { hostname, osUser: 'bench', os: 'Linux', version: '0', pin: '424242', displays: [] }));
  return { agentId: body.agentId, ws };
}

async function console_(t: TestNode, user: string): Promise<Conn> {
  return open(`${t.wsUrl}/ws/console`, await t.login(user));
}

/** Files requests from `from` up to `to` (window 32); returns commands/s. */
async function fileUpTo(ws: Conn, agentId: string, from: number, to: number): Promise<Result> {
  return drive(ws, to - from, FILE_WINDOW, (i) => JSON.stringify({ event: 'request.file', data: { agentId, description: `Printer on floor ${from + i} jams`, availableFrom: '*', oneTime: false }, id: `b${i}` }));
}

/** Redis commands by name over `ms` of idling (INFO commandstats before and after). */
function commandStats(port: number): Map<string, number> {
  const out = execFileSync('redis-cli', ['-p', String(port), 'INFO', 'commandstats']).toString();
  const m = new Map<string, number>();
  for (const line of out.split('\n')) {
    const r = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
    if (r) m.set(r[1]!, Number(r[2]));
  }
  return m;
}

async function idleCommands(port: number, ms: number): Promise<string> {
  const before = commandStats(port);
  await new Promise((r) => setTimeout(r, ms));
  const after = commandStats(port);
  const deltas = [...after].map(([k, v]) => [k, (v - (before.get(k) ?? 0)) / (ms / 1000)] as const).filter(([k, v]) => v > 0 && k !== 'info').sort((a, b) => b[1] - a[1]);
  const total = deltas.reduce((s, [, v]) => s + v, 0);
  return `${total.toFixed(0)} commands/s (${deltas.slice(0, 4).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')})`;
}

async function requestsOnMemory(): Promise<void> {
  progress('(a) request.list on the embedded store: starting a node');
  const t = await startInProcessNode(NO_LIMIT);
  try {
    const desk = await enrollAgent(t, 'bench-desk');
    const sam = await console_(t, 'sam');
    let filed = 0;
    for (const n of SIZES) {
      const f = await fileUpTo(sam, desk.agentId, filed, n);
      filed = n;
      progress(`filed ${n} requests (request.file ${f.perSecond.toFixed(0)}/s, p50 ${f.p50.toFixed(1)} ms, 32 in flight)`);
      await compare(`request.list, ${n} open, memory, 1 in flight`, sam, listCalls(n), 1, msg('request.list', {}));
    }
    for (const ws of [sam, desk.ws]) ws.close();
  } finally {
    await t.stop();
  }
}

async function requestsOnRedis(): Promise<void> {
  if (!REDIS) return;
  try {
    execFileSync('redis-cli', ['--version']);
  } catch {
    console.log('  (no redis-cli/redis-server: Redis stage skipped)');
    return;
  }
  progress('(a) request.list on a real redis-server, two nodes: starting');
  const redis: TestRedis = await startRedis();
  const store = { store: { redis: { url: redis.url } } };
  const a = await startInProcessNode({ ...NO_LIMIT, ...store });
  const b = await startInProcessNode({ ...NO_LIMIT, ...store });
  let stopped = false;
  try {
    const desk = await enrollAgent(a, 'bench-desk-r');
    const samA = await console_(a, 'sam');
    const samB = await console_(b, 'sam');
    let filed = 0;
    for (const n of SIZES) {
      const f = await fileUpTo(samA, desk.agentId, filed, n);
      filed = n;
      progress(`filed ${n} requests on node A (request.file ${f.perSecond.toFixed(0)}/s, p50 ${f.p50.toFixed(1)} ms); Redis while idle: ${await idleCommands(redis.port, 2000)}`);
      // Past store.requestActorIdleMs (5 s) and one sweep: the request actors have given up their leases.
      await new Promise((r) => setTimeout(r, 6000));
      progress(`8 s after filing (request actors idle past store.requestActorIdleMs), Redis while idle: ${await idleCommands(redis.port, 2000)}`);
      await compare(`request.list, ${n} open, redis, filing node`, samA, listCalls(n), 1, msg('request.list', {}));
      await compare(`request.list, ${n} open, redis, other node`, samB, listCalls(n), 1, msg('request.list', {}));
      progress(`after the lists, Redis while idle: ${await idleCommands(redis.port, 2000)}`);
    }
    // Node A goes (its leases released): every request is cold. One list on B, then what B keeps doing.
    samA.close();
    await a.stop();
    stopped = true;
    await compare(`request.list, ${filed} open, redis, cold (A gone)`, samB, 1, 1, msg('request.list', {}));
    progress(`after one cold list on node B, Redis while idle: ${await idleCommands(redis.port, 2000)}`);
    await compare(`request.list, ${filed} open, redis, B again`, samB, listCalls(filed), 1, msg('request.list', {}));
    for (const ws of [samB, desk.ws]) ws.close();
  } finally {
    if (!stopped) await a.stop();
    await b.stop();
    await redis.stop();
  }
}

async function mail(): Promise<void> {
  progress(`(b) request.file + request.edit, mail off vs on (real SMTP server), ${MAIL_N} each`);
  const sink = await startSmtpSink();
  try {
    for (const on of [false, true]) {
      const t = await startInProcessNode({ ...NO_LIMIT, ...(on ? { mail: { host: '127.0.0.1', port: sink.port, from: 'helpdesk@corp.test' } } : {}) });
      try {
        const desk = await enrollAgent(t, 'bench-mail');
        const sam = await console_(t, 'sam');
        const label = on ? 'mail on ' : 'mail off';
        const ids: string[] = [];
        const collect = (raw: Buffer): void => {
          const m = /"requestId":"([^"]+)"/.exec(raw.toString());
          if (m && raw.toString().startsWith('{"event":"ack"')) ids.push(m[1]!);
        };
        sam.on('message', collect);
        const start = performance.now();
        await compare(`request.file, ${label}, 32 in flight`, sam, MAIL_N, FILE_WINDOW, (i) => JSON.stringify({ event: 'request.file', data: { agentId: desk.agentId, description: `Mail ${i}`, availableFrom: '*', oneTime: false, email: `owner${i}@example.test` }, id: `b${i}` }));
        sam.off('message', collect);
        const unique = [...new Set(ids)];
        await compare(`request.edit (assign to bob), ${label}`, sam, unique.length, FILE_WINDOW, (i) => JSON.stringify({ event: 'request.edit', data: { requestId: unique[i], assignee: 'bob' }, id: `b${i}` }));
        if (on) {
          // A filing mails its owner; an assignment the owner and bob: 3 mails per request.
          const expected = unique.length * 3;
          const deadline = Date.now() + 20_000;
          while (sink.mails.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
          const s = (performance.now() - start) / 1000;
          console.log(`  outbox → SMTP server: ${sink.mails.length}/${expected} mails received within ${s.toFixed(1)} s of the first command (bounded wait): ${(sink.mails.length / s).toFixed(0)} mails/s (one sender node, a pool of up to 4 SMTP connections)`);
        }
        for (const ws of [sam, desk.ws]) ws.close();
      } finally {
        await t.stop();
      }
    }
  } finally {
    await sink.stop();
  }
}

async function entryPoints(): Promise<void> {
  progress(`(c) entry points: ${ENTRY_N} jump clients and ${ENTRY_N} support buttons in the one entry:all stream`);
  const t = await startInProcessNode(NO_LIMIT);
  try {
    const desk = await enrollAgent(t, 'bench-entry');
    const alice = await console_(t, 'alice');
    // A session with its customer in it, from which alice pins and deploys.
    let sessionId = '';
    const grab = (raw: Buffer): void => { const m = /"sessionId":"([^"]+)"/.exec(raw.toString()); if (m) sessionId ||= m[1]!; };
    alice.on('message', grab);
    await drive(alice, 1, 1, msg('assist.request', { agentId: desk.agentId }));
    alice.off('message', grab);
    await drive(desk.ws, 1, 1, msg('assist.respond', { sessionId, allow: true }));
    const expiresAt = new Date(Date.now() + 24 * 3600 * 1000).toISOString();
    const pin = await drive(alice, ENTRY_N, FILE_WINDOW, msg('jump.pin', { sessionId, location: { kind: 'personal' }, consent: 'ask' }));
    progress(`pinned ${ENTRY_N} jump clients (jump.pin ${pin.perSecond.toFixed(0)}/s, p50 ${pin.p50.toFixed(1)} ms, p99 ${pin.p99.toFixed(1)} ms)`);
    const dep = await drive(alice, ENTRY_N, FILE_WINDOW, msg('support-button.deploy', { sessionId, name: 'Helpdesk', profile: 'default', queue: { kind: 'team', teamId: 'helpdesk' }, expiresAt }));
    progress(`deployed ${ENTRY_N} support buttons (support-button.deploy ${dep.perSecond.toFixed(0)}/s, p50 ${dep.p50.toFixed(1)} ms, p99 ${dep.p99.toFixed(1)} ms)`);
    await compare(`jump.list, ${ENTRY_N} pins, 1 in flight`, alice, 50, 1, msg('jump.list', {}));
    await compare(`support-button.list, ${ENTRY_N} buttons, 1 in flight`, alice, 50, 1, msg('support-button.list', {}));
    await compare('queue.list, 1 live session, 1 in flight', alice, 200, 1, msg('queue.list', {}));
    for (const ws of [alice, desk.ws]) ws.close();
  } finally {
    await t.stop();
  }
}

async function main(): Promise<void> {
  console.log(`bench/requests: sizes ${SIZES.join(', ')}; each row: Tandem, then a raw ws server answering the same request with a reply of the same size`);
  await requestsOnMemory();
  await requestsOnRedis();
  await mail();
  await entryPoints();
  progress('done');
}

void main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
