import { startInProcessNode, type TestNode } from '../support/node';
import { agent, person } from '../support/people';
import { startRedis, type TestRedis } from '../support/redis';
import { waitFor } from '../support/wait';

const cluster = (redis: TestRedis) => ({ auth: { jwtSecret: 'cluster-test-secret-0123456789' }, store: { leaseTtlMs: 1000, redis: { url: redis.url } } });

/** Who is logged in is known on every node: a representative connected to node B is invitable by an owner on node A, and a supervisor on B sees A's team session. */
describe('collaboration across two nodes on one Redis', () => {
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

  it('invites a representative logged in on the other node, and not once they left', async () => {
    const alice = await person(a, 'alice');
    const desk = await agent(a, 'desk-xnode', '760760');
    const { sessionId } = await alice.ask('assist.request', { agentId: desk.agentId });
    await desk.ws.ask('assist.respond', { sessionId, allow: true });
    const invitable = async (): Promise<string[]> => (await alice.ask('people.invitable', { sessionId })).people.map((p: { userId: string; availability: string }) => `${p.userId}:${p.availability}`);

    await expect(alice.ask('session.invite', { sessionId, target: { kind: 'representative', userId: 'carol' } })).rejects.toMatchObject({ code: 'NOT_AVAILABLE' });
    const carol = await person(b, 'carol');
    await waitFor('carol online on B', async () => (await invitable()).includes('carol:online'));
    await carol.close();
    await waitFor('carol gone from B', async () => !(await invitable()).includes('carol:online'));
    await expect(alice.ask('session.invite', { sessionId, target: { kind: 'representative', userId: 'carol' } })).rejects.toMatchObject({ code: 'NOT_AVAILABLE' });

    const carolAgain = await person(b, 'carol');
    await waitFor('carol back on B', async () => (await invitable()).includes('carol:online'));
    const { inviteId } = await alice.ask('session.invite', { sessionId, target: { kind: 'representative', userId: 'carol' } });
    await carolAgain.next('invite.received', (i) => i.inviteId === inviteId);

    // A supervisor on B lists the session of the team running on A, live, and joins it.
    const sam = await person(b, 'sam');
    expect((await sam.ask('sessions.list', {})).sessions.map((s: { sessionId: string }) => s.sessionId)).toContain(sessionId);
    await sam.ask('session.join', { sessionId });
    expect(await sam.next('session.state', (s) => s.sessionId === sessionId && s.you === 'observer')).toMatchObject({ ownerId: 'alice' });
    await alice.ask('session.end', { sessionId });
    await sam.next('sessions.changed', (d) => !d.sessions.some((s: { sessionId: string }) => s.sessionId === sessionId));
    expect(await carolAgain.next('invite.closed', (i) => i.inviteId === inviteId)).toMatchObject({ reason: 'session-ended' });
    for (const c of [alice, carolAgain, sam, desk.ws]) await c.close();
  }, 30_000);
});
