import {
  decideSecurityCode, evolveSecurityCodes, initialSecurityCodesState, type SecurityCodeCommand, type SecurityCodeEvent, type SecurityCodesState,
} from '../../domain';
import type { AggregateSpec } from '../aggregate';

/** Security codes (`codes:all`). Codes expired for a day are pruned as the state evolves, so snapshots stay small. */
export function codesAggregate(ttlMs: number): AggregateSpec<SecurityCodesState, SecurityCodeCommand, SecurityCodeEvent> {
  return {
    kind: 'codes',
    initial: initialSecurityCodesState,
    decide: (s, c, a, now) => decideSecurityCode(s, c, a, now, ttlMs),
    // Codes older than a day can be neither redeemed nor meaningfully reported as used.
    evolve: (s, e) => {
      const next = evolveSecurityCodes(s, e);
      if (typeof e?.at !== 'number' || next.seq % 100 !== 0) return next;
      const horizon = e.at - 24 * 3600 * 1000;
      return { ...next, codes: Object.fromEntries(Object.entries(next.codes).filter(([, c]) => c.expiresAt > horizon)) };
    },
  };
}
