import { startInProcessNode, type TestNode } from '../support/node';
import { agent, person } from '../support/people';
import type { WsTestClient } from '../support/ws-client';

/**
 * The BeyondTrust collaboration flow, in the seed's words: the owner invites, one live invitation per
 * person and session, cancels; a transfer kills the sender's invitations and the old owner becomes an
 * ordinary member; the owner removes members (their stream stops at once); hold parks the session in
 * the owner's personal queue with its members still in; a non-owner's "end" only leaves.
 */
describe('BeyondTrust flow: invitations, transfer, removal, hold, leave', () => {
  let t: TestNode;
  beforeAll(async () => { t = await startInProcessNode(); });
  afterAll(async () => t.stop());

  async function invite(from: WsTestClient, to: WsTestClient, sessionId: string, userId: string): Promise<string> {
    const { inviteId } = await from.ask('session.invite', { sessionId, target: { kind: 'representative', userId } });
    expect(await to.next('invite.received', (i) => i.inviteId === inviteId)).toMatchObject({ sessionId, from: { id: expect.any(String) } });
    return inviteId;
  }

  it('runs the whole collaboration', async () => {
    const [alice, bob, carol] = [await person(t, 'alice'), await person(t, 'bob'), await person(t, 'carol')];
    const desk = await agent(t, 'desk-bt', '700700');
    const { sessionId } = await alice.ask('assist.request', { agentId: desk.agentId });
    await desk.ws.ask('assist.respond', { sessionId, allow: true });
    await desk.ws.ask('mode.set', { sessionId, mode: 'observe' });

    // One live invitation per person; a cancelled one cannot be answered.
    const first = await invite(alice, bob, sessionId, 'bob');
    await expect(alice.ask('session.invite', { sessionId, target: { kind: 'representative', userId: 'bob' } })).rejects.toMatchObject({ code: 'INVITE_EXISTS' });
    await alice.ask('invite.cancel', { sessionId, inviteId: first });
    await expect(bob.ask('invite.respond', { sessionId, inviteId: first, accept: true })).rejects.toMatchObject({ code: 'UNKNOWN_INVITE' });
    await expect(bob.ask('session.invite', { sessionId, target: { kind: 'team', teamId: 'helpdesk' } })).rejects.toMatchObject({ code: 'NOT_OWNER' });

    const second = await invite(alice, bob, sessionId, 'bob');
    await bob.ask('invite.respond', { sessionId, inviteId: second, accept: true });
    expect(await bob.next('session.state', (s) => s.you === 'participant')).toMatchObject({ screenVisible: true, ownerId: 'alice' });

    // A transfer kills the sender's live invitations; the old owner loses owner actions.
    const toCarol = await invite(alice, carol, sessionId, 'carol');
    await alice.ask('session.transfer', { sessionId, to: { kind: 'representative', userId: 'bob' } });
    expect(await alice.next('session.event', (e) => e.type === 'InvitationRevoked')).toMatchObject({ inviteId: toCarol, reason: 'transferred' });
    await expect(carol.ask('invite.respond', { sessionId, inviteId: toCarol, accept: true })).rejects.toMatchObject({ code: 'UNKNOWN_INVITE' });
    const queued = await bob.ask('queue.list', {});
    expect(queued.sessions.map((s: { sessionId: string }) => s.sessionId)).toContain(sessionId);
    expect((await carol.ask('queue.list', {})).sessions).toEqual([]);
    await bob.ask('queue.take', { sessionId });
    expect(await bob.next('session.state', (s) => s.you === 'owner')).toMatchObject({ status: 'active', ownerId: 'bob' });
    await expect(alice.ask('member.remove', { sessionId, memberId: 'bob' })).rejects.toMatchObject({ code: 'NOT_OWNER' });

    // Removal: the member sees it, then nothing more.
    await bob.ask('member.remove', { sessionId, memberId: 'alice' });
    expect(await alice.next('session.state', (s) => !s.members.some((m: { id: string }) => m.id === 'alice'))).toMatchObject({ screenVisible: false });
    const aliceSeen = alice.all('session.event').length;
    await bob.ask('chat.send', { sessionId, text: 'alice should not read this' });
    await desk.ws.next('session.event', (e) => e.type === 'ChatSent');
    await expect(alice.ask('chat.send', { sessionId, text: 'still here?' })).rejects.toMatchObject({ code: 'NOT_MEMBER' });
    expect(alice.all('session.event')).toHaveLength(aliceSeen);

    // Hold: the session waits in the owner's personal queue, members stay in.
    const toCarol2 = await invite(bob, carol, sessionId, 'carol');
    await carol.ask('invite.respond', { sessionId, inviteId: toCarol2, accept: true });
    await bob.ask('session.hold', { sessionId });
    const held = await carol.next('session.state', (s) => s.status === 'queued');
    expect(held.members.map((m: { id: string }) => m.id).sort()).toEqual(['bob', 'carol']);
    expect(held.screenVisible).toBe(false);
    expect(await desk.ws.next('session.mode', (m) => m.mode === 'hold')).toMatchObject({ sessionId });
    await bob.ask('queue.take', { sessionId });

    // A non-owner's end only leaves; the owner's ends it for all.
    await carol.ask('session.end', { sessionId });
    expect(await bob.next('session.event', (e) => e.type === 'MemberLeft')).toMatchObject({ memberId: 'carol' });
    expect(await bob.next('session.state', (s) => !s.members.some((m: { id: string }) => m.id === 'carol'))).toMatchObject({ status: 'active' });
    await bob.ask('session.end', { sessionId });
    expect(await desk.ws.next('session.ended')).toMatchObject({ sessionId, reason: 'owner' });
    for (const c of [alice, bob, carol, desk.ws]) await c.close();
  }, 30_000);
});
