import { startInProcessNode, type TestNode } from '../support/node';
import { agent, person, type TestAgent } from '../support/people';
import { WsTestClient } from '../support/ws-client';

/** The session protocol's refusals, input and pointer rules, and gapless resume after a dropped connection. */
describe('session protocol: refusals keep the connection, input obeys mode and control, resume is gapless', () => {
  let t: TestNode;
  let alice: WsTestClient;
  let bob: WsTestClient;
  let desk: TestAgent;
  let sessionId: string;

  beforeAll(async () => {
    t = await startInProcessNode();
    alice = await person(t, 'alice');
    bob = await person(t, 'bob');
    desk = await agent(t, 'desk-proto', '810810');
    ({ sessionId } = await alice.ask('assist.request', { agentId: desk.agentId }));
    await desk.ws.ask('assist.respond', { sessionId, allow: true });
    await alice.next('session.state', (s) => s.status === 'active');
  });
  afterAll(async () => {
    for (const c of [alice, bob, desk.ws]) await c.close();
    await t.stop();
  });

  it.each([
    ['a session nobody made', 'chat.send', () => ({ sessionId: 'no-such-session', text: 'hi' }), 'UNKNOWN_SESSION'],
    ['a missing sessionId', 'chat.send', () => ({ text: 'hi' }), 'INVALID_DATA'],
    ['a wrong type', 'mode.request', () => ({ sessionId, mode: 42 }), 'INVALID_DATA'],
    ['a customer-only event from a technician', 'mode.set', () => ({ sessionId, mode: 'interact' }), 'UNKNOWN_EVENT'],
    ['input in hold', 'input', () => ({ sessionId, kind: 'move', x: 0.5, y: 0.5 }), 'MODE_FORBIDS_INPUT'],
    ['a pointer in hold', 'pointer', () => ({ sessionId, x: 0.5, y: 0.5 }), 'SCREEN_NOT_VISIBLE'],
    ['the owner leaving', 'session.leave', () => ({ sessionId }), 'OWNER_MUST_END_OR_TRANSFER'],
    ['an admin action unelevated', 'admin.action', () => ({ sessionId, action: 'restart' }), 'NOT_ELEVATED'],
    ['ending an elevation that never started', 'elevation.end', () => ({ sessionId }), 'NOT_ELEVATED'],
    ['an invitation that does not exist', 'invite.cancel', () => ({ sessionId, inviteId: 'inv_nope' }), 'UNKNOWN_INVITE'],
    ['a transfer to an unknown team', 'session.transfer', () => ({ sessionId, to: { kind: 'team', teamId: 'no-team' } }), 'UNKNOWN_TEAM'],
    ['an unknown agent', 'assist.request', () => ({ agentId: 'ag_nobody' }), 'UNKNOWN_AGENT'],
    ['a forged resume token', 'session.resume', () => ({ token: 'eyJmb3JnZWQiOnRydWV9.bad-mac', lastSeq: 0 }), 'RESUME_INVALID'],
  ])('refuses %s with %s → %s and stays usable', async (_what, event, data, code) => {
    const reply = await alice.request(event, data());
    expect(reply).toMatchObject({ event: 'error', data: { code } });
    expect(await alice.ask('ping', { t: 7 })).toMatchObject({ t: 7 });
  });

  it('refuses a non-member with NOT_MEMBER and bad JSON with BAD_JSON, and keeps both connections', async () => {
    await expect(bob.ask('chat.send', { sessionId, text: 'let me in' })).rejects.toMatchObject({ code: 'NOT_MEMBER' });
    bob.sendRaw('{"event": "chat.send", "data": ');
    expect(await bob.next('error', (e) => e.code === 'BAD_JSON')).toMatchObject({ message: expect.any(String) });
    expect(await bob.ask('ping', {})).toBeDefined();
  });

  it('forwards input to the agent only in interact and only from the member holding control', async () => {
    const inviteId = (await alice.ask('session.invite', { sessionId, target: { kind: 'representative', userId: 'bob' } })).inviteId;
    await bob.ask('invite.respond', { sessionId, inviteId, accept: true });
    await desk.ws.ask('mode.set', { sessionId, mode: 'observe' });
    await expect(alice.ask('input', { sessionId, kind: 'key', keysym: 0x61, down: true })).rejects.toMatchObject({ code: 'MODE_FORBIDS_INPUT' });
    await alice.ask('pointer', { sessionId, x: 0.25, y: 0.75 });
    expect(await desk.ws.next('pointer.remote')).toMatchObject({ memberId: 'alice', x: 0.25, y: 0.75 });
    expect(await bob.next('pointer.remote')).toMatchObject({ memberId: 'alice' });
    await desk.ws.ask('mode.set', { sessionId, mode: 'interact' });
    await alice.ask('input', { sessionId, kind: 'text', text: 'hello' });
    expect(await desk.ws.next('input')).toMatchObject({ sessionId, kind: 'text', text: 'hello' });
    await expect(bob.ask('input', { sessionId, kind: 'text', text: 'not me' })).rejects.toMatchObject({ code: 'NOT_CONTROLLER' });
    expect(desk.ws.all('input')).toHaveLength(1);
    await desk.ws.ask('mode.set', { sessionId, mode: 'hold' });
    await expect(alice.ask('input', { sessionId, kind: 'text', text: 'too late' })).rejects.toMatchObject({ code: 'MODE_FORBIDS_INPUT' });
  });

  it('resumes a dropped member with every missed event in order, then live ones, never twice', async () => {
    const carol = await person(t, 'carol');
    const inviteId = (await alice.ask('session.invite', { sessionId, target: { kind: 'representative', userId: 'carol' } })).inviteId;
    await carol.ask('invite.respond', { sessionId, inviteId, accept: true });
    const resumable = await carol.next('session.resumable', (r) => r.sessionId === sessionId);
    await desk.ws.ask('chat.send', { sessionId, text: 'before the drop' });
    const before = await carol.next('session.event', (e) => e.type === 'ChatSent');
    await carol.close();

    // While carol is away: 20 chat lines and mode changes.
    for (let i = 0; i < 20; i++) await desk.ws.ask('chat.send', { sessionId, text: `away ${i}` });
    await desk.ws.ask('mode.set', { sessionId, mode: 'observe' });

    const back = await WsTestClient.connect(`${t.wsUrl}/ws/console`, await t.login('carol'));
    // Live traffic keeps flowing while the resume runs.
    const live = (async () => { for (let i = 0; i < 10; i++) await desk.ws.ask('chat.send', { sessionId, text: `live ${i}` }); })();
    const ack = await back.ask('session.resume', { token: resumable.resumeToken, lastSeq: before.seq });
    await live;
    await back.next('session.event', (e) => e.text === 'live 9');
    const seqs = back.all('session.event').filter((e) => e.sessionId === sessionId).map((e) => e.seq);
    expect(seqs[0]).toBe(before.seq + 1);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_v, i) => before.seq + 1 + i));
    expect(ack.seq).toBeGreaterThan(before.seq + 20);
    const texts = back.all('session.event').filter((e) => e.type === 'ChatSent').map((e) => e.text);
    expect(texts).toEqual([...Array.from({ length: 20 }, (_v, i) => `away ${i}`), ...Array.from({ length: 10 }, (_v, i) => `live ${i}`)]);

    // A resume token is bound to its holder.
    await expect(bob.ask('session.resume', { token: resumable.resumeToken, lastSeq: 0 })).rejects.toMatchObject({ code: 'RESUME_INVALID' });
    await back.close();
  });

  it('tells a member removed while away about the removal on resume, and nothing after it', async () => {
    const root = await person(t, 'root');
    const inviteId = (await alice.ask('session.invite', { sessionId, target: { kind: 'representative', userId: 'root' } })).inviteId;
    await root.ask('invite.respond', { sessionId, inviteId, accept: true });
    const token = (await root.next('session.resumable', (r) => r.sessionId === sessionId)).resumeToken;
    const last = (await root.next('session.event', (e) => e.type === 'InvitationAccepted')).seq;
    await root.close();
    await alice.ask('member.remove', { sessionId, memberId: 'root' });
    await alice.ask('chat.send', { sessionId, text: 'after root left' });
    const back = await person(t, 'root');
    const ack = await back.ask('session.resume', { token, lastSeq: last });
    expect(ack).toMatchObject({ removed: true });
    const types = back.all('session.event').map((e) => e.type);
    expect(types[types.length - 1]).toBe('MemberRemoved');
    expect(JSON.stringify(back.received)).not.toContain('after root left');
    await back.close();
  });
});
