import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { MAX_LEDGER_DAYS, verifyRange, verifySession, type StreamVerdict } from '../admin/chain-verifier';
import { createStore } from '../cluster/create-store';
import { ConfigError } from '../config/config-error';
import { loadConfig } from '../config/load-config';

/**
 * `npm run audit:verify -- [--session ID | --from ISO --to ISO]`
 * Checks the hash chains of session journals (and the daily ledgers of ended sessions) in the store the
 * config names, and names the first broken link. Exit 0: intact; 1: broken; 2: usage or config error.
 * The embedded in-memory store lives inside a running node: verify it with GET /api/admin/audit/verify.
 */
async function main(): Promise<number> {
  const { values } = parseArgs({ options: { session: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } } });
  const config = loadConfig();
  if (!config.store.redis.url && config.store.redis.sentinels.length === 0) {
    process.stderr.write('audit:verify: no Redis configured (store.redis.url / TANDEM_REDIS_URL); the embedded store can only be verified through GET /api/admin/audit/verify on the running node\n');
    return 2;
  }
  const parseTime = (v: string | undefined, dflt: number, name: string): number => {
    if (v === undefined) return dflt;
    const t = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
    if (!Number.isFinite(t)) throw new ConfigError(`--${name}`, v, 'an ISO time or epoch milliseconds', 'command line');
    return t;
  };
  const store = createStore(config);
  try {
    const from = parseTime(values.from, Date.now() - 24 * 3600 * 1000, 'from');
    const to = parseTime(values.to, Date.now() + 1000, 'to');
    process.stderr.write(values.session ? `audit:verify: session ${values.session}\n` : `audit:verify: sessions seen from ${new Date(from).toISOString()} to ${new Date(to).toISOString()}\n`);
    const range = values.session ? null : await verifyRange(store, from, to);
    const results: StreamVerdict[] = range ? range.results : [await verifySession(store, values.session!)];
    for (const r of results) {
      process.stdout.write(r.ok ? `ok      ${r.stream} (${r.events} events${r.head ? `, head ${r.head}` : ''})\n` : `BROKEN  ${r.stream} at event ${r.break!.position}: ${r.break!.reason}${r.break!.detail ? ` (${r.break!.detail})` : ''}\n`);
    }
    if (range?.days.skipped) process.stdout.write(`skipped ${range.days.skipped} day ledgers before ${range.days.skippedBefore} (at most ${MAX_LEDGER_DAYS} days a run: narrow --from/--to)\n`);
    const broken = results.find((r) => !r.ok);
    process.stdout.write(broken ? `first broken link: ${broken.stream} event ${broken.break!.position}\n` : `intact: ${results.length} streams, ${results.reduce((n, r) => n + r.events, 0)} events\n`);
    return broken ? 1 : 0;
  } finally {
    await store.close();
  }
}

main().then((code) => process.exit(code), (err: unknown) => {
  process.stderr.write(`audit:verify: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(err instanceof ConfigError ? 2 : 1);
});
