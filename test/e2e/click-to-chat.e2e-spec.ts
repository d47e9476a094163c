import { startInProcessNode, type TestNode } from '../support/node';
import { person } from '../support/people';
import { WsTestClient } from '../support/ws-client';

/** Click-to-chat: a customer without the agent starts a chat-only session into a team queue from a link. */
describe('click-to-chat', () => {
  let t: TestNode;
  beforeAll(async () => { t = await startInProcessNode(); });
  afterAll(async () => t.stop());

  const start = async (body: unknown): Promise<{ status: number; body: any }> => {
    const res = await fetch(`${t.url}/api/chat/start`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: await res.json() };
  };

  it('queues a chat-only session a technician takes, and both chat; no screen, no input', async () => {
    const alice = await person(t, 'alice');
    const carol = await person(t, 'carol'); // network team: not this queue
    const { status, body } = await start({ name: 'Uma Customer', team: 'helpdesk' });
    expect(status).toBe(201);
    const panel = await WsTestClient.connect(`${t.wsUrl}/ws/console`, body.token, { viaQuery: true });
    expect(await panel.next('session.state', (s) => s.sessionId === body.sessionId)).toMatchObject({ status: 'queued', chatOnly: true, you: 'customer' });

    expect((await alice.ask('queue.list', {})).sessions.map((s: { sessionId: string }) => s.sessionId)).toContain(body.sessionId);
    expect((await carol.ask('queue.list', {})).sessions.map((s: { sessionId: string }) => s.sessionId)).not.toContain(body.sessionId);
    await alice.ask('queue.take', { sessionId: body.sessionId });
    expect(await panel.next('session.state', (s) => s.status === 'active')).toMatchObject({ members: [{ id: 'alice', role: 'owner' }] });
    await panel.ask('chat.send', { sessionId: body.sessionId, text: 'my printer is on fire' });
    expect(await alice.next('session.event', (e) => e.type === 'ChatSent')).toMatchObject({ text: 'my printer is on fire', actor: { kind: 'customer', name: 'Uma Customer' } });
    await alice.ask('chat.send', { sessionId: body.sessionId, text: 'unplug it' });
    expect(await panel.next('session.event', (e) => e.text === 'unplug it')).toBeDefined();
    await expect(alice.ask('pointer', { sessionId: body.sessionId, x: 0.5, y: 0.5 })).rejects.toMatchObject({ code: 'CHAT_ONLY' });
    await panel.ask('session.end', { sessionId: body.sessionId });
    expect(await alice.next('session.ended')).toMatchObject({ reason: 'customer' });
    for (const c of [alice, carol, panel]) await c.close();
  });

  it('names the team a link reaches, and posts the topic as the customer\'s first message, which the technician who takes it reads', async () => {
    expect(await (await fetch(`${t.url}/api/chat/queues/helpdesk`)).json()).toEqual({ team: 'helpdesk', name: 'Helpdesk' });
    for (const bad of ['no-such-team', 'Bad_Id']) {
      const res = await fetch(`${t.url}/api/chat/queues/${bad}`);
      expect({ status: res.status, body: await res.json() }).toMatchObject({ status: 404, body: { code: 'UNKNOWN_TEAM' } });
    }
    expect((await start({ name: 'Too Long', team: 'helpdesk', topic: 'x'.repeat(501) })).status).toBe(400);
    const { status, body } = await start({ name: 'Tom Topic', team: 'helpdesk', topic: '  my screen flickers  ' });
    expect(status).toBe(201);
    const alice = await person(t, 'alice');
    await alice.ask('queue.take', { sessionId: body.sessionId });
    // The taker joins at SessionTaken; a resume from 0 (what the cockpit does) gives the chat written while waiting.
    const { resumeToken } = await alice.next('session.resumable', (d) => d.sessionId === body.sessionId);
    await alice.ask('session.resume', { token: resumeToken, lastSeq: 0 });
    expect(await alice.next('session.event', (e) => e.type === 'ChatSent')).toMatchObject({ seq: 2, text: 'my screen flickers', actor: { kind: 'customer', name: 'Tom Topic' } });
    await alice.ask('session.end', { sessionId: body.sessionId });
    await alice.close();
  });

  it('refuses an unknown team and bad input, and rate-limits an address', async () => {
    expect(await start({ name: 'X', team: 'no-such-team' })).toMatchObject({ status: 404, body: { code: 'UNKNOWN_TEAM' } });
    expect((await start({ name: '', team: 'helpdesk' })).status).toBe(400);
    const codes: number[] = [];
    for (let i = 0; i < 12; i++) codes.push((await start({ name: `n${i}`, team: 'helpdesk' })).status);
    expect(codes).toContain(429);
  });
});
