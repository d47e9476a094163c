import { startInProcessNode, type TestNode } from '../support/node';
import { agent, person, reconnectAgent } from '../support/people';

/**
 * "Disconnect the customer but stay" (issue #12, REM-4 and REM-10) over real ws clients: the owner ends
 * the customer's part, the session stays open for the technicians' notes, and the desktop is free — its
 * reconnecting agent is not offered the session back and a new session on it starts.
 */
describe('customer.disconnect: the session stays, the desktop is free', () => {
  let t: TestNode;
  beforeAll(async () => { t = await startInProcessNode(); });
  afterAll(async () => t.stop());

  it('keeps the session for the technicians, takes the customer out, and frees the desktop for a new session', async () => {
    const [alice, bob] = [await person(t, 'alice'), await person(t, 'bob')];
    const desk = await agent(t, 'desk-disc', '710710');
    const { sessionId } = await alice.ask('assist.request', { agentId: desk.agentId });
    await desk.ws.ask('assist.respond', { sessionId, allow: true });
    await desk.ws.ask('mode.set', { sessionId, mode: 'observe' });
    // While the customer is in, the desktop is busy.
    await expect(bob.ask('assist.request', { agentId: desk.agentId })).rejects.toMatchObject({ code: 'AGENT_BUSY' });
    await expect(bob.ask('customer.disconnect', { sessionId })).rejects.toMatchObject({ code: 'NOT_OWNER' });

    await alice.ask('customer.disconnect', { sessionId });
    expect(await desk.ws.next('session.event', (e) => e.sessionId === sessionId && e.type === 'CustomerDisconnected')).toMatchObject({ customerId: desk.agentId });
    const state = await alice.next('session.state', (s) => s.sessionId === sessionId && s.customer?.connected === false);
    expect(state).toMatchObject({ status: 'active', you: 'owner' });
    // The customer has no rights left; the technician still writes notes in the session.
    await expect(desk.ws.ask('mode.set', { sessionId, mode: 'interact' })).rejects.toMatchObject({ code: 'NOT_MEMBER' });
    await alice.ask('chat.send', { sessionId, text: 'customer disconnected; follow up by phone' });
    await expect(alice.ask('customer.disconnect', { sessionId })).rejects.toMatchObject({ code: 'UNKNOWN_MEMBER' });

    // The agent restarts: the hello does not offer the old session back.
    desk.ws.close();
    const again = await reconnectAgent(t, desk, 'desk-disc', '710710');
    const hello = await again.ws.ask('agent.hello', { hostname: 'desk-disc', osUser: 'carol', os: 'Linux', version: '0.1.0', pin: '710710', displays: [] });
    expect(hello).toMatchObject({ agentId: desk.agentId, sessionId: null, resumeToken: null });

    // A new session on the same desktop starts (no AGENT_BUSY) while the old one is still open.
    const { sessionId: next } = await bob.ask('assist.request', { agentId: desk.agentId });
    expect(next).not.toBe(sessionId);
    expect(await again.ws.next('assist.requested', (r) => r.sessionId === next)).toMatchObject({ sessionId: next });
    await again.ws.ask('assist.respond', { sessionId: next, allow: true });
    // Both sessions live side by side; ending the old one leaves the new one alone.
    await alice.ask('session.end', { sessionId });
    expect(await alice.next('session.ended', (e) => e.sessionId === sessionId)).toMatchObject({ sessionId });
    expect(await bob.next('session.state', (s) => s.sessionId === next && s.status === 'active')).toMatchObject({ you: 'owner' });
  }, 30_000);
});
