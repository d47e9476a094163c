import { isRejection } from '../common/decision';
import { admin, cust, sup, sys, tech, tech2, tech3 } from '../testing/session-scenario';
import { QueueCommand, QueuesState, decideQueue, evolveQueues, initialQueuesState, queueContents, queueVisibleTo, queuesVisibleTo } from './queues';
import { Actor } from '../common/actor';

const run = (s: QueuesState, c: QueueCommand, a: Actor = sys, now = 1) => {
  const d = decideQueue(s, c, a, now);
  return isRejection(d) ? d.rejection.code : d.events.reduce(evolveQueues, s);
};
const must = (x: QueuesState | string) => { if (typeof x === 'string') throw new Error(x); return x; };

describe('queues', () => {
  const s = must(run(must(run(initialQueuesState(), { type: 'Enqueue', sessionId: 's1', queue: { kind: 'team', teamId: 'helpdesk' } }, sys, 1)), { type: 'Enqueue', sessionId: 's2', queue: { kind: 'personal', userId: tech.id } }, sys, 2));

  test('QUEUE-1 team queues are visible to the team, personal queues to their representative — "You may also transfer a session to another representative\'s personal queue."', () => {
    expect(queueVisibleTo({ kind: 'team', teamId: 'helpdesk' }, tech2)).toBe(true);
    expect(queueVisibleTo({ kind: 'team', teamId: 'helpdesk' }, tech3)).toBe(false);
    expect(queueVisibleTo({ kind: 'personal', userId: tech.id }, tech2)).toBe(false);
    expect(queueVisibleTo({ kind: 'personal', userId: tech.id }, admin)).toBe(true);
    expect(queueVisibleTo({ kind: 'team', teamId: 'helpdesk' }, cust)).toBe(false);
    expect(queuesVisibleTo(s, tech).map((e) => e.sessionId)).toEqual(['s1', 's2']);
    expect(queuesVisibleTo(s, sup).map((e) => e.sessionId)).toEqual(['s1']);
    expect(queueContents(s, { kind: 'team', teamId: 'helpdesk' }).map((e) => e.sessionId)).toEqual(['s1']);
  });

  test('QUEUE-2 take and remove; a session waits in one queue at a time — "If you choose Hold Session, your session page closes, but the session returns to your personal queue."', () => {
    expect(run(s, { type: 'Take', sessionId: 's2' }, tech2)).toBe('NOT_QUEUE_MEMBER');
    const taken = must(run(s, { type: 'Take', sessionId: 's2' }, tech));
    expect(Object.keys(taken.entries)).toEqual(['s1']);
    expect(run(taken, { type: 'Take', sessionId: 's2' }, tech)).toBe('NOT_QUEUED');
    expect(run(taken, { type: 'RemoveFromQueue', sessionId: 's2' })).toBe('NOT_QUEUED');
    expect(Object.keys(must(run(taken, { type: 'RemoveFromQueue', sessionId: 's1' })).entries)).toEqual([]);
    const moved = must(run(s, { type: 'Enqueue', sessionId: 's1', queue: { kind: 'team', teamId: 'network' } }));
    expect(queueContents(moved, { kind: 'team', teamId: 'helpdesk' })).toEqual([]);
    expect(run(s, { type: 'Bogus' } as never)).toBe('UNKNOWN_COMMAND');
    expect(evolveQueues(s, { type: 'Nope' } as never)).toBe(s);
  });
});
