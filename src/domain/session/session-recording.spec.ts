import { toRef } from '../common/actor';
import { isRejection } from '../common/decision';
import { RejectionCode } from '../common/rejection-codes';
import { GivenEvent, NOW, SESSION_ID, T0, accepted, admin, cust, given, requested, shared, sys, tech, tech2 } from '../testing/session-scenario';
import { SessionCommand } from './session.commands';
import { decide } from './session.decider';
import { RecordingStartedBy, SessionEvent, SessionEventBody } from './session.events';
import { evolve, replay } from './session.evolve';
import { SessionState } from './session.state';
import { viewFor } from './session.view';
import { Actor } from '../common/actor';

/**
 * The recording events carry their own `by` (owner | admin | policy | limit), which the scenario helper
 * would take for the actor: histories with a recording are built here by evolving a stamped event.
 */
function recorded(events: GivenEvent[], by: RecordingStartedBy): SessionState {
  const s = given(...events).state;
  const actor = toRef(by === 'policy' ? sys : by === 'admin' ? admin : tech);
  return evolve(s, { type: 'RecordingStarted', by, seq: s.seq + 1, sessionId: SESSION_ID, actor, at: T0 + 99 } as SessionEvent);
}

interface Case { id: string; rule: string; seed: string; state: SessionState; when: SessionCommand; actor: Actor; then?: SessionEventBody[]; rejects?: RejectionCode }

const ended: GivenEvent = { type: 'SessionEnded', by: tech, reason: 'owner', lockDesktop: false, releaseClient: true };
const OWNER_SEED = 'per session on the owner\'s request, always announced to the customer as an event';
const POLICY_SEED = 'Recording: per policy (team, jump group or per session on the owner\'s request …)';

const cases: Case[] = [
  { id: 'REC-1', rule: 'the owner starts recording; the event reaches everyone in the session, the customer included', seed: OWNER_SEED,
    state: given(...shared()).state, when: { type: 'StartRecording' }, actor: tech, then: [{ type: 'RecordingStarted', by: 'owner' }] },
  { id: 'REC-2', rule: 'a member who is not the owner does not start recording', seed: OWNER_SEED,
    state: given(...shared()).state, when: { type: 'StartRecording' }, actor: tech2, rejects: 'NOT_OWNER' },
  { id: 'REC-3', rule: 'the customer does not start recording', seed: OWNER_SEED,
    state: given(...shared()).state, when: { type: 'StartRecording' }, actor: cust, rejects: 'NOT_OWNER' },
  { id: 'REC-4', rule: 'the server starts recording by policy, with its reason', seed: POLICY_SEED,
    state: given(requested(), accepted).state, when: { type: 'StartRecording', reason: ' team helpdesk ' }, actor: sys, then: [{ type: 'RecordingStarted', by: 'policy', reason: 'team helpdesk' }] },
  { id: 'REC-5', rule: 'an admin may start recording any session', seed: 'admin: everything',
    state: given(...shared()).state, when: { type: 'StartRecording' }, actor: admin, then: [{ type: 'RecordingStarted', by: 'admin' }] },
  { id: 'REC-6', rule: 'a recorded session is not started again', seed: OWNER_SEED,
    state: recorded(shared(), 'owner'), when: { type: 'StartRecording' }, actor: tech, rejects: 'ALREADY_RECORDING' },
  { id: 'REC-7', rule: 'no recording before the session started', seed: 'the server records the session\'s media as it relays it',
    state: given().state, when: { type: 'StartRecording' }, actor: tech, rejects: 'NOT_ACTIVE' },
  { id: 'REC-8', rule: 'no recording after the end', seed: 'the server records the session\'s media as it relays it',
    state: given(...shared(), ended).state, when: { type: 'StartRecording' }, actor: tech, rejects: 'SESSION_ENDED' },
  { id: 'REC-9', rule: 'the owner stops the recording', seed: OWNER_SEED,
    state: recorded(shared(), 'owner'), when: { type: 'StopRecording' }, actor: tech, then: [{ type: 'RecordingStopped', by: 'owner' }] },
  { id: 'REC-10', rule: 'a member who is not the owner does not stop the recording', seed: OWNER_SEED,
    state: recorded(shared(), 'owner'), when: { type: 'StopRecording' }, actor: tech2, rejects: 'NOT_OWNER' },
  { id: 'REC-11', rule: 'a session not recorded is not stopped', seed: OWNER_SEED,
    state: given(...shared()).state, when: { type: 'StopRecording' }, actor: tech, rejects: 'NOT_RECORDING' },
  { id: 'REC-12', rule: 'the owner does not stop a recording policy started', seed: POLICY_SEED,
    state: recorded(shared(), 'policy'), when: { type: 'StopRecording' }, actor: tech, rejects: 'RECORDING_REQUIRED' },
  { id: 'REC-13', rule: 'an admin stops a recording policy started', seed: 'admin: everything',
    state: recorded(shared(), 'policy'), when: { type: 'StopRecording' }, actor: admin, then: [{ type: 'RecordingStopped', by: 'admin' }] },
  { id: 'REC-14', rule: 'the server stops a recording that reached its size limit', seed: 'Retention and maximum size in config.',
    state: recorded(shared(), 'policy'), when: { type: 'StopRecording' }, actor: sys, then: [{ type: 'RecordingStopped', by: 'limit' }] },
  { id: 'REC-15', rule: 'an ended session is not stopped', seed: OWNER_SEED,
    state: given(...shared(), ended).state, when: { type: 'StopRecording' }, actor: tech, rejects: 'SESSION_ENDED' },
];

describe('session recording', () => {
  test.each(cases.map((c) => [`${c.id} ${c.rule} — "${c.seed}"`, c] as const))('%s', (_name, c) => {
    const decision = decide(c.state, c.when, c.actor, NOW);
    if (c.rejects) {
      expect(isRejection(decision) ? decision.rejection.code : 'accepted').toBe(c.rejects);
      return;
    }
    if (isRejection(decision)) throw new Error(`expected events, got ${decision.rejection.code}`);
    expect(decision.events).toEqual((c.then ?? []).map((body, i) => ({ ...body, seq: c.state.seq + i + 1, sessionId: SESSION_ID, actor: toRef(c.actor), at: NOW })));
  });

  test('REC-STATE-1 recording is state: started, shown in every view (the customer\'s too), stopped, and dropped at the end — "always announced to the customer"', () => {
    const on = recorded(shared(), 'policy');
    expect([on.recording, on.recordingRequired]).toEqual([true, true]);
    expect(viewFor(on, toRef(cust)).recording).toBe(true);
    expect(viewFor(on, toRef(tech2)).recording).toBe(true);
    const stopped = evolve(on, { type: 'RecordingStopped', by: 'admin', seq: on.seq + 1, sessionId: SESSION_ID, actor: toRef(admin), at: NOW } as SessionEvent);
    expect([stopped.recording, stopped.recordingRequired]).toEqual([false, false]);
    const end = evolve(on, { type: 'SessionEnded', reason: 'owner', lockDesktop: false, releaseClient: true, seq: on.seq + 1, sessionId: SESSION_ID, actor: toRef(tech), at: NOW } as SessionEvent);
    expect(end.recording).toBe(false);
    expect(replay([]).recording).toBe(false);
  });
});
