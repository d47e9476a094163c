#!/usr/bin/env node
/*
 * bench/relay: binary tile frames from one agent relayed by a Tandem node to 1, 10 and 50 viewers
 * (members of the session in observe), against a raw `ws` fan-out server that forwards the same
 * frames to the same number of viewers, measured in the same run. Prints relayed MB/s (bytes that
 * reached viewers, summed) and agent frames/s delivered to every viewer, and Tandem's ratio to the
 * baseline. No thresholds.
 *
 * The servers run in this thread; the agent and the viewers run in a worker thread, so the server
 * under test has a core to itself (on a machine with two or more). The agent keeps at most
 * --window frames ahead of the slowest viewer, so neither server has to drop or queue without end.
 *
 * Each (viewers, server) pair runs --repeat times, alternating baseline and Tandem, and the best
 * run of each is compared (the other runs are printed too): on a shared machine the slow runs
 * measure the neighbours, not the server.
 *   node_modules/.bin/tsc -p tsconfig.build.json && node bench/relay.js [--seconds 3] [--repeat 3] [--tiles 12] [--tile-kb 8] [--window 4] [--viewers 1,10,50]
 *
 * --cross-node instead compares, on a two-node cluster on one Redis (a redis-server started here),
 * viewers on the agent's node (same-node, the baseline) with viewers on the other node (every
 * frame forwarded through Redis), and prints the ratio. Both nodes run in this thread, so the
 * figure includes the receiving node's work on the same core.
 *   node bench/relay.js --cross-node [--viewers 1,10] [--seconds 3] [--repeat 3]
 */
'use strict';
const { Worker, isMainThread, parentPort, workerData } = require('node:worker_threads');
const WebSocket = require('ws');
const { driveFrames } = require('./lib/drive-frames');

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};

if (isMainThread) main().catch((err) => { console.error(err); process.exit(1); });
else load(workerData).then((r) => parentPort.postMessage(r), (err) => parentPort.postMessage({ error: String(err && err.stack || err) }));

// ---------------------------------------------------------------------------------------------
// Main thread: the servers.

async function main() {
  const { mkdtempSync, rmSync } = require('node:fs');
  const { tmpdir } = require('node:os');
  const { join } = require('node:path');
  const bcrypt = require('bcryptjs');
  const { loadConfig } = require('../dist/config/load-config');
  const { startNode } = require('../dist/node/start-node');

  const opts = {
    seconds: Number(arg('seconds', 3)), tiles: Number(arg('tiles', 12)), tileBytes: Number(arg('tile-kb', 8)) * 1024,
    window: Number(arg('window', 4)),
  };
  const repeat = Number(arg('repeat', 3));
  if (process.argv.includes('--cross-node')) return crossNode(opts, repeat, String(arg('viewers', '1,10')).split(',').map(Number));
  const counts = String(arg('viewers', '1,10,50')).split(',').map(Number);
  const most = Math.max(...counts);
  console.log(`bench/relay: ${opts.tiles} tiles × ${opts.tileBytes / 1024} KiB + end-of-frame per frame, ${opts.seconds} s per run, agent ≤ ${opts.window} frames ahead of the slowest viewer`);

  const dataDir = mkdtempSync(join(tmpdir(), 'tandem-bench-'));
  const names = ['owner', ...Array.from({ length: most }, (_v, i) => `v${i + 1}`)];
  const users = names.map((u) => ({ username: u, displayName: u, role: 'technician', teams: ['helpdesk'], passwordHash: bcrypt.hashSync(`${u}-pw`, 4) }));
  const config = loadConfig({ env: {}, overrides: {
    node: { host: '127.0.0.1', port: 0, dataDir }, log: { level: 'error', pretty: false },
    auth: { enrollmentSecret: 'bench-secret' }, users, ws: { rateLimit: { messagesPerSecond: 1000000, burst: 1000000 } },
  } });
  const node = await startNode(config);
  const raw = await rawFanout();

  const rows = [];
  const best = (runs) => runs.reduce((a, b) => (b.mbps > a.mbps ? b : a));
  for (const viewers of counts) {
    const baseRuns = [];
    const tandemRuns = [];
    for (let i = 0; i < repeat; i++) {
      baseRuns.push(await inWorker({ kind: 'raw', url: raw.url, viewers, ...opts }));
      tandemRuns.push(await inWorker({ kind: 'tandem', url: node.url, viewers, ...opts }));
    }
    const base = best(baseRuns);
    const tandem = best(tandemRuns);
    rows.push({ viewers, base, tandem });
    const line = (name, r, runs) => `${name.padEnd(26)} ${r.mbps.toFixed(1).padStart(8)} MB/s  ${r.fps.toFixed(0).padStart(6)} frames/s  (${r.frames} frames, lost ${r.lost}; runs ${runs.map((x) => x.mbps.toFixed(0)).join('/')} MB/s)`;
    console.log(`\n${viewers} viewer${viewers === 1 ? '' : 's'}:`);
    console.log(line('raw ws fan-out (baseline)', base, baseRuns));
    console.log(line('tandem relay', tandem, tandemRuns));
    console.log(`ratio (tandem / baseline): MB/s ${(tandem.mbps / base.mbps).toFixed(3)}x, frames/s ${(tandem.fps / base.fps).toFixed(3)}x`);
  }
  console.log('\nsummary: ' + rows.map((r) => `${r.viewers}v ${(r.tandem.mbps / r.base.mbps).toFixed(2)}x`).join(', '));
  await raw.close();
  await node.close();
  rmSync(dataDir, { recursive: true, force: true });
}

