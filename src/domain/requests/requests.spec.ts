import { Actor } from '../common/actor';
import { isRejection } from '../common/decision';
import { decideRequest, evolveRequest, initialRequestState, RequestCommand, RequestEvent, RequestState, requestListedFor, requestVisibleTo } from './requests';

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
  // Every actor kind × every right × every action (seed 001: "Remote Assistance Create / Edit / View / Delete").
  // The request is the actor's own (filed for their id as a desktop) or somebody else's; the outcome is the
  // exact event type, the exact rejection code, or for viewing whether it is listed.
  const KINDS: Array<Actor['kind']> = ['customer', 'technician', 'supervisor', 'admin', 'external', 'system'];
  const RIGHTS = ['request.create', 'request.edit', 'request.view', 'request.delete'] as const;
  const RIGHT_SETS: Array<[string, string[]]> = [['none', []], ...RIGHTS.map((r): [string, string[]] => [r, [r]]), ['all', [...RIGHTS]]];
  type Whose = 'own' | 'other';
  interface Action { what: string; whose: Whose; start: 'none' | 'open' | 'waiting'; command?: RequestCommand; event?: RequestEvent['type']; right?: (typeof RIGHTS)[number]; ownerMay?: boolean; systemOnly?: boolean }
  const ACTIONS: Action[] = [];
  for (const whose of ['own', 'other'] as const) {
    const agentId = whose === 'own' ? 'me' : 'ag9';
    ACTIONS.push(
      { what: 'file', whose, start: 'none', command: { type: 'FileRequest', owner: { agentId, name: 'X' }, description: 'x', availableFrom: null, oneTime: false }, event: 'RequestFiled', right: 'request.create', ownerMay: true },
      { what: 'view/list', whose, start: 'open', right: 'request.view', ownerMay: true },
      { what: 'edit assignee', whose, start: 'open', command: { type: 'EditRequest', assignee: { id: 'bob', name: 'Bob' } }, event: 'RequestEdited', right: 'request.edit' },
      { what: 'edit scheduled time', whose, start: 'open', command: { type: 'EditRequest', scheduledAt: 9_000 }, event: 'RequestEdited', right: 'request.edit' },
      { what: 'edit status', whose, start: 'open', command: { type: 'EditRequest', status: 'inactive' }, event: 'RequestEdited', right: 'request.edit' },
      { what: 'launch/connect', whose, start: 'open', command: { type: 'LaunchRequest', sessionId: 's1' }, event: 'RequestLaunched', right: 'request.view' },
      { what: 'delete/close', whose, start: 'open', command: { type: 'DeleteRequest' }, event: 'RequestClosed', right: 'request.delete', ownerMay: true },
      { what: 'report the answer', whose, start: 'waiting', command: { type: 'SessionAnswered', sessionId: 's1' }, event: 'RequestInProgress', systemOnly: true },
      { what: 'report the close', whose, start: 'waiting', command: { type: 'SessionClosed', sessionId: 's1', accepted: false }, event: 'RequestEdited', systemOnly: true },
    );
  }
  /** The rule, written once more as a table: who may do what. */
  function expected(kind: Actor['kind'], rights: string[], x: Action): string {
    const yes = x.command ? x.event! : 'listed';
    const no = x.command ? 'FORBIDDEN' : 'not listed';
    if (x.systemOnly) return kind === 'system' ? yes : no;
    const isRep = kind === 'technician' || kind === 'supervisor' || kind === 'admin';
    if (x.ownerMay && x.whose === 'own' && kind === 'customer') return yes;
    return isRep && (kind === 'admin' || rights.includes(x.right!)) ? yes : no;
  }
  function stateFor(x: Action): RequestState {
    if (x.start === 'none') return initialRequestState('r2');
    const owner = { agentId: x.whose === 'own' ? 'me' : 'ag9', name: 'X' };
    const s = apply(initialRequestState('r2'), { type: 'FileRequest', owner, description: 'x', availableFrom: null, oneTime: false }, person('admin', 'root', []));
    return x.start === 'waiting' ? apply(s, { type: 'LaunchRequest', sessionId: 's1' }, person('admin', 'root', [])) : s;
  }
  function actual(actor: Actor, x: Action): string {
    const s = stateFor(x);
    if (!x.command) {
      // Listed and known agree while the request is open: what a list shows is what pushes reach.
      expect(requestVisibleTo(s, actor)).toBe(requestListedFor(s, actor));
      return requestListedFor(s, actor) ? 'listed' : 'not listed';
    }
    const d = decideRequest(s, x.command, actor, T0);
    if (isRejection(d)) return d.rejection.code;
    return d.events.map((e) => e.type).join('+') || 'no events';
  }

  test('REQ-RIGHTS-1 every actor kind × every right (none, each alone, all) × every action gives the exact event or rejection', () => {
    const want: Record<string, string> = {};
    const got: Record<string, string> = {};
    for (const kind of KINDS) {
      for (const [label, rights] of RIGHT_SETS) {
        const actor = person(kind, 'me', rights);
        for (const x of ACTIONS) {
          const cell = `${kind} with ${label}: ${x.what} (${x.whose})`;
          want[cell] = expected(kind, rights, x);
          got[cell] = actual(actor, x);
        }
      }
    }
    expect(Object.keys(got)).toHaveLength(KINDS.length * RIGHT_SETS.length * ACTIONS.length);
    expect(got).toEqual(want);
    // Spot checks of the table itself, so a wrong oracle cannot agree with a wrong domain.
    expect(want['technician with request.view: launch/connect (other)']).toBe('RequestLaunched');
    expect(want['technician with request.edit: launch/connect (other)']).toBe('FORBIDDEN');
    expect(want['customer with all: edit assignee (own)']).toBe('FORBIDDEN');
    expect(want['customer with none: delete/close (own)']).toBe('RequestClosed');
    expect(want['customer with all: delete/close (other)']).toBe('FORBIDDEN');
    expect(want['external with all: view/list (other)']).toBe('not listed');
    expect(want['admin with none: file (other)']).toBe('RequestFiled');
    expect(want['supervisor with none: view/list (other)']).toBe('not listed');
    expect(want['system with all: report the answer (own)']).toBe('RequestInProgress');
  });

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
    const board = person('technician', 't', ['request.view']);
    expect(requestListedFor(s, user)).toBe(false);
    expect(requestListedFor(s, board)).toBe(false);
    // Owner and board are still told of the close (request.changed), which is how their lists drop it.
    expect(requestVisibleTo(s, user)).toBe(true);
    expect(requestVisibleTo(s, board)).toBe(true);
    expect(requestVisibleTo(s, otherUser)).toBe(false);
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

  test('REQ-6 evolve is total; replaying the journal equals the state built step by step', () => {
    expect(evolveRequest(initialRequestState('r'), { type: 'Nonsense' } as unknown as RequestEvent)).toEqual(initialRequestState('r'));
    const viewer = person('technician', 't', ['request.view']);
    const editor = person('technician', 'ed', ['request.edit']);
    const steps: Array<[RequestCommand, Actor]> = [
      [{ type: 'FileRequest', owner: { agentId: 'ag1', name: 'Uma', email: 'uma@x' }, description: 'd', availableFrom: 5, oneTime: false }, user],
      [{ type: 'EditRequest', assignee: { id: 'bob', name: 'Bob' }, scheduledAt: 9 }, editor],
      [{ type: 'LaunchRequest', sessionId: 's1' }, viewer],
      [{ type: 'SessionAnswered', sessionId: 's1' }, sys],
      [{ type: 'SessionClosed', sessionId: 's1', accepted: true }, sys],
      [{ type: 'EditRequest', status: 'open', assignee: null }, editor],
      [{ type: 'LaunchRequest', sessionId: 's2' }, viewer],
      [{ type: 'DeleteRequest' }, user],
    ];
    let stepwise = initialRequestState('r1');
    const journal: RequestEvent[] = [];
    for (const [c, a] of steps) {
      const d = decideRequest(stepwise, c, a, T0 + stepwise.seq);
      if (isRejection(d)) throw new Error(`${c.type} rejected: ${d.rejection.code}`);
      journal.push(...d.events);
      stepwise = d.events.reduce(evolveRequest, stepwise);
    }
    expect(journal.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // Replayed from a copy that went through JSON, as the journal stores it.
    expect(run(JSON.parse(JSON.stringify(journal)) as RequestEvent[])).toEqual(stepwise);
    expect(stepwise).toMatchObject({ status: 'closed', assignee: null, scheduledAt: 9, sessionId: null, seq: 8 });
  });

  test('REQ-7 an Inactive request is launched again: Waiting for Connection, In Progress, Inactive once more', () => {
    const viewer = person('technician', 't', ['request.view']);
    let s = apply(filed(), { type: 'LaunchRequest', sessionId: 's1' }, viewer);
    s = apply(apply(s, { type: 'SessionAnswered', sessionId: 's1' }, sys), { type: 'SessionClosed', sessionId: 's1', accepted: true }, sys);
    expect(s).toMatchObject({ status: 'inactive', sessionId: null });
    expect(decideRequest(s, { type: 'LaunchRequest', sessionId: 's2' }, viewer, T0)).toMatchObject({ events: [{ type: 'RequestLaunched', sessionId: 's2' }] });
    s = apply(s, { type: 'LaunchRequest', sessionId: 's2' }, viewer);
    expect(s).toMatchObject({ status: 'waiting', sessionId: 's2' });
    // The old session's late report changes nothing.
    expect(decideRequest(s, { type: 'SessionAnswered', sessionId: 's1' }, sys, T0)).toEqual({ events: [] });
    s = apply(apply(s, { type: 'SessionAnswered', sessionId: 's2' }, sys), { type: 'SessionClosed', sessionId: 's2', accepted: true }, sys);
    expect(s).toMatchObject({ status: 'inactive', sessionId: null });
  });

  test('REQ-8 an editor sets an Inactive request back to Open, and an Open one Inactive', () => {
    const editor = person('technician', 'ed', ['request.edit']);
    const inactive = apply(filed(), { type: 'EditRequest', status: 'inactive' }, editor);
    expect(inactive.status).toBe('inactive');
    expect(decideRequest(inactive, { type: 'EditRequest', status: 'open' }, editor, T0)).toMatchObject({ events: [{ type: 'RequestEdited', changes: { status: 'open' } }] });
    expect(apply(inactive, { type: 'EditRequest', status: 'open' }, editor)).toMatchObject({ status: 'open', sessionId: null });
    const inProgress = apply(apply(filed(), { type: 'LaunchRequest', sessionId: 's1' }, person('technician', 't', ['request.view'])), { type: 'SessionAnswered', sessionId: 's1' }, sys);
    expect(decideRequest(inProgress, { type: 'EditRequest', status: 'open' }, editor, T0)).toMatchObject({ rejection: { code: 'NOT_ACTIVE' } });
    // The assignee and the time may still change while a session runs.
    expect(decideRequest(inProgress, { type: 'EditRequest', scheduledAt: 7 }, editor, T0)).toMatchObject({ events: [{ type: 'RequestEdited', changes: { scheduledAt: 7 } }] });
  });

  test('REQ-9 a request is closed while Waiting for Connection or In Progress; its session goes on and its later reports change nothing', () => {
    const viewer = person('technician', 't', ['request.view']);
    const closer = person('supervisor', 'sam', ['request.delete']);
    const waiting = apply(filed(), { type: 'LaunchRequest', sessionId: 's1' }, viewer);
    const inProgress = apply(waiting, { type: 'SessionAnswered', sessionId: 's1' }, sys);
    for (const [s, by] of [[waiting, closer], [inProgress, closer], [waiting, user], [inProgress, user]] as const) {
      expect(decideRequest(s, { type: 'DeleteRequest' }, by, T0)).toMatchObject({ events: [{ type: 'RequestClosed', reason: 'deleted' }] });
      const closed = apply(s, { type: 'DeleteRequest' }, by);
      expect(closed).toMatchObject({ status: 'closed', sessionId: null });
      expect(decideRequest(closed, { type: 'SessionAnswered', sessionId: 's1' }, sys, T0)).toEqual({ events: [] });
      expect(decideRequest(closed, { type: 'SessionClosed', sessionId: 's1', accepted: true }, sys, T0)).toEqual({ events: [] });
      expect(decideRequest(closed, { type: 'LaunchRequest', sessionId: 's2' }, viewer, T0)).toMatchObject({ rejection: { code: 'UNKNOWN_REQUEST' } });
      expect(requestListedFor(closed, viewer)).toBe(false);
    }
  });

  test('a request keeps the directory user it was filed for, and an event without one replays as before (docs/realms.md)', () => {
    const s = apply(initialRequestState('r7'), { type: 'FileRequest', owner: { agentId: 'ag1', name: 'Carol', email: 'carol@corp.test', userId: 'corp:carol' }, description: 'x', availableFrom: null, oneTime: false }, user);
    expect(s.owner).toEqual({ agentId: 'ag1', name: 'Carol', email: 'carol@corp.test', userId: 'corp:carol' });
    expect(filed().owner).toEqual({ agentId: 'ag1', name: 'Uma', email: null });
  });
});
