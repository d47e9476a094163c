/* Test support for the session decider: given(events).when(command, actor).then(events | rejection code). */
import { Actor, ActorRef, toRef } from '../common/actor';
import { Decision, isRejection } from '../common/decision';
import { RejectionCode } from '../common/rejection-codes';
import { DEFAULT_RIGHTS_TABLE, resolveRights } from '../common/rights';
import { SessionCommand } from '../session/session.commands';
import { decide } from '../session/session.decider';
import { SessionEvent, SessionEventBody } from '../session/session.events';
import { replay } from '../session/session.evolve';
import { SessionState } from '../session/session.state';

export const SESSION_ID = 's1';
export const T0 = 1_000_000;
export const NOW = 2_000_000;

const person = (kind: Actor['kind'], id: string, name: string, teams: string[] = []): Actor =>
  ({ kind, id, name, teams, rights: resolveRights(DEFAULT_RIGHTS_TABLE, kind, teams) });

export const tech = person('technician', 't1', 'Tess', ['helpdesk']);
export const tech2 = person('technician', 't2', 'Theo', ['helpdesk']);
export const tech3 = person('technician', 't3', 'Tara', ['network']);
export const sup = person('supervisor', 'sv1', 'Sam', ['helpdesk']);
export const otherSup = person('supervisor', 'sv2', 'Sid', ['network']);
export const admin = person('admin', 'ad1', 'Ada');
export const cust = person('customer', 'c1', 'Carol');
export const otherCust = person('customer', 'c2', 'Cody');
export const ext = person('external', 'x1', 'Xavier');
export const sys = person('system', 'node', 'server');
export const noRights: Actor = { ...tech, id: 't9', name: 'Nina', rights: [] };

/** An event as a test writes it: the body plus who did it; given() stamps seq, sessionId and at. */
export type GivenEvent = SessionEventBody & { by: ActorRef };

/** Stamps test events in order: seq 1, 2, …, at T0 + seq. */
export function history(events: GivenEvent[]): SessionEvent[] {
  // SessionTaken names its taker `by`, which is also who acted: keep it in the body.
  return events.map(({ by, ...body }, i) => ({ ...body, ...(body.type === 'SessionTaken' ? { by } : {}), seq: i + 1, sessionId: SESSION_ID, actor: toRef(by), at: T0 + i + 1 }) as SessionEvent);
}

export interface Scenario {
  state: SessionState;
  when(command: SessionCommand, actor: Actor, now?: number): Outcome;
}
export interface Outcome {
  decision: Decision<SessionEvent>;
  then(...expected: SessionEventBody[]): void;
  rejects(code: RejectionCode): void;
}

export function given(...events: GivenEvent[]): Scenario {
  const state = replay(history(events), SESSION_ID);
  return {
    state,
    when(command, actor, now = NOW) {
      const decision = decide(state, command, actor, now);
      return {
        decision,
        then(...expected) {
          if (isRejection(decision)) throw new Error(`expected events, got rejection ${decision.rejection.code}`);
          expect(decision.events).toEqual(expected.map((body, i) => ({ ...body, seq: state.seq + i + 1, sessionId: SESSION_ID, actor: toRef(actor), at: now })));
        },
        rejects(code) {
          if (!isRejection(decision)) throw new Error(`expected rejection ${code}, got ${JSON.stringify(decision.events.map((e) => e.type))}`);
          expect(decision.rejection.code).toBe(code);
        },
      };
    },
  };
}

/** Common histories. */
export const requested = (action: 'view' | 'control' = 'control', via: 'selection' | 'pin' | 'code' = 'selection'): GivenEvent =>
  ({ type: 'AssistRequested', by: tech, agentId: 'a1', customer: { id: cust.id, name: cust.name }, via, action, owner: toRef(tech), teams: ['helpdesk'] });
export const accepted: GivenEvent = { type: 'AssistAccepted', by: cust };
export const mode = (m: 'hold' | 'observe' | 'interact', previous: 'hold' | 'observe' | 'interact' = 'hold'): GivenEvent => ({ type: 'ModeChanged', by: cust, mode: m, previous });
export const invited = (inviteId: string, userId: string, by: ActorRef = tech): GivenEvent => ({ type: 'InvitationSent', by, inviteId, target: { kind: 'representative', userId } });
export const joined = (inviteId: string, who: Actor): GivenEvent => ({ type: 'InvitationAccepted', by: who, inviteId, member: toRef(who), role: who.kind === 'external' ? 'external' : 'participant' });
export const elevated: GivenEvent[] = [
  { type: 'ElevationRequested', by: tech, requestId: 'e1', method: 'prompt', scope: 'admin' },
  { type: 'ElevationAnswered', by: cust, requestId: 'e1', allow: true, scope: 'admin' },
];
/** An active session owned by tech, with tech2 a participant, in the given mode. */
export const shared = (m: 'hold' | 'observe' | 'interact' = 'observe'): GivenEvent[] =>
  [requested(), accepted, ...(m === 'hold' ? [] : [mode(m)]), invited('i1', tech2.id), joined('i1', tech2)];

/** One row of a rule table. */
export interface RuleCase {
  id: string;
  rule: string;
  seed: string;
  given: GivenEvent[];
  when: SessionCommand;
  actor: Actor;
  then?: SessionEventBody[];
  rejects?: RejectionCode;
  now?: number;
}

/** Runs a rule table: one jest test per row, named `<id> <rule> — "<seed>"`. */
export function runRules(cases: RuleCase[]): void {
  test.each(cases.map((c) => [`${c.id} ${c.rule} — "${c.seed}"`, c] as const))('%s', (_name, c) => {
    const outcome = given(...c.given).when(c.when, c.actor, c.now);
    if (c.rejects) outcome.rejects(c.rejects);
    else outcome.then(...(c.then ?? []));
  });
}
