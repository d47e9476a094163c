import { startInProcessNode, type TestNode } from '../support/node';
import { agent, person } from '../support/people';
import { WsTestClient } from '../support/ws-client';

/** The customer panel acts as the desktop's customer, with a token the agent asks for. */
describe('customer panel token', () => {
  let t: TestNode;
  beforeAll(async () => { t = await startInProcessNode(); });
  afterAll(async () => t.stop());

  it('lets the panel answer the consent prompt, set the mode and see the session, and nothing more', async () => {
    const alice = await person(t, 'alice');
    const desk = await agent(t, 'desk-panel', '515151');
    const link = await desk.ws.ask('customer.panel', {});
    expect(link.path).toMatch(/^\/customer#access_token=/);
    await expect(WsTestClient.connect(`${t.wsUrl}/ws/agent`, link.token)).rejects.toMatchObject({ status: 401 });
    const panel = await WsTestClient.connect(`${t.wsUrl}/ws/console`, link.token, { viaQuery: true });

    const { sessionId } = await alice.ask('assist.request', { agentId: desk.agentId });
    const prompt = await panel.next('session.state', (s) => s.status === 'pending');
    expect(prompt).toMatchObject({ you: 'customer', members: [{ id: 'alice', role: 'owner' }], details: null });
    await panel.ask('assist.respond', { sessionId, allow: true });
    await panel.ask('mode.set', { sessionId, mode: 'observe' });
    expect(await alice.next('session.state', (s) => s.mode === 'observe')).toMatchObject({ screenVisible: true });
    await expect(panel.ask('online.list', {})).rejects.toMatchObject({ code: 'UNKNOWN_EVENT' });
    await expect(panel.ask('session.invite', { sessionId, target: { kind: 'team', teamId: 'helpdesk' } })).rejects.toMatchObject({ code: 'UNKNOWN_EVENT' });
    await panel.ask('session.end', { sessionId });
    expect(await alice.next('session.ended')).toMatchObject({ reason: 'customer' });
    for (const c of [alice, panel, desk.ws]) await c.close();
  });

  it('a panel opened after the technician asked still gets the whole session', async () => {
    const alice = await person(t, 'alice');
    const desk = await agent(t, 'desk-panel-late', '525252');
    const { sessionId } = await alice.ask('assist.request', { agentId: desk.agentId });
    const link = await desk.ws.ask('customer.panel', {});
    const panel = await WsTestClient.connect(`${t.wsUrl}/ws/console`, link.token, { viaQuery: true });
    expect(await panel.next('session.state', (s) => s.sessionId === sessionId)).toMatchObject({ status: 'pending', you: 'customer' });
    expect(panel.all('session.event').map((e) => e.type)).toEqual(['AssistRequested']);
    expect(await panel.next('session.resumable')).toMatchObject({ sessionId });
    await panel.ask('assist.respond', { sessionId, allow: true });
    expect(await alice.next('session.state', (s) => s.status === 'active')).toBeDefined();
    for (const c of [alice, panel, desk.ws]) await c.close();
  });
});
