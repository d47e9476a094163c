import { startInProcessNode, type TestNode } from '../support/node';
import { agent, person } from '../support/people';

/**
 * The VISULOX assistance flow, in the seed's words: a technician finds the desktop in the online list
 * (or by its Assist PIN) and asks to help; the session starts on hold; the customer switches
 * observe → interact → hold and finally closes; every action is an event in the cockpit's stream.
 */
describe('VISULOX flow: assist from the online list and by PIN, the customer rules the mode', () => {
  let t: TestNode;
  beforeAll(async () => { t = await startInProcessNode(); });
  afterAll(async () => t.stop());

  it('goes from the online list to a closed session with every step in the cockpit stream', async () => {
    const alice = await person(t, 'alice');
    const desk = await agent(t, 'desk-visulox', '482913');
    const list = await alice.ask('online.list', {});
    const listed = list.agents.find((a: { hostname: string }) => a.hostname === 'desk-visulox');
    expect(listed).toMatchObject({ agentId: desk.agentId, osUser: 'carol', online: true });
    expect(listed.pin).toBeUndefined();

    const { sessionId } = await alice.ask('assist.request', { agentId: desk.agentId, action: 'control' });
    const asked = await desk.ws.next('assist.requested');
    expect(asked).toMatchObject({ sessionId, technician: { id: 'alice', name: expect.any(String) }, action: 'control' });

    await desk.ws.ask('assist.respond', { sessionId, allow: true });
    const accepted = await alice.next('session.state', (s) => s.status === 'active');
    expect(accepted).toMatchObject({ mode: 'hold', you: 'owner', screenVisible: false });
    expect(await desk.ws.next('session.mode', (m) => m.sessionId === sessionId)).toMatchObject({ mode: 'hold' });

    for (const mode of ['observe', 'interact', 'hold'] as const) {
      await desk.ws.ask('mode.set', { sessionId, mode });
      expect(await desk.ws.next('session.mode', (m) => m.mode === mode)).toMatchObject({ sessionId, mode });
      expect(await alice.next('session.state', (s) => s.mode === mode)).toMatchObject({ screenVisible: mode !== 'hold' });
    }
    await desk.ws.ask('session.end', { sessionId });
    expect(await alice.next('session.ended')).toMatchObject({ sessionId, reason: 'customer', lockDesktop: false });
    expect(await desk.ws.next('session.ended')).toMatchObject({ sessionId, reason: 'customer' });

    const stream = alice.all('session.event').filter((e) => e.sessionId === sessionId);
    expect(stream.map((e) => e.seq)).toEqual(stream.map((_e, i) => i + 1));
    expect(stream.map((e) => e.type)).toEqual([
      'AssistRequested', 'AssistAccepted', 'ModeChanged', 'ModeChanged', 'ModeChanged', 'SessionEnded',
    ]);
    expect(stream.every((e) => e.actor && typeof e.at === 'number')).toBe(true);
    expect(stream[2]).toMatchObject({ mode: 'observe', previous: 'hold', actor: { kind: 'customer', id: desk.agentId } });
    await alice.close();
    await desk.ws.close();
  });

  it('finds a desktop by its Assist PIN, and locks out PIN guessing', async () => {
    const bob = await person(t, 'bob');
    const desk = await agent(t, 'desk-pin', '735102');
    const { sessionId } = await bob.ask('assist.request', { pin: '735102' });
    expect(await desk.ws.next('assist.requested')).toMatchObject({ sessionId, via: 'pin' });
    await expect(bob.ask('assist.request', { pin: '735102' })).rejects.toMatchObject({ code: 'AGENT_BUSY' });
    const codes: string[] = [];
    for (let i = 0; i < 6; i++) codes.push(await bob.ask('assist.request', { pin: `11110${i}` }).then(() => 'OK', (e: { code: string }) => e.code));
    expect(codes.slice(0, 5)).toEqual(['PIN_UNKNOWN', 'PIN_UNKNOWN', 'PIN_UNKNOWN', 'PIN_UNKNOWN', 'PIN_UNKNOWN']);
    expect(codes[5]).toBe('LOCKED_OUT');
    // Locked out even for the right PIN now: guessing cannot be confirmed.
    await expect(bob.ask('assist.request', { pin: '735102' })).rejects.toMatchObject({ code: 'LOCKED_OUT' });
    await bob.close();
    await desk.ws.close();
  });

  it('shows an agent going away as offline to the technicians', async () => {
    const carol = await person(t, 'carol');
    const desk = await agent(t, 'desk-leaving', '246810');
    await carol.ask('online.list', {});
    await desk.ws.close();
    const changed = await carol.next('online.changed', (d) => d.agents.every((a: { hostname: string }) => a.hostname !== 'desk-leaving'));
    expect(changed.agents.some((a: { hostname: string }) => a.hostname === 'desk-leaving')).toBe(false);
    await carol.close();
  });
});