/** Two nodes on one (fresh) redis-server: viewers on the agent's node vs on the other node. */
async function crossNode(opts, repeat, counts) {
  const { mkdtempSync, rmSync } = require('node:fs');
  const { tmpdir } = require('node:os');
  const { join } = require('node:path');
  const { spawn } = require('node:child_process');
  const net = require('node:net');
  const bcrypt = require('bcryptjs');
  const { loadConfig } = require('../dist/config/load-config');
  const { startNode } = require('../dist/node/start-node');
  const most = Math.max(...counts);

  const port = await new Promise((resolve) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => { const p = srv.address().port; srv.close(() => resolve(p)); });
  });
  const redisDir = mkdtempSync(join(tmpdir(), 'tandem-bench-redis-'));
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', redisDir], { stdio: 'ignore' });
  for (let i = 0; ; i++) {
    const up = await new Promise((resolve) => {
      const sock = net.createConnection({ host: '127.0.0.1', port }, () => sock.write('PING\r\n'));
      sock.once('data', (d) => { resolve(d.toString().startsWith('+PONG')); sock.destroy(); });
      sock.once('error', () => resolve(false));
    });
    if (up) break;
    if (i > 200) throw new Error('redis-server did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  const names = ['owner', ...Array.from({ length: most }, (_v, i) => `v${i + 1}`)];
  const users = names.map((u) => ({ username: u, displayName: u, role: 'technician', teams: ['helpdesk'], passwordHash: bcrypt.hashSync(`${u}-pw`, 4) }));
  const dirs = [];
  const start = async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tandem-bench-'));
    dirs.push(dataDir);
    return startNode(loadConfig({ env: {}, overrides: {
      node: { host: '127.0.0.1', port: 0, dataDir }, log: { level: 'error', pretty: false },
      auth: { enrollmentSecret: 'bench-secret', jwtSecret: 'bench-cluster-secret-0123456789' }, users,
      store: { redis: { url: `redis://127.0.0.1:${port}` } },
      ws: { rateLimit: { messagesPerSecond: 1000000, burst: 1000000, framesPerSecond: 1000000, frameBurst: 1000000 } },
    } }));
  };
  const a = await start();
  const b = await start();
  console.log(`bench/relay --cross-node: ${opts.tiles} tiles × ${opts.tileBytes / 1024} KiB + end-of-frame per frame, ${opts.seconds} s per run; agent on node A; viewers on A (same node) or on B (through Redis)`);
  const rows = [];
  const best = (runs) => runs.reduce((x, y) => (y.mbps > x.mbps ? y : x));
  for (const viewers of counts) {
    const sameRuns = [];
    const crossRuns = [];
    for (let i = 0; i < repeat; i++) {
      sameRuns.push(await inWorker({ kind: 'tandem', url: a.url, viewerUrl: a.url, viewers, ...opts }));
      crossRuns.push(await inWorker({ kind: 'tandem', url: a.url, viewerUrl: b.url, viewers, ...opts }));
    }
    const same = best(sameRuns);
    const cross = best(crossRuns);
    rows.push({ viewers, same, cross });
    const line = (name, r, runs) => `${name.padEnd(26)} ${r.mbps.toFixed(1).padStart(8)} MB/s  ${r.fps.toFixed(0).padStart(6)} frames/s  (${r.frames} frames, lost ${r.lost}; runs ${runs.map((x) => x.fps.toFixed(0)).join('/')} frames/s)`;
    console.log(`\n${viewers} viewer${viewers === 1 ? '' : 's'}:`);
    console.log(line('same node (baseline)', same, sameRuns));
    console.log(line('other node, via Redis', cross, crossRuns));
    console.log(`ratio (cross-node / same-node): frames/s ${(cross.fps / same.fps).toFixed(3)}x`);
  }
  console.log('\nsummary (cross-node / same-node frames/s): ' + rows.map((r) => `${r.viewers}v ${(r.cross.fps / r.same.fps).toFixed(2)}x`).join(', '));
  await new Promise((r) => setTimeout(r, 1000)); // the sessions' ends settle before the nodes close
  await b.close();
  await a.close();
  redis.kill('SIGTERM');
  await new Promise((r) => redis.once('exit', r));
  for (const d of [...dirs, redisDir]) rmSync(d, { recursive: true, force: true });
}

