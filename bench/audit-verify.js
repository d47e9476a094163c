#!/usr/bin/env node
/*
 * bench/audit-verify: what checking the hash chains costs, and what sealing a day in one ledger costs.
 *
 * Writes `--sessions` ended sessions of `--events` chained events each (chat-sized events, ~370 bytes)
 * into a store, each sealed in today's ledger (one ledger stream, as the ledger actor writes it) and
 * seen once by the audit log; then times `verifyRange` over them (what `npm run audit:verify -- --from`
 * and GET /api/admin/audit/verify do) and `verifySession` of one session found through the ledgers
 * (what `--session ID` does). The embedded in-memory store by default; `--redis URL` for Redis (use an
 * empty one: it writes `tandem:{session:s_bench…}` keys). Prints one JSON line. No thresholds.
 *   node_modules/.bin/tsc -p tsconfig.build.json && node bench/audit-verify.js [--sessions 1000] [--events 30] [--redis redis://…]
 */
'use strict';
const { parseArgs } = require('node:util');
const { join } = require('node:path');
const dist = (p) => require(join(__dirname, '..', 'dist', p));
const { MemoryStore } = dist('cluster/memory/memory-store');
const { createStore } = dist('cluster/create-store');
const { loadConfig } = dist('config/load-config');
const { seal, GENESIS } = dist('actors/event-chain');
const { verifyRange, verifySession } = dist('admin/chain-verifier');
const { ledgerDay } = dist('actors/aggregates/ledger.aggregate');

async function main() {
  const { values } = parseArgs({ options: { sessions: { type: 'string', default: '1000' }, events: { type: 'string', default: '30' }, redis: { type: 'string' } } });
  const sessions = Number(values.sessions);
  const perSession = Number(values.events);
  const store = values.redis ? createStore(loadConfig({ env: { TANDEM_REDIS_URL: values.redis } })) : new MemoryStore();
  const now = Date.now();
  const t0 = performance.now();
  const seals = [];
  let bytes = 0;
  for (let s = 0; s < sessions; s++) {
    const sessionId = `s_bench${s}`;
    const events = [];
    for (let i = 1; i <= perSession; i++) {
      events.push({ type: i === 1 ? 'AssistRequested' : 'ChatSent', seq: i, sessionId, at: now + i, actor: { kind: 'user', id: 'alice', name: 'Alice Tech' }, text: `line ${i} of an ordinary support chat, about this long`, messageId: `m${i}` });
    }
    const { sealed, head } = seal(events, GENESIS);
    for (const e of sealed) bytes += JSON.stringify(e).length;
    await store.journal.append(`session:${sessionId}`, 0, sealed, null);
    await store.audit.append([{ at: now, type: 'AssistRequested', actor: { kind: 'user', id: 'alice', name: 'Alice Tech' }, sessionId, seq: 1, node: 'bench', details: {} }]);
    seals.push({ type: 'SessionSealed', seq: s + 1, sessionId, lastSeq: perSession, head, at: now });
  }
  await store.journal.append(`ledger:${ledgerDay(now)}`, 0, seal(seals, GENESIS).sealed, null);
  const writeMs = performance.now() - t0;
  const t1 = performance.now();
  const range = await verifyRange(store, now - 1000, now + 1000);
  const rangeMs = performance.now() - t1;
  const t2 = performance.now();
  const probes = Math.min(20, sessions);
  for (let i = 0; i < probes; i++) await verifySession(store, `s_bench${sessions - 1 - i}`);
  const oneMs = (performance.now() - t2) / probes;
  await store.close();
  const events = sessions * (perSession + 1);
  process.stdout.write(`${JSON.stringify({
    store: values.redis ? 'redis' : 'memory', sessions, eventsPerSession: perSession, journalMB: +(bytes / 1e6).toFixed(1), ok: range.results.every((r) => r.ok), streams: range.results.length,
    writeMs: Math.round(writeMs), verifyRangeMs: Math.round(rangeMs), verifyPerEventUs: +((rangeMs * 1000) / events).toFixed(1), verifyOneSessionMs: +oneMs.toFixed(2),
  })}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
