import { Actor } from '../common/actor';
import { SessionCommand } from './session.commands';
import { Outcome, check, customer, emit, firstFailure, notEnded } from './session.guards';
import { SessionState } from './session.state';

type Cmd<T extends SessionCommand['type']> = Extract<SessionCommand, { type: T }>;

/** A click-to-chat session whose customer granted the full client, and which no agent has joined yet. */
export const awaitingAgent = (s: SessionState): boolean => s.origin === 'click-to-chat' && !s.chatOnly && s.agentId === null && s.status !== 'ended';

/**
 * After granting the full client, the customer asks for a one-time attach code for their agent, with the
 * mode they choose for their screen. A new code replaces the one before. Only the code's hash is kept.
 */
export function issueAttachCode(s: SessionState, c: Cmd<'IssueAttachCode'>, a: Actor, now: number): Outcome {
  const failure = firstFailure(notEnded(s), customer(s, a), check(awaitingAgent(s), 'NOT_AWAITING_AGENT'));
  return failure ?? emit({ type: 'AttachCodeIssued', codeHash: c.codeHash, mode: c.mode, expiresAt: now + c.ttlMs });
}

/**
 * The customer's agent joins the session with the code: valid, unused, unexpired, the session still
 * waiting for its agent and not ended. The session becomes a full session with that agent, in the mode
 * the customer chose when asking for the code.
 */
export function attachAgent(s: SessionState, c: Cmd<'AttachAgent'>, a: Actor, now: number): Outcome {
  const code = s.attachCode;
  const failure = firstFailure(
    notEnded(s), check(a.kind === 'customer' || a.kind === 'system', 'FORBIDDEN'),
    check(code !== null && code.codeHash === c.codeHash, 'ATTACH_CODE_UNKNOWN'),
    check(!code?.used, 'ATTACH_CODE_USED'),
    check(code !== null && now < code.expiresAt, 'ATTACH_CODE_EXPIRED'),
    check(awaitingAgent(s), 'NOT_AWAITING_AGENT'),
  );
  if (failure) return failure;
  const attached = { type: 'AgentAttached' as const, agentId: c.agentId, mode: code!.mode };
  return code!.mode === s.mode ? emit(attached) : emit(attached, { type: 'ModeChanged', mode: code!.mode, previous: s.mode });
}
