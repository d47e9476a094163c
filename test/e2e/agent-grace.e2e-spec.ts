import { startInProcessNode, type TestNode } from '../support/node';
import { agent, person, reconnectAgent } from '../support/people';

/** An agent that drops keeps its session for the grace period; back in time, it carries on; too late, the session ends. */
describe('agent grace period', () => {
  let t: TestNode;
  beforeAll(async () => { t = await startInProcessNode({ ws: { agentGraceMs: 600 } }); });
  afterAll(async () => t.stop());

  it('keeps the session through a short drop and ends it (customer-lost) after the grace period', async () => {
    const alice = await person(t, 'alice');
    const desk = await agent(t, 'desk-grace', '900900');
    const { sessionId } = await alice.ask('assist.request', { agentId: desk.agentId });
    await desk.ws.ask('assist.respond', { sessionId, allow: true });

    await desk.ws.close();
    const away = await alice.next('session.state', (s) => s.customer?.online === false);
    expect(away).toMatchObject({ status: 'active', screenVisible: false });
    const back = await reconnectAgent(t, desk, 'desk-grace', '900900');
    expect(await alice.next('session.state', (s) => s.seq > away.seq && s.customer?.online === true)).toMatchObject({ status: 'active' });
    const hello = back.ws.received.find((m) => m.event === 'ack')?.data;
    expect(hello).toMatchObject({ agentId: desk.agentId, sessionId, resumeToken: expect.any(String) });

    await back.ws.close();
    expect(await alice.next('session.ended', () => true, 5000)).toMatchObject({ sessionId, reason: 'customer-lost' });
    const list = await alice.ask('online.list', {});
    expect(list.agents.some((a: { agentId: string }) => a.agentId === desk.agentId)).toBe(false);
    await alice.close();
  });
});
