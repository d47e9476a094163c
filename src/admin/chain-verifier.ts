import { type ChainBreak, verifyChain } from '../actors/event-chain';
import { type LedgerEvent, ledgerDay } from '../actors/aggregates/ledger.aggregate';
import type { Store } from '../cluster/ports';

/** `head`: the stream's last hash when its chain is intact — what to anchor outside the store (a ledger day's head covers every session sealed that day). */
export interface StreamVerdict { stream: string; events: number; ok: boolean; head?: string; break?: ChainBreak & { detail?: string } }

/** What a range check covered: every stream checked, and the days whose ledgers it did not read (never silently). */
export interface RangeVerdict { results: StreamVerdict[]; days: { checked: number; skipped: number; skippedBefore?: string } }

const DAY = 24 * 3600 * 1000;
/** A range check reads at most this many day ledgers, the latest first; older days are reported as skipped. */
export const MAX_LEDGER_DAYS = 400;

/**
 * Verifies one session's journal, and, when a day's ledger sealed it, that nothing up to the seal is missing
 * or changed. `seal` is the ledger entry when the caller already has it; otherwise the ledgers are searched
 * (from the day the session started, or, when its journal is empty, the last week's).
 */
export async function verifySession(store: Store, sessionId: string, seal?: LedgerEvent): Promise<StreamVerdict> {
  const stream = `session:${sessionId}`;
  const events = (await store.journal.read(stream, 0)).map((e) => e.event);
  const broken = verifyChain(events);
  if (broken) return { stream, events: events.length, ok: false, break: broken };
  const first = events[0] as { at?: number } | undefined;
  const last = events[events.length - 1] as { hash?: string } | undefined;
  // Ended sessions were sealed in a day ledger: their last events, or their whole journal, cannot go unseen.
  const sealed = seal ?? (await findSeal(store, sessionId, typeof first?.at === 'number' ? first.at : Date.now() - 7 * DAY));
  if (sealed && (sealed.lastSeq !== events.length || sealed.head !== last?.hash)) {
    const shorter = events.length < sealed.lastSeq;
    const detail = events.length === 0 ? `the ledger of ${ledgerDay(sealed.at)} sealed ${sealed.lastSeq} events; the journal is gone` : `the ledger sealed ${sealed.lastSeq} events; the journal has ${events.length}`;
    return { stream, events: events.length, ok: false, break: { position: Math.min(sealed.lastSeq, events.length + 1), reason: shorter ? 'truncated' : 'hash-mismatch', expected: sealed.head, ...(last?.hash ? { found: last.hash } : {}), detail } };
  }
  return { stream, events: events.length, ok: true, ...(last?.hash ? { head: last.hash } : {}) };
}

/** Verifies a ledger day's own chain; returns its entries too. */
export async function verifyLedger(store: Store, day: string): Promise<StreamVerdict & { seals: LedgerEvent[] }> {
  const stream = `ledger:${day}`;
  const events = (await store.journal.read(stream, 0)).map((e) => e.event);
  const seals = events.filter((e): e is LedgerEvent => (e as LedgerEvent)?.type === 'SessionSealed' && typeof (e as LedgerEvent).sessionId === 'string');
  const broken = verifyChain(events);
  const head = (events[events.length - 1] as { hash?: string } | undefined)?.hash;
  return broken ? { stream, events: events.length, ok: false, break: broken, seals } : { stream, events: events.length, ok: true, ...(head ? { head } : {}), seals };
}

/**
 * The sessions the audit log saw in [from, to) and every session sealed in the ledgers of the days in
 * [from, to), each verified (a sealed one against its seal, so a deleted journal shows); the ledgers too.
 * Ledger days are read from the latest back, at most MAX_LEDGER_DAYS of them (never before the first audit
 * entry of the range when `from` is 0); what was not read is in `days.skipped`.
 */
export async function verifyRange(store: Store, from: number, to: number): Promise<RangeVerdict> {
  const sessions = new Set<string>();
  let firstAt = Number.POSITIVE_INFINITY;
  for await (const page of store.audit.scan(from, to, 1000)) {
    for (const e of page) {
      if (e.sessionId) sessions.add(e.sessionId);
      firstAt = Math.min(firstAt, e.at);
    }
  }
  // An open-ended range (from 0) starts at the first thing the audit log saw, not in 1970.
  const start = from > 0 || !Number.isFinite(firstAt) ? from : firstAt;
  const days: string[] = [];
  let skipped = 0;
  let skippedBefore: string | undefined;
  if (to > start) {
    for (let d = Date.parse(`${ledgerDay(to - 1)}T00:00:00Z`); d + DAY > start; d -= DAY) {
      if (days.length < MAX_LEDGER_DAYS) days.push(ledgerDay(d));
      else {
        skipped++;
        skippedBefore ??= days[days.length - 1];
      }
    }
  }
  const ledgers: StreamVerdict[] = [];
  const seals = new Map<string, LedgerEvent>();
  for (const day of days.sort()) {
    const { seals: entries, ...v } = await verifyLedger(store, day);
    if (v.events > 0) ledgers.push(v);
    for (const s of entries) {
      seals.set(s.sessionId, s);
      sessions.add(s.sessionId);
    }
  }
  const results: StreamVerdict[] = [];
  for (const id of [...sessions].sort()) results.push(await verifySession(store, id, seals.get(id)));
  results.push(...ledgers);
  return { results, days: { checked: days.length, skipped, ...(skippedBefore ? { skippedBefore } : {}) } };
}

/** Sessions are sealed the day they end: look from `since`, a week on (or until tomorrow). */
async function findSeal(store: Store, sessionId: string, since: number): Promise<LedgerEvent | null> {
  for (let t = since, i = 0; i < 8 && t <= Date.now() + DAY; i++, t += DAY) {
    for (const entry of await store.journal.read(`ledger:${ledgerDay(t)}`, 0)) {
      const e = entry.event as LedgerEvent;
      if (e.sessionId === sessionId) return e;
    }
  }
  return null;
}
