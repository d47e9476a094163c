import type { ActorRef, RequestEvent } from '../domain';
import { describeRequestEvent } from './notifications';

const actor: ActorRef = { kind: 'technician', id: 'sam', name: 'Sam' };
const base = { seq: 1, requestId: 'r1', actor, at: 0 };
const AT = Date.parse('2026-11-26T09:00:00Z');
const bob = { id: 'bob', name: 'Bob Tech' };

/**
 * Every request event type, with what its mail says (the subject is the part before the colon). A Record
 * over the union's `type`: a new event type does not compile here until it has its wording.
 */
const CASES: { [T in RequestEvent['type']]: Array<[Extract<RequestEvent, { type: T }>, string]> } = {
  RequestFiled: [
    [{ ...base, type: 'RequestFiled', owner: { agentId: 'a', name: 'Uma', email: null }, description: 'd', availableFrom: null, oneTime: false }, 'filed the request (available from any time (*))'],
    [{ ...base, type: 'RequestFiled', owner: { agentId: 'a', name: 'Uma', email: null }, description: 'd', availableFrom: AT, oneTime: true }, 'filed the request (available from 2026-11-26 09:00 UTC, one-time)'],
  ],
  RequestEdited: [
    [{ ...base, type: 'RequestEdited', changes: { assignee: bob }, previous: { assignee: null } }, 'assigned it to Bob Tech'],
    [{ ...base, type: 'RequestEdited', changes: { assignee: null }, previous: { assignee: bob } }, 'unassigned it'],
    [{ ...base, type: 'RequestEdited', changes: { scheduledAt: AT } }, 'scheduled it for 2026-11-26 09:00 UTC'],
    [{ ...base, type: 'RequestEdited', changes: { scheduledAt: null } }, 'removed its scheduled time'],
    [{ ...base, type: 'RequestEdited', changes: { status: 'inactive' } }, 'set its status to Inactive'],
    [{ ...base, type: 'RequestEdited', changes: { status: 'open' } }, 'set its status to Open'],
    [{ ...base, type: 'RequestEdited', changes: { assignee: bob, scheduledAt: AT, status: 'open' } }, 'assigned it to Bob Tech, scheduled it for 2026-11-26 09:00 UTC, set its status to Open'],
  ],
  RequestLaunched: [[{ ...base, type: 'RequestLaunched', sessionId: 's1' }, 'launched it: Waiting for Connection']],
  RequestInProgress: [[{ ...base, type: 'RequestInProgress', sessionId: 's1' }, 'answered it: In Progress']],
  RequestInactive: [[{ ...base, type: 'RequestInactive', sessionId: 's1' }, 'closed the session: the request is Inactive']],
  RequestClosed: [
    [{ ...base, type: 'RequestClosed', reason: 'deleted' }, 'deleted the request'],
    [{ ...base, type: 'RequestClosed', reason: 'one-time-done' }, 'closed the session: the one-time request is done and deleted'],
  ],
};

describe('describeRequestEvent', () => {
  for (const [type, cases] of Object.entries(CASES)) {
    test.each(cases as Array<[RequestEvent, string]>)(`says what a ${type} changed: %#`, (event, words) => {
      expect(describeRequestEvent(event)).toBe(words);
    });
  }

  test('has a case for every request event type and words for an unknown one', () => {
    expect(Object.keys(CASES).sort()).toEqual(['RequestClosed', 'RequestEdited', 'RequestFiled', 'RequestInProgress', 'RequestInactive', 'RequestLaunched']);
    expect(describeRequestEvent({ ...base, type: 'RequestArchived' } as unknown as RequestEvent)).toBe('changed the request');
  });
});
