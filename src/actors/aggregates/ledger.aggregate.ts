import type { Actor, Decision } from '../../domain';
import type { AggregateSpec } from '../aggregate';

/** One ended session's last link, written into the day's ledger: deleting a session's tail shows. */
export interface LedgerEvent { type: 'SessionSealed'; sessionId: string; lastSeq: number; head: string; at: number }
export interface LedgerState { count: number }
export type LedgerCommand = { type: 'Seal'; sessionId: string; lastSeq: number; head: string };

/**
 * The daily ledger (`ledger:<yyyy-mm-dd>`): a chain of the final hashes of the sessions that ended that
 * day. Its own events are hash-chained like every stream, so the ledger itself cannot be edited unseen.
 * It holds no policy; only the server writes it.
 */
export const LEDGER: AggregateSpec<LedgerState, LedgerCommand, LedgerEvent> = {
  kind: 'ledger',
  initial: () => ({ count: 0 }),
  decide: (_s: LedgerState, c: LedgerCommand, a: Actor, now: number): Decision<LedgerEvent> =>
    a.kind === 'system' ? { events: [{ type: 'SessionSealed', sessionId: c.sessionId, lastSeq: c.lastSeq, head: c.head, at: now }] } : { rejection: { code: 'FORBIDDEN', message: 'only the server writes the ledger' } },
  evolve: (s) => ({ count: s.count + 1 }),
};

/** The ledger day of a time (UTC). */
export const ledgerDay = (at: number): string => new Date(at).toISOString().slice(0, 10);
