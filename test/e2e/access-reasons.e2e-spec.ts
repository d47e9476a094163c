import { startInProcessNode, type TestNode } from '../support/node';
import { agent, person } from '../support/people';

/** Policy can require a reason (a ticket number) before an elevation or an unattended session; it is kept in the event and the audit log. */
describe('access reasons', () => {
  let t: TestNode;
  beforeAll(async () => { t = await startInProcessNode({ policy: { reasonRequired: { jump: true, elevation: true } } }); });
  afterAll(async () => t.stop());

  it('refuses an elevation or a jump without a reason, and records the reason', async () => {
    const alice = await person(t, 'alice');
    const desk = await agent(t, 'desk-reason', '282828');
    const { sessionId } = await alice.ask('assist.request', { agentId: desk.agentId });
    await desk.ws.ask('assist.respond', { sessionId, allow: true });
    await expect(alice.ask('elevation.request', { sessionId, method: 'prompt' })).rejects.toMatchObject({ code: 'REASON_REQUIRED' });
    await alice.ask('elevation.request', { sessionId, method: 'prompt', reason: 'INC-4711 printer driver' });
    expect(await alice.next('session.event', (e) => e.type === 'ElevationRequested')).toMatchObject({ reason: 'INC-4711 printer driver' });

    const { jumpClientId } = await alice.ask('jump.pin', { sessionId, location: { kind: 'personal' }, consent: 'notify' });
    await alice.ask('session.end', { sessionId });
    await expect(alice.ask('jump.start', { jumpClientId })).rejects.toMatchObject({ code: 'REASON_REQUIRED' });
    const jumped = await alice.ask('jump.start', { jumpClientId, reason: 'CHG-12 patch window' });
    expect(await alice.next('session.event', (e) => e.sessionId === jumped.sessionId && e.type === 'JumpStarted')).toMatchObject({ reason: 'CHG-12 patch window' });
    const audit = await (await fetch(`${t.url}/api/admin/audit?type=JumpStarted`, { headers: { authorization: `Bearer ${await t.login('root')}` } })).text();
    expect(JSON.parse(audit.trim())).toMatchObject({ details: { reason: 'CHG-12 patch window' } });
    await alice.close();
    await desk.ws.close();
  });
});
