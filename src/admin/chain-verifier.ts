import { type ChainBreak, verifyChain } from '../actors/event-chain';
import { type LedgerEvent, ledgerDay } from '../actors/aggregates/ledger.aggregate';
import type { Store } from '../cluster/ports';

export interface StreamVerdict { stream: string; events: number; ok: boolean; break?: ChainBreak & { detail?: string } }

/** Verifies one session's journal, and, when the day's ledger sealed it, that nothing after the seal is missing or changed. */
export async function verifySession(store: Store, sessionId: string): Promise<StreamVerdict> {
  const stream = `session:${sessionId}`;
  const events = (await store.journal.read(stream, 0)).map((e) => e.event);
  const broken = verifyChain(events);
  if (broken) return { stream, events: events.length, ok: false, break: broken };
  const first = events[0] as { at?: number } | undefined;
  const last = events[events.length - 1] as { at?: number; type?: string; hash?: string } | undefined;
  if (typeof first?.at === 'number') {
    // Ended sessions were sealed in a day ledger: their last events cannot be cut off unseen.
    const seal = await findSeal(store, sessionId, first.at);
    if (seal && (seal.lastSeq !== events.length || seal.head !== last?.hash)) {
      return { stream, events: events.length, ok: false, break: { position: Math.min(seal.lastSeq, events.length + 1), reason: events.length < seal.lastSeq ? 'truncated' : 'hash-mismatch', expected: seal.head, found: last?.hash, detail: `the ledger sealed ${seal.lastSeq} events` } };
    }
  }
  return { stream, events: events.length, ok: true };
}

/** Verifies a ledger day's own chain. */
export async function verifyLedger(store: Store, day: string): Promise<StreamVerdict> {
  const stream = `ledger:${day}`;
  const events = (await store.journal.read(stream, 0)).map((e) => e.event);
  const broken = verifyChain(events);
  return broken ? { stream, events: events.length, ok: false, break: broken } : { stream, events: events.length, ok: true };
}

/** The sessions the audit log saw in [from, to), each verified; ledgers of the days touched too. */
export async function verifyRange(store: Store, from: number, to: number): Promise<StreamVerdict[]> {
  const sessions = new Set<string>();
  for await (const page of store.audit.scan(from, to, 1000)) for (const e of page) if (e.sessionId) sessions.add(e.sessionId);
  const out: StreamVerdict[] = [];
  for (const id of [...sessions].sort()) out.push(await verifySession(store, id));
  const days = new Set<string>();
  for (let t = from; t < to && days.size < 400; t += 24 * 3600 * 1000) days.add(ledgerDay(t));
  if (to > from) days.add(ledgerDay(to - 1));
  for (const day of [...days].sort()) {
    const v = await verifyLedger(store, day);
    if (v.events > 0) out.push(v);
  }
  return out;
}

/** Sessions are sealed the day they end: look from the day they started, a week on (or until today). */
async function findSeal(store: Store, sessionId: string, startedAt: number): Promise<LedgerEvent | null> {
  const days: string[] = [];
  for (let t = startedAt, i = 0; i < 8 && t <= Date.now() + 24 * 3600 * 1000; i++, t += 24 * 3600 * 1000) days.push(ledgerDay(t));
  for (const day of days) {
    for (const entry of await store.journal.read(`ledger:${day}`, 0)) {
      const e = entry.event as LedgerEvent;
      if (e.sessionId === sessionId) return e;
    }
  }
  return null;
}
