import { toRef } from '../common/actor';
import { GivenEvent, RuleCase, accepted, admin, cust, invited, joined, requested, runRules, shared, sys, tech, tech2, tech3 } from '../testing/session-scenario';
import { replay } from './session.evolve';
import { history } from '../testing/session-scenario';
import { viewFor } from './session.view';

const SEED = 'Block the customer\'s input during interact when the customer agrees (e.g. a scripted change must not be disturbed): the customer\'s physical keyboard and mouse are held while the technician\'s injected input still works; always released on mode change, session end, agent exit, or the customer\'s emergency key combination.';
const ask = { type: 'RequestInputBlock' as const, requestId: 'b2' };
const asked: GivenEvent = { type: 'InputBlockRequested', by: tech, requestId: 'b1' };
const blocked: GivenEvent[] = [asked, { type: 'InputBlockAnswered', by: cust, requestId: 'b1', allow: true }, { type: 'InputBlocked', by: cust, memberId: tech.id }];
const interact = shared('interact');

const cases: RuleCase[] = [
  { id: 'BLOCK-1', rule: 'the member holding control in interact asks the customer to block their input', seed: SEED,
    given: interact, when: ask, actor: tech, then: [{ type: 'InputBlockRequested', requestId: 'b2' }] },
  { id: 'BLOCK-2', rule: 'no block outside interact', seed: SEED, given: shared('observe'), when: ask, actor: tech, rejects: 'MODE_FORBIDS_INPUT' },
  { id: 'BLOCK-3', rule: 'a member without control does not ask for a block', seed: SEED, given: interact, when: ask, actor: tech2, rejects: 'NOT_CONTROLLER' },
  { id: 'BLOCK-4', rule: 'a stranger does not ask for a block', seed: SEED, given: interact, when: ask, actor: tech3, rejects: 'NOT_MEMBER' },
  { id: 'BLOCK-5', rule: 'one block request at a time', seed: SEED, given: [...interact, asked], when: ask, actor: tech, rejects: 'REQUEST_PENDING' },
  { id: 'BLOCK-6', rule: 'a blocked input is not blocked again', seed: SEED, given: [...interact, ...blocked], when: ask, actor: tech, rejects: 'INPUT_ALREADY_BLOCKED' },
  { id: 'BLOCK-7', rule: 'no block while the agent is offline', seed: SEED,
    given: [...interact, { type: 'CustomerConnectionChanged', by: sys, online: false }], when: ask, actor: tech, rejects: 'CUSTOMER_OFFLINE' },
  { id: 'BLOCK-8', rule: 'the customer agrees: the input is blocked for the requester in the same decision', seed: SEED,
    given: [...interact, asked], when: { type: 'RespondInputBlock', requestId: 'b1', allow: true }, actor: cust,
    then: [{ type: 'InputBlockAnswered', requestId: 'b1', allow: true }, { type: 'InputBlocked', memberId: tech.id }] },
  { id: 'BLOCK-9', rule: 'the customer refuses: nothing is blocked', seed: SEED,
    given: [...interact, asked], when: { type: 'RespondInputBlock', requestId: 'b1', allow: false }, actor: cust,
    then: [{ type: 'InputBlockAnswered', requestId: 'b1', allow: false }] },
  { id: 'BLOCK-10', rule: 'only the customer answers a block request', seed: SEED,
    given: [...interact, asked], when: { type: 'RespondInputBlock', requestId: 'b1', allow: true }, actor: tech, rejects: 'NOT_CUSTOMER' },
  { id: 'BLOCK-11', rule: 'an unknown block request is not answered', seed: SEED,
    given: interact, when: { type: 'RespondInputBlock', requestId: 'nope', allow: true }, actor: cust, rejects: 'UNKNOWN_REQUEST' },
  { id: 'BLOCK-12', rule: 'the technician releases the block', seed: SEED,
    given: [...interact, ...blocked], when: { type: 'ReleaseInputBlock' }, actor: tech, then: [{ type: 'InputReleased', reason: 'technician' }] },
  { id: 'BLOCK-13', rule: 'the customer releases the block at any time', seed: SEED,
    given: [...interact, ...blocked], when: { type: 'ReleaseInputBlock' }, actor: cust, then: [{ type: 'InputReleased', reason: 'customer' }] },
  { id: 'BLOCK-14', rule: 'the agent reports the customer\'s emergency keys as a release', seed: SEED,
    given: [...interact, ...blocked], when: { type: 'ReleaseInputBlock', reason: 'emergency-key' }, actor: cust, then: [{ type: 'InputReleased', reason: 'emergency-key' }] },
  { id: 'BLOCK-15', rule: 'the agent that cannot hold the devices says so: released as unavailable', seed: SEED,
    given: [...interact, ...blocked], when: { type: 'ReleaseInputBlock', reason: 'unavailable' }, actor: cust, then: [{ type: 'InputReleased', reason: 'unavailable' }] },
  { id: 'BLOCK-16', rule: 'a member without control does not release the block', seed: SEED,
    given: [...interact, ...blocked], when: { type: 'ReleaseInputBlock' }, actor: tech2, rejects: 'NOT_CONTROLLER' },
  { id: 'BLOCK-17', rule: 'a technician does not claim the customer\'s emergency keys', seed: SEED,
    given: [...interact, ...blocked], when: { type: 'ReleaseInputBlock', reason: 'emergency-key' }, actor: tech, rejects: 'FORBIDDEN' },
  { id: 'BLOCK-18', rule: 'releasing what is not blocked changes nothing', seed: SEED, given: interact, when: { type: 'ReleaseInputBlock' }, actor: cust, then: [] },
  { id: 'BLOCK-19', rule: 'the technician withdraws a request not answered yet', seed: SEED,
    given: [...interact, asked], when: { type: 'ReleaseInputBlock' }, actor: tech, then: [{ type: 'InputReleased', reason: 'technician', requestId: 'b1' }] },
  { id: 'BLOCK-20', rule: 'a mode change releases the block, before the change, in the same decision', seed: SEED,
    given: [...interact, ...blocked], when: { type: 'SetMode', mode: 'observe' }, actor: cust,
    then: [{ type: 'InputReleased', reason: 'mode-change' }, { type: 'ModeChanged', mode: 'observe', previous: 'interact' }] },
  { id: 'BLOCK-21', rule: 'a mode change withdraws a pending block request', seed: SEED,
    given: [...interact, asked], when: { type: 'SetMode', mode: 'hold' }, actor: cust,
    then: [{ type: 'InputReleased', reason: 'mode-change', requestId: 'b1' }, { type: 'ModeChanged', mode: 'hold', previous: 'interact' }] },
  { id: 'BLOCK-22', rule: 'the session end releases the block', seed: SEED,
    given: [...interact, ...blocked], when: { type: 'End' }, actor: tech,
    then: [{ type: 'InputReleased', reason: 'session-end' }, { type: 'SessionEnded', reason: 'owner', lockDesktop: false, releaseClient: true }] },
  { id: 'BLOCK-23', rule: 'the agent going offline releases the block', seed: SEED,
    given: [...interact, ...blocked], when: { type: 'CustomerConnection', online: false }, actor: sys,
    then: [{ type: 'InputReleased', reason: 'agent-exit' }, { type: 'CustomerConnectionChanged', online: false }] },
  { id: 'BLOCK-24', rule: 'the owner putting the session on hold releases the block', seed: SEED,
    given: [...interact, ...blocked], when: { type: 'Hold' }, actor: tech,
    then: [{ type: 'InputReleased', reason: 'hold' }, { type: 'SessionHeld', queue: { kind: 'personal', userId: tech.id } }] },
  { id: 'BLOCK-25', rule: 'control changing hands releases the block', seed: SEED,
    given: [...interact, ...blocked], when: { type: 'HandControl', memberId: tech2.id }, actor: tech,
    then: [{ type: 'InputReleased', reason: 'control-change' }, { type: 'ControlGranted', memberId: tech2.id }] },
  { id: 'BLOCK-26', rule: 'the member holding control leaving releases the block', seed: SEED,
    given: [requested(), accepted, { type: 'ModeChanged', by: cust, mode: 'interact', previous: 'hold' }, invited('i1', tech2.id), joined('i1', tech2),
      { type: 'ControlGranted', by: tech, memberId: tech2.id },
      { type: 'InputBlockRequested', by: tech2, requestId: 'b1' }, { type: 'InputBlockAnswered', by: cust, requestId: 'b1', allow: true }, { type: 'InputBlocked', by: cust, memberId: tech2.id }],
    when: { type: 'Leave' }, actor: tech2, then: [{ type: 'InputReleased', reason: 'control-change' }, { type: 'MemberLeft', memberId: tech2.id }] },
  { id: 'BLOCK-27', rule: 'an admin ending the session releases the block', seed: SEED,
    given: [...interact, ...blocked], when: { type: 'ForceEnd' }, actor: admin,
    then: [{ type: 'InputReleased', reason: 'session-end' }, { type: 'SessionEnded', reason: 'admin', lockDesktop: false, releaseClient: true }] },
  { id: 'BLOCK-28', rule: 'a decision that keeps the block standing adds no release', seed: SEED,
    given: [...interact, ...blocked], when: { type: 'SendChat', messageId: 'm1', text: 'hold on' }, actor: cust, then: [{ type: 'ChatSent', messageId: 'm1', text: 'hold on' }] },
];

runRules(cases);

describe('input block state', () => {
  test('BLOCK-STATE-1 a block is state: shown to members and the customer, dropped by its release and at the end', () => {
    const events = history([...interact, ...blocked]);
    const state = replay(events);
    expect(state.inputBlock).toEqual({ by: tech.id });
    expect(state.requests).toEqual({});
    expect(viewFor(state, toRef(cust)).inputBlock).toEqual({ by: tech.id });
    expect(viewFor(state, toRef(tech2)).inputBlock).toEqual({ by: tech.id });
    const released = replay(history([...interact, ...blocked, { type: 'InputReleased', by: cust, reason: 'customer' }]));
    expect(released.inputBlock).toBeNull();
    const ended = replay(history([...interact, ...blocked, { type: 'SessionEnded', by: tech, reason: 'owner', lockDesktop: false, releaseClient: true }]));
    expect(ended.inputBlock).toBeNull();
  });
});
