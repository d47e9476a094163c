#!/usr/bin/env node
/*
 * bench/commands: chat.send through auth, validation, the session actor, the journal and fan-out to
 * 5 members (plus the agent), against a raw `ws` echo server measured in the same run.
 * Prints commands/s and p50/p99 latency for both, and Tandem's ratio to the baseline. No thresholds.
 *   node bench/commands.js [--n 3000] [--window 32]
 */
'use strict';
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const http = require('node:http');
const bcrypt = require('bcryptjs');
const WebSocket = require('ws');
const { loadConfig } = require('../dist/config/load-config');
const { startNode } = require('../dist/node/start-node');

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg('n', 3000);
const WINDOW = arg('window', 32);
const MEMBERS = ['m1', 'm2', 'm3', 'm4', 'm5'];

function client(url, headers) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Sends `make(i)` N times, at most WINDOW in flight; `isReply(msg)` returns the id it answers. */
async function drive(ws, make, replyId) {
  const sentAt = new Map();
  const latencies = [];
  let next = 0;
  let done = 0;
  const start = process.hrtime.bigint();
  await new Promise((resolve, reject) => {
    const pump = () => {
      while (next < N && next - done < WINDOW) {
        sentAt.set(next, process.hrtime.bigint());
        ws.send(make(next));
        next++;
      }
    };
    ws.on('message', (raw) => {
      const id = replyId(raw);
      if (id === undefined) return;
      const t0 = sentAt.get(id);
      if (t0 === undefined) return;
      sentAt.delete(id);
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (++done === N) resolve();
      else pump();
    });
    ws.once('close', () => reject(new Error('socket closed during the run')));
    pump();
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
  return { perSecond: N / seconds, p50: pct(50), p99: pct(99) };
}

async function baseline() {
  const server = http.createServer();
  const wss = new WebSocket.Server({ server });
  wss.on('connection', (ws) => ws.on('message', (m) => ws.send(m)));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const ws = await client(`ws://127.0.0.1:${server.address().port}`);
  const text = 'x'.repeat(40);
  const result = await drive(ws, (i) => JSON.stringify({ event: 'chat.send', data: { sessionId: 's_bench', text }, id: i }), (raw) => JSON.parse(raw.toString()).id);
  ws.close();
  wss.close();
  server.close();
  return result;
}

async function tandem() {
  const dataDir = mkdtempSync(join(tmpdir(), 'tandem-bench-'));
  const users = ['owner', ...MEMBERS].map((u) => ({ username: u, displayName: u, role: 'technician', teams: ['helpdesk'], passwordHash: bcrypt.hashSync(`${u}-pw`, 4) }));
  const config = loadConfig({ env: {}, overrides: {
    node: { host: '127.0.0.1', port: 0, dataDir }, log: { level: 'error', pretty: false },
    auth: { enrollmentSecret: 'bench-secret' }, users, ws: { rateLimit: { messagesPerSecond: 1000000, burst: 1000000 } },
  } });
  const node = await startNode(config);
  const wsUrl = node.url.replace(/^http/, 'ws');
  const login = async (u) => (await (await globalThis.fetch(`${node.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: u, password: `${u}-pw` }) })).json()).token;
  const ask = (ws, event, data) => new Promise((resolve, reject) => {
    const id = `q${Math.random()}`;
    const on = (raw) => {
      const m = JSON.parse(raw.toString());
      if (m.id !== id) return;
      ws.off('message', on);
      if (m.event === 'ack') resolve(m.data);
      else reject(new Error(`${event}: ${m.data.code}`));
    };
    ws.on('message', on);
    ws.send(JSON.stringify({ event, data, id }));
  });
  const enrolled = await (await globalThis.fetch(`${node.url}/api/agents/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ hostname: 'bench-desk', secret: 'bench-secret' }) })).json();
  const agent = await client(`${wsUrl}/ws/agent`, { authorization: `Bearer ${enrolled.token}` });
  await ask(agent, 'agent.hello', { hostname: 'bench-desk', osUser: 'bench', os: 'Linux', version: '0', pin: '9999', displays: [] });
  const owner = await client(`${wsUrl}/ws/console`, { authorization: `Bearer ${await login('owner')}` });
  const { sessionId } = await ask(owner, 'assist.request', { agentId: enrolled.agentId });
  await ask(agent, 'assist.respond', { sessionId, allow: true });
  const members = [];
  for (const m of MEMBERS.slice(0, 4)) {
    const ws = await client(`${wsUrl}/ws/console`, { authorization: `Bearer ${await login(m)}` });
    const { inviteId } = await ask(owner, 'session.invite', { sessionId, target: { kind: 'representative', userId: m } });
    await ask(ws, 'invite.respond', { sessionId, inviteId, accept: true });
    members.push(ws);
  }
  // Fan-out delivered to every member: count chat events reaching the slowest member.
  let delivered = 0;
  members[members.length - 1].on('message', (raw) => { if (raw.toString().includes('"ChatSent"')) delivered++; });
  const text = 'x'.repeat(40);
  const result = await drive(owner, (i) => JSON.stringify({ event: 'chat.send', data: { sessionId, text }, id: i }), (raw) => {
    const m = JSON.parse(raw.toString());
    return m.event === 'ack' || m.event === 'error' ? m.id : undefined;
  });
  const deadline = Date.now() + 10000;
  while (delivered < N && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  for (const ws of [owner, agent, ...members]) ws.close();
  await node.close();
  rmSync(dataDir, { recursive: true, force: true });
  return { ...result, delivered };
}

(async () => {
  console.log(`bench/commands: ${N} chat.send, ${WINDOW} in flight, 5 members + agent`);
  const base = await baseline();
  const t = await tandem();
  const row = (name, r) => `${name.padEnd(28)} ${r.perSecond.toFixed(0).padStart(9)} /s   p50 ${r.p50.toFixed(2).padStart(7)} ms   p99 ${r.p99.toFixed(2).padStart(7)} ms`;
  console.log(row('raw ws echo (baseline)', base));
  console.log(row('tandem chat.send → 5 members', t));
  console.log(`ratio (tandem / baseline): throughput ${(t.perSecond / base.perSecond).toFixed(3)}x, p50 ${(t.p50 / base.p50).toFixed(1)}x, p99 ${(t.p99 / base.p99).toFixed(1)}x; fan-out delivered ${t.delivered}/${N} to the last member`);
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
