import { Actor, isRepresentative } from '../common/actor';
import { Rejection, reject } from '../common/decision';
import { SessionEventBody } from './session.events';
import { SessionState, isCustomerPresent } from './session.state';

/** What a rule returns: unstamped event bodies, or a rejection. decide stamps seq, sessionId, actor and at. */
export type Outcome = { events: SessionEventBody[] } | { rejection: Rejection };

export const emit = (...events: SessionEventBody[]): Outcome => ({ events });

/** A guard returns a rejection, or undefined when the command may go on. */
export type Guard = Rejection | undefined;

const fail = (code: Parameters<typeof reject>[0]): Rejection => reject(code).rejection;

/** Runs guards in order and returns the first rejection. */
export function firstFailure(...guards: Array<() => Guard>): { rejection: Rejection } | undefined {
  for (const guard of guards) {
    const rejection = guard();
    if (rejection) return { rejection };
  }
  return undefined;
}

export const notEnded = (s: SessionState) => (): Guard => (s.status === 'ended' ? fail('SESSION_ENDED') : undefined);
export const started = (s: SessionState) => (): Guard => (s.status === 'new' ? fail('NOT_ACTIVE') : undefined);
export const active = (s: SessionState) => (): Guard => (s.status !== 'active' ? fail('NOT_ACTIVE') : undefined);

export const isMember = (s: SessionState, id: string): boolean => s.members[id] !== undefined;
/** The customer: the seat's id, or the desktop agent that joined the session (a click-to-chat customer's agent). */
export const isCustomerActor = (s: SessionState, a: Actor): boolean => a.kind === 'customer' && s.customer !== null && (s.customer.id === a.id || (s.agentId !== null && s.agentId === a.id));

/** Owner-only commands: the owner, or an admin (who may do everything). */
export const actsAsOwner = (s: SessionState, a: Actor): boolean => (s.ownerId !== null && s.ownerId === a.id) || a.kind === 'admin';
export const owner = (s: SessionState, a: Actor) => (): Guard => (actsAsOwner(s, a) ? undefined : fail('NOT_OWNER'));

/** The connected customer of this session. */
export const customer = (s: SessionState, a: Actor) => (): Guard => {
  if (!isCustomerActor(s, a)) return fail('NOT_CUSTOMER');
  return s.customer?.connected ? undefined : fail('NOT_MEMBER');
};

/** The customer still takes part (not disconnected by the owner) and their desktop is online. */
export const customerPresent = (s: SessionState) => (): Guard => (isCustomerPresent(s) ? undefined : fail('CUSTOMER_OFFLINE'));

/** The customer, or the server relaying the agent's report. */
export const customerOrSystem = (s: SessionState, a: Actor) => (): Guard => (a.kind === 'system' ? undefined : customer(s, a)());

export const member = (s: SessionState, a: Actor) => (): Guard => (isMember(s, a.id) ? undefined : fail('NOT_MEMBER'));

/** A member who takes part (not a supervisor who only watches). */
export const participant = (s: SessionState, a: Actor) => (): Guard => {
  const m = s.members[a.id];
  if (!m) return fail('NOT_MEMBER');
  return m.role === 'observer' ? fail('NOT_PARTICIPANT') : undefined;
};

/** A member, or the connected customer. */
export const memberOrCustomer = (s: SessionState, a: Actor) => (): Guard => {
  if (isMember(s, a.id)) return undefined;
  return isCustomerActor(s, a) && s.customer?.connected ? undefined : fail('NOT_MEMBER');
};

export const representative = (a: Actor) => (): Guard => (isRepresentative(a.kind) ? undefined : fail('FORBIDDEN'));
export const check = (condition: boolean, code: Parameters<typeof reject>[0]) => (): Guard => (condition ? undefined : fail(code));
export const requestIdFree = (s: SessionState, requestId: string) => check(s.requests[requestId] === undefined, 'DUPLICATE_ID');
