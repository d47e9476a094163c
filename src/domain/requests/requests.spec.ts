import { Actor } from '../common/actor';
import { isRejection } from '../common/decision';
import { decideRequest, evolveRequest, initialRequestState, RequestCommand, RequestEvent, RequestState, requestVisibleTo } from './requests';

const T0 = 1_000;
const person = (kind: Actor['kind'], id: string, rights: string[]): Actor => ({ kind, id, name: id, teams: [], rights });
const user = person('customer', 'ag1', []);
const otherUser = person('customer', 'ag2', []);
const sys = person('system', 'server', []);

function run(events: RequestEvent[]): RequestState {
  return events.reduce(evolveRequest, initialRequestState('r1'));
}
function apply(s: RequestState, c: RequestCommand, a: Actor): RequestState {
  const d = decideRequest(s, c, a, T0 + s.seq);
  if (isRejection(d)) throw new Error(`${c.type} rejected: ${d.rejection.code}`);
  return d.events.reduce(evolveRequest, s);
}
const filed = (): RequestState => apply(initialRequestState('r1'), { type: 'FileRequest', owner: { agentId: 'ag1', name: 'Uma' }, description: 'printer', availableFrom: null, oneTime: false }, user);

describe('remote assistance requests', () => {
  // Every right × every action (seed 001: "Remote Assistance Create / Edit / View / Delete").
  const actions: Array<[string, (s: RequestState) => RequestCommand, string]> = [
    ['file for another user', () => ({ type: 'FileRequest', owner: { agentId: 'ag9', name: 'Vic' }, description: 'x', availableFrom: null, oneTime: true }), 'request.create'],
    ['edit', () => ({ type: 'EditRequest', assignee: { id: 'bob', name: 'Bob' } }), 'request.edit'],
    ['launch', () => ({ type: 'LaunchRequest', sessionId: 's1' }), 'request.view'],
    ['delete', () => ({ type: 'DeleteRequest' }), 'request.delete'],
  ];
  const rights = ['request.create', 'request.edit', 'request.view', 'request.delete'];
  for (const [what, command, needed] of actions) {
    for (const right of rights) {
      const allowed = right === needed;
      test(`REQ-RIGHTS ${what} with only ${right}: ${allowed ? 'allowed' : 'FORBIDDEN'}`, () => {
        const s = what.startsWith('file') ? initialRequestState('r2') : filed();
        const d = decideRequest(s, command(s), person('technician', 'tess', [right]), T0);
        if (allowed) expect(isRejection(d)).toBe(false);
        else expect(d).toMatchObject({ rejection: { code: 'FORBIDDEN' } });
      });
    }
  }

  test('REQ-1 a user files for their own desktop only — "The request is added to the section My Remote Assistance Requests"', () => {
    expect(filed()).toMatchObject({ status: 'open', owner: { agentId: 'ag1' }, availableFrom: null });
    const d = decideRequest(initialRequestState('r3'), { type: 'FileRequest', owner: { agentId: 'ag1', name: 'Uma' }, description: 'x', availableFrom: null, oneTime: false }, otherUser, T0);
    expect(d).toMatchObject({ rejection: { code: 'FORBIDDEN' } });
    expect(requestVisibleTo(filed(), user)).toBe(true);
    expect(requestVisibleTo(filed(), otherUser)).toBe(false);
    expect(requestVisibleTo(filed(), person('technician', 't', ['request.view']))).toBe(true);
    expect(requestVisibleTo(filed(), person('technician', 't', []))).toBe(false);
  });

  test('REQ-2 launch → Waiting for Connection → In Progress → Inactive (One-Time No) — "This will set the status to Waiting for Connection"', () => {
    const viewer = person('technician', 't', ['request.view']);
    let s = apply(filed(), { type: 'LaunchRequest', sessionId: 's1' }, viewer);
    expect(s.status).toBe('waiting');
    expect(decideRequest(s, { type: 'LaunchRequest', sessionId: 's2' }, viewer, T0)).toMatchObject({ rejection: { code: 'SESSION_EXISTS' } });
    expect(decideRequest(s, { type: 'SessionAnswered', sessionId: 's1' }, viewer, T0)).toMatchObject({ rejection: { code: 'FORBIDDEN' } });
    s = apply(s, { type: 'SessionAnswered', sessionId: 's1' }, sys);
    expect(s.status).toBe('in-progress');
    s = apply(s, { type: 'SessionClosed', sessionId: 's1', accepted: true }, sys);
    expect(s.status).toBe('inactive');
  });

  test('REQ-3 a One-Time request is deleted when its session closes — "Once the request is closed, it will be deleted from the list"', () => {
    const one = apply(initialRequestState('r4'), { type: 'FileRequest', owner: { agentId: 'ag1', name: 'Uma' }, description: 'x', availableFrom: 5_000, oneTime: true }, user);
    let s = apply(one, { type: 'LaunchRequest', sessionId: 's1' }, person('technician', 't', ['request.view']));
    s = apply(s, { type: 'SessionAnswered', sessionId: 's1' }, sys);
    s = apply(s, { type: 'SessionClosed', sessionId: 's1', accepted: true }, sys);
    expect(s.status).toBe('closed');
    expect(requestVisibleTo(s, user)).toBe(true);
    expect(decideRequest(s, { type: 'DeleteRequest' }, user, T0)).toMatchObject({ rejection: { code: 'UNKNOWN_REQUEST' } });
  });

  test('REQ-4 a declined launch goes back to open; a session of another launch is ignored', () => {
    let s = apply(filed(), { type: 'LaunchRequest', sessionId: 's1' }, person('technician', 't', ['request.view']));
    expect(decideRequest(s, { type: 'SessionClosed', sessionId: 'other', accepted: true }, sys, T0)).toEqual({ events: [] });
    s = apply(s, { type: 'SessionClosed', sessionId: 's1', accepted: false }, sys);
    expect(s).toMatchObject({ status: 'open', sessionId: null });
  });

  test('REQ-4 a launch that ends before anybody answered (cancelled, customer lost) goes back to open, even a One-Time one', () => {
    const viewer = person('technician', 't', ['request.view']);
    const one = apply(initialRequestState('r5'), { type: 'FileRequest', owner: { agentId: 'ag1', name: 'Uma' }, description: 'x', availableFrom: null, oneTime: true }, user);
    for (const start of [filed(), one]) {
      const s = apply(apply(start, { type: 'LaunchRequest', sessionId: 's1' }, viewer), { type: 'SessionClosed', sessionId: 's1', accepted: true }, sys);
      expect(s).toMatchObject({ status: 'open', sessionId: null });
      expect(apply(s, { type: 'LaunchRequest', sessionId: 's2' }, viewer).status).toBe('waiting');
    }
  });

  test('REQ-5 edits record only what changed; status cannot be edited while a session runs; the owner may delete their own', () => {
    const editor = person('technician', 'ed', ['request.edit']);
    const d = decideRequest(filed(), { type: 'EditRequest', assignee: { id: 'bob', name: 'Bob' }, scheduledAt: 9_000, status: 'open' }, editor, T0);
    expect(d).toMatchObject({ events: [{ type: 'RequestEdited', changes: { assignee: { id: 'bob', name: 'Bob' }, scheduledAt: 9_000 } }] });
    expect(decideRequest(filed(), { type: 'EditRequest', status: 'open' }, editor, T0)).toEqual({ events: [] });
    const waiting = apply(filed(), { type: 'LaunchRequest', sessionId: 's1' }, person('technician', 't', ['request.view']));
    expect(decideRequest(waiting, { type: 'EditRequest', status: 'inactive' }, editor, T0)).toMatchObject({ rejection: { code: 'NOT_ACTIVE' } });
    expect(apply(filed(), { type: 'DeleteRequest' }, user).status).toBe('closed');
    expect(decideRequest(filed(), { type: 'DeleteRequest' }, otherUser, T0)).toMatchObject({ rejection: { code: 'FORBIDDEN' } });
  });

  test('REQ-6 evolve is total and replay is deterministic', () => {
    expect(evolveRequest(initialRequestState('r'), { type: 'Nonsense' } as unknown as RequestEvent)).toEqual(initialRequestState('r'));
    const events: RequestEvent[] = [
      { type: 'RequestFiled', seq: 1, requestId: 'r1', actor: user, at: 1, owner: { agentId: 'ag1', name: 'Uma', email: null }, description: 'd', availableFrom: null, oneTime: false },
      { type: 'RequestLaunched', seq: 2, requestId: 'r1', actor: user, at: 2, sessionId: 's' },
    ];
    expect(run(events)).toEqual(run(events));
    expect(run(events).status).toBe('waiting');
  });

  test('a request keeps the directory user it was filed for, and an event without one replays as before (docs/realms.md)', () => {
    const s = apply(initialRequestState('r7'), { type: 'FileRequest', owner: { agentId: 'ag1', name: 'Carol', email: 'carol@corp.test', userId: 'corp:carol' }, description: 'x', availableFrom: null, oneTime: false }, user);
    expect(s.owner).toEqual({ agentId: 'ag1', name: 'Carol', email: 'carol@corp.test', userId: 'corp:carol' });
    expect(filed().owner).toEqual({ agentId: 'ag1', name: 'Uma', email: null });
  });
});
