import { startRedis, type TestRedis } from '../support/redis';
import { startInProcessNode, type TestNode } from '../support/node';
import { agent, person } from '../support/people';
import type { WsTestClient } from '../support/ws-client';

const cluster = (redis: TestRedis) => ({ auth: { jwtSecret: 'cluster-test-secret-0123456789' }, store: { leaseTtlMs: 1000, redis: { url: redis.url } } });

function gapless(client: WsTestClient, sessionId: string): number[] {
  const seqs = client.all('session.event').filter((e) => e.sessionId === sessionId).map((e) => e.seq);
  expect(new Set(seqs).size).toBe(seqs.length);
  for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe(seqs[i - 1]! + 1);
  return seqs;
}

/** Two nodes on one Redis: any node takes any connection; commands reach the owning node, events every node. */
describe('cluster routing: two nodes on one Redis', () => {
  let redis: TestRedis;
  let a: TestNode;
  let b: TestNode;
  beforeAll(async () => {
    redis = await startRedis();
    a = await startInProcessNode(cluster(redis));
    b = await startInProcessNode(cluster(redis));
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await redis?.stop();
  });

  it('runs a session whose technician, agent and invitee sit on different nodes', async () => {
    const alice = await person(a, 'alice');
    const bob = await person(b, 'bob');
    const desk = await agent(b, 'desk-cluster', '313131');
    const list = await alice.ask('online.list', {});
    expect(list.agents.map((x: { agentId: string }) => x.agentId)).toContain(desk.agentId);

    const { sessionId } = await alice.ask('assist.request', { agentId: desk.agentId });
    expect(await desk.ws.next('assist.requested')).toMatchObject({ sessionId, technician: { id: 'alice' } });
    await desk.ws.ask('assist.respond', { sessionId, allow: true }); // on B, forwarded to A
    await desk.ws.ask('mode.set', { sessionId, mode: 'interact' });
    expect(await alice.next('session.state', (s) => s.mode === 'interact')).toMatchObject({ status: 'active', screenVisible: true });

    await alice.ask('input', { sessionId, kind: 'text', text: 'across nodes' });
    expect(await desk.ws.next('input')).toMatchObject({ text: 'across nodes' });

    const { inviteId } = await alice.ask('session.invite', { sessionId, target: { kind: 'representative', userId: 'bob' } });
    await bob.next('invite.received', (i) => i.inviteId === inviteId);
    await bob.ask('invite.respond', { sessionId, inviteId, accept: true });
    await bob.ask('chat.send', { sessionId, text: 'hello from node B' });
    expect(await alice.next('session.event', (e) => e.type === 'ChatSent')).toMatchObject({ text: 'hello from node B', actor: { id: 'bob' } });
    await bob.ask('pointer', { sessionId, x: 0.1, y: 0.2 });
    expect(await alice.next('pointer.remote')).toMatchObject({ memberId: 'bob' });

    // Hold on node B cuts input on node A at once.
    await desk.ws.ask('mode.set', { sessionId, mode: 'hold' });
    await alice.next('session.state', (s) => s.mode === 'hold');
    await expect(alice.ask('input', { sessionId, kind: 'text', text: 'no' })).rejects.toMatchObject({ code: 'MODE_FORBIDS_INPUT' });
    await expect(bob.ask('input', { sessionId, kind: 'text', text: 'no' })).rejects.toMatchObject({ code: 'MODE_FORBIDS_INPUT' });

    await desk.ws.ask('session.end', { sessionId });
    await alice.next('session.ended');
    await bob.next('session.ended');
    const seqs = gapless(alice, sessionId);
    expect(seqs[0]).toBe(1);
    gapless(bob, sessionId);
    gapless(desk.ws, sessionId);
    for (const c of [alice, bob, desk.ws]) await c.close();
  });

  it('resumes on the other node after a reconnect, without gaps', async () => {
    const alice = await person(a, 'alice');
    const desk = await agent(a, 'desk-resume', '323232');
    const { sessionId } = await alice.ask('assist.request', { agentId: desk.agentId });
    const token = (await alice.next('session.resumable', (r) => r.sessionId === sessionId)).resumeToken;
    await desk.ws.ask('assist.respond', { sessionId, allow: true });
    const last = await alice.next('session.event', (e) => e.type === 'AssistAccepted');
    await alice.close();
    for (let i = 0; i < 10; i++) await desk.ws.ask('chat.send', { sessionId, text: `while away ${i}` });

    const again = await person(b, 'alice');
    await again.ask('session.resume', { token, lastSeq: last.seq });
    await desk.ws.ask('chat.send', { sessionId, text: 'live' });
    await again.next('session.event', (e) => e.text === 'live');
    const seqs = gapless(again, sessionId);
    expect(seqs[0]).toBe(last.seq + 1);
    expect(again.all('session.event').filter((e) => e.type === 'ChatSent').map((e) => e.text)).toEqual([...Array.from({ length: 10 }, (_v, i) => `while away ${i}`), 'live']);
    await again.close();
    await desk.ws.close();
  });
});