/** The baseline: agents on /agent, viewers on /view; every binary message goes to every viewer as is. */
async function rawFanout() {
  const http = require('node:http');
  const server = http.createServer();
  const wss = new WebSocket.Server({ server });
  const viewers = new Set();
  wss.on('connection', (ws, req) => {
    if (req.url.startsWith('/view')) {
      viewers.add(ws);
      ws.on('close', () => viewers.delete(ws));
      return;
    }
    ws.on('message', (data, isBinary) => {
      if (!isBinary) {
        ws.send(data.toString()); // Echo: the agent's ping.
        return;
      }
      for (const v of viewers) if (v.readyState === WebSocket.OPEN) v.send(data, { binary: true });
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((r) => { for (const c of wss.clients) c.terminate(); wss.close(); server.close(r); }),
  };
}

function inWorker(data) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(require('node:path').join(__dirname, 'relay.js'), { workerData: data });
    worker.once('message', (r) => (r.error ? reject(new Error(r.error)) : resolve(r)));
    worker.once('error', reject);
  });
}

// ---------------------------------------------------------------------------------------------
// Worker thread: the agent and the viewers.

function connect(url, token) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

let nextId = 1;
function ask(ws, event, data) {
  return new Promise((resolve, reject) => {
    const id = `b${nextId++}`;
    const on = (raw, isBinary) => {
      if (isBinary) return;
      const m = JSON.parse(raw.toString());
      if (m.id !== id) return;
      ws.off('message', on);
      if (m.event === 'ack') resolve(m.data);
      else reject(new Error(`${event}: ${m.data.code} ${m.data.message}`));
    };
    ws.on('message', on);
    ws.send(JSON.stringify({ event, data, id }));
  });
}

async function post(url, body, token) {
  const res = await globalThis.fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
  const json = await res.json();
  if (!res.ok) throw new Error(`${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Tandem: an enrolled agent, a session with `viewers` members (the owner is one), in observe. Viewers connect to `viewerUrl` (another node of the cluster) when given. */
async function tandemSetup(url, viewers, viewerUrl = url) {
  const wsUrl = url.replace(/^http/, 'ws');
  const viewerWsUrl = viewerUrl.replace(/^http/, 'ws');
  const login = async (u) => (await post(`${viewerUrl}/api/auth/login`, { username: u, password: `${u}-pw` })).token;
  const enrolled = await post(`${url}/api/agents/enroll`, { hostname: `bench-desk-${Date.now()}`, secret: 'bench-secret' });
  const agent = await connect(`${wsUrl}/ws/agent`, enrolled.token);
  await ask(agent, 'agent.hello', { hostname: 'bench-desk', osUser: 'bench', os: 'Linux', version: '0', pin: String(100000 + Math.floor(Math.random() * 899999)), displays: [] });
  const owner = await connect(`${viewerWsUrl}/ws/console`, await login('owner'));
  const { sessionId } = await ask(owner, 'assist.request', { agentId: enrolled.agentId });
  await ask(agent, 'assist.respond', { sessionId, allow: true });
  const views = [owner];
  for (let i = 1; i < viewers; i++) {
    const ws = await connect(`${viewerWsUrl}/ws/console`, await login(`v${i}`));
    const { inviteId } = await ask(owner, 'session.invite', { sessionId, target: { kind: 'representative', userId: `v${i}` } });
    await ask(ws, 'invite.respond', { sessionId, inviteId, accept: true });
    views.push(ws);
  }
  await ask(agent, 'mode.set', { sessionId, mode: 'observe' });
  const end = async () => {
    await ask(owner, 'session.end', { sessionId }).catch(() => undefined);
    for (const ws of [agent, ...views]) ws.close();
  };
  return { agent, views, sessionId, end };
}

async function rawSetup(url, viewers) {
  const wsUrl = url.replace(/^http/, 'ws');
  const agent = await connect(`${wsUrl}/agent`);
  const views = [];
  for (let i = 0; i < viewers; i++) views.push(await connect(`${wsUrl}/view`));
  return { agent, views, sessionId: 's_bench', end: async () => { for (const ws of [agent, ...views]) ws.close(); } };
}

async function load(o) {
  const setup = o.kind === 'tandem' ? await tandemSetup(o.url, o.viewers, o.viewerUrl) : await rawSetup(o.url, o.viewers);
  const { frames, seconds, delivered, frameBytes, lost } = await driveFrames(setup, o, 100);
  await setup.end();
  return { frames, seconds, mbps: delivered / seconds / 1e6, fps: frames / seconds, lost: Math.round(lost / frameBytes) };
}
