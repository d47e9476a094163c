import { RedisStore } from '../../src/cluster/redis/redis-store';
import { startRedis, type TestRedis } from '../support/redis';
import { startChildNode, type TestNode } from '../support/node';
import type { TrackedProcess } from '../support/processes';
import { agent, person } from '../support/people';
import { WsTestClient } from '../support/ws-client';

type ChildNode = TestNode & { process: TrackedProcess };

/** Nodes as child processes on one Redis: kill -9 an owner, pause one (a zombie); nothing acknowledged is lost. */
describe('cluster failover', () => {
  let redis: TestRedis;
  let nodes: ChildNode[] = [];
  let store: RedisStore;
  const overrides = (redisUrl: string) => ({ auth: { jwtSecret: 'cluster-test-secret-0123456789' }, store: { leaseTtlMs: 1000, redis: { url: redisUrl } }, ws: { agentGraceMs: 1500 } });

  beforeAll(async () => {
    redis = await startRedis();
    nodes = await Promise.all([0, 1, 2].map(() => startChildNode({ overrides: overrides(redis.url) })));
    store = new RedisStore({ url: redis.url, sentinels: [], masterName: 'mymaster', waitReplicas: 0, waitTimeoutMs: 500 });
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    for (const n of nodes) await n.stop();
    await redis?.stop();
  });

  async function journalTexts(sessionId: string): Promise<string[]> {
    const entries = await store.journal.read(`session:${sessionId}`, 0);
    entries.forEach((e, i) => expect(e.version).toBe(i + 1));
    return entries.map((e) => e.event as { type: string; text?: string }).filter((e) => e.type === 'ChatSent').map((e) => e.text!);
  }

  it('after kill -9 of the owner, another node takes the session over and every acknowledged event survives', async () => {
    const [a, b] = nodes as [ChildNode, ChildNode, ChildNode];
    const alice = await person(a, 'alice');
    const desk = await agent(b, 'desk-failover', '414141');
    const { sessionId } = await alice.ask('assist.request', { agentId: desk.agentId }); // owned by node A
    const token = (await alice.next('session.resumable', (r) => r.sessionId === sessionId)).resumeToken;
    await desk.ws.ask('assist.respond', { sessionId, allow: true });
    const acked: string[] = [];
    for (let i = 0; i < 5; i++) {
      await desk.ws.ask('chat.send', { sessionId, text: `before ${i}` });
      acked.push(`before ${i}`);
    }
    const seen = await alice.next('session.event', (e) => e.text === 'before 4');

    a.process.child.kill('SIGKILL');
    const killedAt = Date.now();
    await desk.ws.ask('chat.send', { sessionId, text: 'after the kill' }, 15_000); // node B takes over
    const takeoverMs = Date.now() - killedAt;
    acked.push('after the kill');
    process.stdout.write(`takeover after kill -9: ${takeoverMs} ms\n`);

    const back = await WsTestClient.connect(`${nodes[2]!.wsUrl}/ws/console`, await nodes[2]!.login('alice'));
    await back.ask('session.resume', { token, lastSeq: seen.seq });
    await desk.ws.ask('chat.send', { sessionId, text: 'live again' });
    acked.push('live again');
    await back.next('session.event', (e) => e.text === 'live again');
    const seqs = back.all('session.event').filter((e) => e.sessionId === sessionId).map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_v, i) => seen.seq + 1 + i));
    expect(await journalTexts(sessionId)).toEqual(acked);
    await back.close();
    await desk.ws.close();
  }, 60_000);

  it('fences a paused owner (zombie): after it wakes it can no longer write and it hands commands on', async () => {
    const [, b, c] = nodes as [ChildNode, ChildNode, ChildNode];
    const carol = await person(c, 'carol');
    const desk = await agent(b, 'desk-zombie', '424242');
    const { sessionId } = await carol.ask('assist.request', { agentId: desk.agentId }); // owned by node C
    await desk.ws.ask('assist.respond', { sessionId, allow: true });
    await desk.ws.ask('chat.send', { sessionId, text: 'z0' });

    c.process.child.kill('SIGSTOP');
    try {
      await desk.ws.ask('chat.send', { sessionId, text: 'z1' }, 15_000); // node B takes over from the zombie
    } finally {
      c.process.child.kill('SIGCONT');
    }
    // The zombie's own client talks to it again: its write is fenced, and the command reaches the new owner.
    await carol.ask('chat.send', { sessionId, text: 'z2 via the old owner' }, 15_000);
    await desk.ws.ask('chat.send', { sessionId, text: 'z3' });
    expect(await journalTexts(sessionId)).toEqual(['z0', 'z1', 'z2 via the old owner', 'z3']);
    // The woken owner noticed it had lost the session (renew refused or fenced before writing).
    expect(c.process.output()).toMatch(/lease lost|fenced: lease taken|append\(\) refused/);
    const lease = await store.leases.current(`session:${sessionId}`);
    expect(lease?.epoch).toBeGreaterThanOrEqual(2);
    await carol.close();
    await desk.ws.close();
  }, 60_000);

  it('shows an agent whose node died as gone, and ends its session after the grace period', async () => {
    const [, b, c] = nodes as [ChildNode, ChildNode, ChildNode];
    const carol = await person(c, 'carol');
    const desk = await agent(b, 'desk-orphan', '434343');
    const { sessionId } = await carol.ask('assist.request', { agentId: desk.agentId });
    await desk.ws.ask('assist.respond', { sessionId, allow: true });
    b.process.child.kill('SIGKILL');
    expect(await carol.next('session.state', (st) => st.sessionId === sessionId && st.customer?.online === false, 15_000)).toMatchObject({ status: 'active' });
    expect(await carol.next('session.ended', (e) => e.sessionId === sessionId, 15_000)).toMatchObject({ sessionId, reason: 'customer-lost' });
    const list = await carol.ask('online.list', {});
    expect(list.agents.some((x: { agentId: string }) => x.agentId === desk.agentId)).toBe(false);
    await carol.close();
  }, 60_000);
});
