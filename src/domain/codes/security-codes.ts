import { Actor, ActorRef, isRepresentative, toRef } from '../common/actor';
import { Decision, accept, reject } from '../common/decision';
import { hasRight } from '../common/rights';

/** A security code lives 10 minutes by default. */
export const SECURITY_CODE_TTL_MS = 10 * 60 * 1000;

export interface SecurityCode {
  code: string;
  createdBy: ActorRef;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
  agentId: string | null;
}

export interface SecurityCodesState { seq: number; codes: Record<string, SecurityCode> }

export type SecurityCodeCommand =
  | { type: 'CreateCode'; code: string }
  | { type: 'RedeemCode'; code: string; agentId: string };

interface Base { seq: number; actor: ActorRef; at: number }
export type SecurityCodeEvent =
  | (Base & { type: 'CodeCreated'; code: string; expiresAt: number })
  | (Base & { type: 'CodeRedeemed'; code: string; agentId: string; createdBy: ActorRef });

export function initialSecurityCodesState(): SecurityCodesState {
  return { seq: 0, codes: {} };
}

/** True while the code may still be redeemed. */
export function codeIsLive(code: SecurityCode, now: number): boolean {
  return code.usedAt === null && now < code.expiresAt;
}

/**
 * A technician makes a code (the random string comes in the command); the customer enters it in the agent
 * once within its lifetime. The redeemed event names the technician who then asks assistance on that agent.
 */
export function decideSecurityCode(state: SecurityCodesState, command: SecurityCodeCommand, actor: Actor, now: number, ttlMs: number = SECURITY_CODE_TTL_MS): Decision<SecurityCodeEvent> {
  const base = { seq: state.seq + 1, actor: toRef(actor), at: now };
  if (command.type === 'CreateCode') {
    if (!isRepresentative(actor.kind) || !hasRight(actor, 'code.create')) return reject('FORBIDDEN');
    const existing = state.codes[command.code];
    if (existing && codeIsLive(existing, now)) return reject('CODE_EXISTS');
    return accept([{ ...base, type: 'CodeCreated', code: command.code, expiresAt: now + ttlMs }]);
  }
  if (command.type === 'RedeemCode') {
    if (actor.kind !== 'customer' && actor.kind !== 'system') return reject('FORBIDDEN');
    const code = state.codes[command.code];
    if (!code) return reject('CODE_UNKNOWN');
    if (code.usedAt !== null) return reject('CODE_USED');
    if (now >= code.expiresAt) return reject('CODE_EXPIRED');
    return accept([{ ...base, type: 'CodeRedeemed', code: code.code, agentId: command.agentId, createdBy: code.createdBy }]);
  }
  return reject('UNKNOWN_COMMAND');
}

/** Applies a code event. Total. */
export function evolveSecurityCodes(state: SecurityCodesState, event: SecurityCodeEvent): SecurityCodesState {
  const seq = typeof event?.seq === 'number' ? Math.max(state.seq, event.seq) : state.seq;
  switch (event?.type) {
    case 'CodeCreated':
      return { seq, codes: { ...state.codes, [event.code]: { code: event.code, createdBy: event.actor, createdAt: event.at, expiresAt: event.expiresAt, usedAt: null, agentId: null } } };
    case 'CodeRedeemed': {
      const code = state.codes[event.code];
      return code ? { seq, codes: { ...state.codes, [event.code]: { ...code, usedAt: event.at, agentId: event.agentId } } } : { ...state, seq };
    }
    default:
      return state;
  }
}

/** Drops codes that are used or expired (housekeeping; the state stays correct without it). */
export function pruneCodes(state: SecurityCodesState, now: number): SecurityCodesState {
  return { ...state, codes: Object.fromEntries(Object.entries(state.codes).filter(([, c]) => codeIsLive(c, now))) };
}
