import { startInProcessNode, type TestNode } from '../support/node';
import { agent, person } from '../support/people';
import { WsTestClient } from '../support/ws-client';

const tokenOf = (link: string): string => /#access_token=(.+)$/.exec(link)![1]!;

/** BeyondTrust's external representative: a one-time link, limited rights, dead after use, cancel or end. */
describe('external representative invitations', () => {
  let t: TestNode;
  beforeAll(async () => { t = await startInProcessNode(); });
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
    expect((await xena.ask('online.list', {})).agents).toEqual([]);

    const again = await WsTestClient.connect(`${t.wsUrl}/ws/console`, tokenOf(invite.link), { viaQuery: true });
    expect(await again.next('error')).toMatchObject({ code: 'LINK_USED' });
    expect(await again.closed).toMatchObject({ code: 4403 });
    for (const c of [xena, alice, desk.ws]) await c.close();
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
