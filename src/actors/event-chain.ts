import { createHash } from 'node:crypto';

/** The hash fields every journaled event carries; not part of what is hashed. */
export interface Sealed {
  prevHash: string;
  hash: string;
}

/** The hash before a stream's first event. */
export const GENESIS = '0'.repeat(64);

/** JSON with object keys sorted at every level: the same bytes for the same value on every node. */
export function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
}

/** sha256(prevHash + canonical(event without its hash fields)), hex. */
export function hashOf(event: object, prevHash: string): string {
  const { hash: _h, prevHash: _p, ...body } = event as Record<string, unknown>;
  return createHash('sha256').update(prevHash).update(canonical(body)).digest('hex');
}

/** Chains events onto `head`: each gets prevHash and hash. Returns them and the new head. */
export function seal<E extends object>(events: readonly E[], head: string): { sealed: Array<E & Sealed>; head: string } {
  const sealed: Array<E & Sealed> = [];
  let prev = head;
  for (const e of events) {
    const hash = hashOf(e, prev);
    sealed.push({ ...e, prevHash: prev, hash });
    prev = hash;
  }
  return { sealed, head: prev };
}

export type ChainBreak = { position: number; reason: 'hash-mismatch' | 'link-broken' | 'missing-hash' | 'seq-out-of-order' | 'truncated'; expected?: string; found?: string };

/**
 * Checks a stream's events from the first: every event's prevHash is the previous event's hash, its hash
 * matches its content, and (when events carry seq) seqs run 1, 2, 3 … Returns the first break, 1-based.
 */
export function verifyChain(events: readonly unknown[]): ChainBreak | null {
  let prev = GENESIS;
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as Partial<Sealed> & { seq?: unknown };
    const position = i + 1;
    if (typeof e?.hash !== 'string' || typeof e.prevHash !== 'string') return { position, reason: 'missing-hash' };
    if (typeof e.seq === 'number' && e.seq !== position) return { position, reason: 'seq-out-of-order', expected: String(position), found: String(e.seq) };
    if (e.prevHash !== prev) return { position, reason: 'link-broken', expected: prev, found: e.prevHash };
    const actual = hashOf(e, prev);
    if (actual !== e.hash) return { position, reason: 'hash-mismatch', expected: actual, found: e.hash };
    prev = e.hash;
  }
  return null;
}
