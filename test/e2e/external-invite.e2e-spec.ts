import { startInProcessNode, type TestNode } from '../support/node';
import { agent, person } from '../support/people';
import { WsTestClient } from '../support/ws-client';

const tokenOf = (link: string): string => /#access_token=(.+)$/.exec(link)![1]!;

/** BeyondTrust's external representative: a one-time link, limited rights, dead after use, cancel or end. */
describe('external representative invitations', () => {
  let t: TestNode;
  beforeAll(async () => { t = await startInProcessNode({ ws: { rejoinWindowMs: 1500 } }); });
  afterAll(async () => t.stop());

  it('joins once with limited rights and limited view; the link dies after use', async () => {
    const alice = await person(t, 'alice');
    const desk = await agent(t, 'desk-external', '212121');
    const { sessionId } = await alice.ask('assist.request', { agentId: desk.agentId });
    await desk.ws.ask('assist.respond', { sessionId, allow: true });
    const invite = await alice.ask('session.invite', { sessionId, target: { kind: 'external', name: 'Xena Vendor' } });
    expect(invite.link).toMatch(/\/join#access_token=/);

    const xena = await WsTestClient.connect(`${t.wsUrl}/ws/console`, tokenOf(invite.link), { viaQuery: true });
    expect(await xena.next('external.joined')).toEqual({ sessionId });
    const view = await xena.next('session.state', (s) => s.you === 'external');
    expect(view).toMatchObject({ details: null, invitations: [], customer: { id: null } });
    expect(await alice.next('session.event', (e) => e.type === 'InvitationAccepted')).toMatchObject({ role: 'external', member: { kind: 'external', name: 'Xena Vendor' } });
    await xena.ask('chat.send', { sessionId, text: 'vendor here' });
    expect(await alice.next('session.event', (e) => e.text === 'vendor here')).toMatchObject({ actor: { kind: 'external' } });
    await expect(xena.ask('session.invite', { sessionId, target: { kind: 'team', teamId: 'helpdesk' } })).rejects.toMatchObject({ code: 'NOT_OWNER' });
    await expect(xena.ask('elevation.request', { sessionId, method: 'prompt' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    // No transfer, no share, no elevation (INV-13, ELEV-18): the domain's codes, whatever the target.
    await expect(xena.ask('session.invite', { sessionId, target: { kind: 'representative', userId: 'alice' } })).rejects.toMatchObject({ code: 'NOT_OWNER' });
    await expect(xena.ask('session.invite', { sessionId, target: { kind: 'external', name: 'Friend' } })).rejects.toMatchObject({ code: 'NOT_OWNER' });
    await expect(xena.ask('session.transfer', { sessionId, to: { kind: 'team', teamId: 'helpdesk' } })).rejects.toMatchObject({ code: 'NOT_OWNER' });
    await expect(xena.ask('session.transfer', { sessionId, to: { kind: 'representative', userId: 'bob' } })).rejects.toMatchObject({ code: 'NOT_OWNER' });
    await expect(xena.ask('people.invitable', { sessionId })).rejects.toMatchObject({ code: 'NOT_OWNER' });
    await expect(xena.ask('elevation.request', { sessionId, method: 'credentials', credentials: { username: 'root', password: 'x' } })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(xena.ask('admin.action', { sessionId, action: 'process-list' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(alice.all('session.event').filter((e) => ['InvitationSent', 'SessionTransferred', 'ElevationRequested'].includes(e.type) && e.actor.kind === 'external')).toEqual([]);
    expect((await xena.ask('online.list', {})).agents).toEqual([]);

    // A copy of the used link gets nothing: every command is refused, and the connection closes when
    // the resume window passes without the resume token only the first connection received.
    const again = await WsTestClient.connect(`${t.wsUrl}/ws/console`, tokenOf(invite.link), { viaQuery: true });
    expect(await again.next('external.rejoin')).toEqual({ windowMs: 1500 });
    await expect(again.ask('chat.send', { sessionId, text: 'impostor' })).rejects.toMatchObject({ code: 'LINK_USED' });
    await expect(again.ask('online.list', {})).rejects.toMatchObject({ code: 'LINK_USED' });
    // Another member's resume token is not this identity's.
    const alicesToken = (await alice.next('session.resumable', (r) => r.sessionId === sessionId)).resumeToken;
    await expect(again.ask('session.resume', { token: alicesToken, lastSeq: 0 })).rejects.toMatchObject({ code: 'RESUME_INVALID' });
    expect(await again.next('error', (e) => e.code === 'LINK_USED' && !e.id)).toMatchObject({ code: 'LINK_USED' });
    expect(await again.closed).toMatchObject({ code: 4403 });
    expect(alice.all('session.event').some((e) => e.text === 'impostor')).toBe(false);
    for (const c of [xena, alice, desk.ws]) await c.close();
  });

  it('the person who used the link reconnects after a drop and resumes with their resume token', async () => {
    const alice = await person(t, 'alice');
    const desk = await agent(t, 'desk-external-3', '232323');
    const { sessionId } = await alice.ask('assist.request', { agentId: desk.agentId });
    await desk.ws.ask('assist.respond', { sessionId, allow: true });
    const invite = await alice.ask('session.invite', { sessionId, target: { kind: 'external', name: 'Zoe Vendor' } });
    const zoe = await WsTestClient.connect(`${t.wsUrl}/ws/console`, tokenOf(invite.link), { viaQuery: true });
    expect(await zoe.next('external.joined')).toEqual({ sessionId });
    const { resumeToken } = await zoe.next('session.resumable', (r) => r.sessionId === sessionId);
    const seen = (await zoe.next('session.state', (s) => s.you === 'external')).seq as number;
    await zoe.close(); // the network drops
    await alice.ask('chat.send', { sessionId, text: 'are you still there?' });

    const back = await WsTestClient.connect(`${t.wsUrl}/ws/console`, tokenOf(invite.link), { viaQuery: true });
    await expect(back.ask('chat.send', { sessionId, text: 'too early' })).rejects.toMatchObject({ code: 'LINK_USED' });
    expect(await back.ask('session.resume', { token: resumeToken, lastSeq: seen })).toMatchObject({ sessionId });
    // What was said while away arrives, and the person is fully back in (past the resume window).
    expect(await back.next('session.event', (e) => e.text === 'are you still there?')).toMatchObject({ type: 'ChatSent' });
    await new Promise((r) => setTimeout(r, 1800));
    await back.ask('chat.send', { sessionId, text: 'back again' });
    expect(await alice.next('session.event', (e) => e.text === 'back again')).toMatchObject({ actor: { kind: 'external', name: 'Zoe Vendor' } });

    // A reload resumes the same way (the page keeps both tokens in the tab), as often as needed.
    await back.close();
    const reloaded = await WsTestClient.connect(`${t.wsUrl}/ws/console`, tokenOf(invite.link), { viaQuery: true });
    expect(await reloaded.next('external.rejoin')).toEqual({ windowMs: 1500 });
    expect(await reloaded.ask('session.resume', { token: resumeToken, lastSeq: 0 })).toMatchObject({ sessionId });
    expect(await reloaded.next('session.event', (e) => e.text === 'back again')).toMatchObject({ type: 'ChatSent' });

    // Once removed, the resume token no longer lets a reconnect in: refused outright (RESUME-4), no catch-up.
    const member = (alice.all('session.state').filter((s) => s.sessionId === sessionId).pop()!.members as { kind: string; id: string }[]).find((m) => m.kind === 'external')!;
    await alice.ask('member.remove', { sessionId, memberId: member.id });
    await reloaded.close();
    const late = await WsTestClient.connect(`${t.wsUrl}/ws/console`, tokenOf(invite.link), { viaQuery: true });
    await expect(late.ask('session.resume', { token: resumeToken, lastSeq: 0 })).rejects.toMatchObject({ code: 'NOT_MEMBER' });
    expect(late.all('session.event')).toEqual([]);
    await expect(late.ask('chat.send', { sessionId, text: 'after removal' })).rejects.toMatchObject({ code: 'LINK_USED' });
    expect(await late.closed).toMatchObject({ code: 4403 });
    for (const c of [alice, desk.ws]) await c.close();
  });

  it('a guest who left, or whose session ended, cannot resume; the used link stays refused', async () => {
    const alice = await person(t, 'alice');
    const desk = await agent(t, 'desk-external-5', '252525');
    const { sessionId } = await alice.ask('assist.request', { agentId: desk.agentId });
    await desk.ws.ask('assist.respond', { sessionId, allow: true });
    const join = async (name: string): Promise<{ link: string; ws: WsTestClient; resumeToken: string }> => {
      const { link } = await alice.ask('session.invite', { sessionId, target: { kind: 'external', name } });
      const ws = await WsTestClient.connect(`${t.wsUrl}/ws/console`, tokenOf(link), { viaQuery: true });
      expect(await ws.next('external.joined')).toEqual({ sessionId });
      return { link, ws, resumeToken: (await ws.next('session.resumable', (r) => r.sessionId === sessionId)).resumeToken };
    };
    const vic = await join('Vic Leaves');
    const wes = await join('Wes Stays');

    // Vic leaves; his page reloads: the resume is refused, and the link itself is still used.
    await vic.ws.ask('session.leave', { sessionId });
    await vic.ws.close();
    const vicBack = await WsTestClient.connect(`${t.wsUrl}/ws/console`, tokenOf(vic.link), { viaQuery: true });
    await expect(vicBack.ask('session.resume', { token: vic.resumeToken, lastSeq: 0 })).rejects.toMatchObject({ code: 'NOT_MEMBER' });
    expect(await vicBack.closed).toMatchObject({ code: 4403 });

    // Wes drops, the session ends meanwhile: his resume is refused with SESSION_ENDED.
    await wes.ws.close();
    await alice.ask('session.end', { sessionId });
    const wesBack = await WsTestClient.connect(`${t.wsUrl}/ws/console`, tokenOf(wes.link), { viaQuery: true });
    await expect(wesBack.ask('session.resume', { token: wes.resumeToken, lastSeq: 0 })).rejects.toMatchObject({ code: 'SESSION_ENDED' });
    expect(wesBack.all('session.state')).toEqual([]);
    expect(await wesBack.closed).toMatchObject({ code: 4403 });
    for (const c of [alice, desk.ws]) await c.close();
  });

  it('an unused link does not let anyone in once the session has ended', async () => {
    const alice = await person(t, 'alice');
    const desk = await agent(t, 'desk-external-4', '242424');
    const { sessionId } = await alice.ask('assist.request', { agentId: desk.agentId });
    await desk.ws.ask('assist.respond', { sessionId, allow: true });
    const invite = await alice.ask('session.invite', { sessionId, target: { kind: 'external', name: 'Una Late' } });
    await alice.ask('session.end', { sessionId });
    expect(await alice.next('session.event', (e) => e.type === 'InvitationRevoked')).toMatchObject({ inviteId: invite.inviteId, reason: 'session-ended' });
    const una = await WsTestClient.connect(`${t.wsUrl}/ws/console`, tokenOf(invite.link), { viaQuery: true });
    expect(await una.next('error')).toMatchObject({ code: 'SESSION_ENDED' });
    expect(await una.closed).toMatchObject({ code: 4403 });
    expect(una.all('session.state')).toEqual([]);
    expect(una.all('external.joined')).toEqual([]);
    for (const c of [alice, desk.ws]) await c.close();
  });

  it('an admin taking a held session over from its owner revokes the owner\'s invitations, as a transfer does (HOLD-6)', async () => {
    const alice = await person(t, 'alice');
    const root = await person(t, 'root');
    const desk = await agent(t, 'desk-external-6', '262626');
    const { sessionId } = await alice.ask('assist.request', { agentId: desk.agentId });
    await desk.ws.ask('assist.respond', { sessionId, allow: true });
    const invite = await alice.ask('session.invite', { sessionId, target: { kind: 'external', name: 'Tom Late' } });
    await alice.ask('session.hold', { sessionId });
    await root.ask('queue.take', { sessionId });
    expect(await alice.next('session.event', (e) => e.type === 'InvitationRevoked')).toMatchObject({ inviteId: invite.inviteId, reason: 'transferred' });
    expect(await alice.next('session.event', (e) => e.type === 'SessionTaken')).toMatchObject({ by: { id: 'root' } });
    const tom = await WsTestClient.connect(`${t.wsUrl}/ws/console`, tokenOf(invite.link), { viaQuery: true });
    expect(await tom.next('error')).toMatchObject({ code: 'UNKNOWN_INVITE' });
    expect(await tom.closed).toMatchObject({ code: 4403 });
    for (const c of [alice, root, desk.ws]) await c.close();
  });

  it('a cancelled invitation\'s link does not let anyone in', async () => {
    const alice = await person(t, 'alice');
    const desk = await agent(t, 'desk-external-2', '222222');
    const { sessionId } = await alice.ask('assist.request', { agentId: desk.agentId });
    await desk.ws.ask('assist.respond', { sessionId, allow: true });
    const invite = await alice.ask('session.invite', { sessionId, target: { kind: 'external', name: 'Yuri' } });
    await alice.ask('invite.cancel', { sessionId, inviteId: invite.inviteId });
    const yuri = await WsTestClient.connect(`${t.wsUrl}/ws/console`, tokenOf(invite.link), { viaQuery: true });
    expect(await yuri.next('error')).toMatchObject({ code: 'UNKNOWN_INVITE' });
    expect(await yuri.closed).toMatchObject({ code: 4403 });
    for (const c of [alice, desk.ws]) await c.close();
  });
});
