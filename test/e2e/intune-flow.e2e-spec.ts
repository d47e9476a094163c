import { startInProcessNode, type TestNode } from '../support/node';
import { agent, person } from '../support/people';

/**
 * The Intune Remote Help flow, in the seed's words: the helper makes a security code that lives ten
 * minutes; the sharer enters it; the sharer sees who wants to help and allows or declines; the helper
 * asks for full control; admin actions need elevation; when it ends, everyone sees "session ended".
 */
describe('Intune flow: security code, consent with identity, control, elevation, end', () => {
  let t: TestNode;
  let now = Date.parse('2026-11-25T09:00:00Z');
  const clock = (): number => now;
  beforeAll(async () => { t = await startInProcessNode({}, { clock }); });
  afterAll(async () => t.stop());

  it('runs code → consent → control → elevation → admin action → end for all', async () => {
    const alice = await person(t, 'alice');
    const desk = await agent(t, 'desk-intune', '600600');
    const { code, expiresAt } = await alice.ask('code.create', {});
    expect(code).toMatch(/^[0-9A-Z]{8}$/);
    expect(expiresAt).toBe(now + 10 * 60 * 1000);

    const entered = await desk.ws.ask('code.enter', { code });
    const { sessionId } = entered;
    expect(entered.technician).toMatchObject({ id: 'alice' });
    const ask = await desk.ws.next('assist.requested');
    expect(ask).toMatchObject({ sessionId, via: 'code', technician: { id: 'alice', name: expect.any(String) } });

    // The code works once.
    await expect(desk.ws.ask('code.enter', { code })).rejects.toMatchObject({ code: 'CODE_USED' });

    await desk.ws.ask('assist.respond', { sessionId, allow: true });
    const { requestId } = await alice.ask('control.request', { sessionId });
    const pending = await desk.ws.next('request.pending', (r) => r.kind === 'control');
    expect(pending).toMatchObject({ sessionId, requestId, from: { id: 'alice' } });
    await desk.ws.ask('control.respond', { sessionId, requestId, allow: true });
    expect(await desk.ws.next('session.mode', (m) => m.mode === 'interact')).toMatchObject({ controller: 'alice' });

    await expect(alice.ask('admin.action', { sessionId, action: 'process-list' })).rejects.toMatchObject({ code: 'NOT_ELEVATED' });
    const elevation = await alice.ask('elevation.request', { sessionId, method: 'prompt' });
    const prompt = await desk.ws.next('request.pending', (r) => r.kind === 'elevation');
    expect(prompt.requestId).toBe(elevation.requestId);
    await desk.ws.ask('elevation.respond', { sessionId, requestId: elevation.requestId, allow: true });
    expect(await alice.next('session.state', (s) => s.elevated)).toMatchObject({ elevated: true });
    await alice.ask('admin.action', { sessionId, action: 'process-list' });

    // The customer ends an elevated session: everyone is told, and the agent locks the desktop.
    await desk.ws.ask('session.end', { sessionId });
    expect(await alice.next('session.ended')).toMatchObject({ sessionId, reason: 'customer', lockDesktop: true });
    expect(await desk.ws.next('session.ended')).toMatchObject({ sessionId, lockDesktop: true });
    const types = alice.all('session.event').map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['AssistRequested', 'AssistAccepted', 'ControlRequested', 'ControlRequestAnswered', 'ModeChanged', 'ElevationRequested', 'ElevationAnswered', 'AdminActionPerformed', 'SessionEnded']));
    await alice.close();
    await desk.ws.close();
  });

  it('refuses a code after ten minutes, and a declined request ends the session', async () => {
    const bob = await person(t, 'bob');
    const desk = await agent(t, 'desk-intune-2', '600601');
    const stale = await bob.ask('code.create', {});
    now += 10 * 60 * 1000;
    await expect(desk.ws.ask('code.enter', { code: stale.code })).rejects.toMatchObject({ code: 'CODE_EXPIRED' });
    await expect(desk.ws.ask('code.enter', { code: 'ZZZZ9999' })).rejects.toMatchObject({ code: 'CODE_UNKNOWN' });

    const fresh = await bob.ask('code.create', {});
    const { sessionId } = await desk.ws.ask('code.enter', { code: fresh.code });
    await desk.ws.ask('assist.respond', { sessionId, allow: false });
    expect(await bob.next('session.ended')).toMatchObject({ sessionId, reason: 'declined' });
    await bob.close();
    await desk.ws.close();
  });

  it('passes elevation credentials only to the agent, never into the event stream', async () => {
    const carol = await person(t, 'carol');
    const desk = await agent(t, 'desk-intune-3', '600602');
    const { sessionId } = await carol.ask('assist.request', { agentId: desk.agentId });
    await desk.ws.ask('assist.respond', { sessionId, allow: true });
    const { requestId } = await carol.ask('elevation.request', { sessionId, method: 'credentials', credentials: { username: 'root', password: 's3cret-pw' } });
    expect(await desk.ws.next('elevation.verify')).toMatchObject({ sessionId, requestId, username: 'root', password: 's3cret-pw' });
    await desk.ws.ask('elevation.respond', { sessionId, requestId, allow: false });
    await carol.next('session.event', (e) => e.type === 'ElevationAnswered');
    expect(JSON.stringify(carol.received)).not.toContain('s3cret-pw');
    expect(JSON.stringify(desk.ws.received.filter((m) => m.event !== 'elevation.verify'))).not.toContain('s3cret-pw');
    await carol.close();
    await desk.ws.close();
  });
});
