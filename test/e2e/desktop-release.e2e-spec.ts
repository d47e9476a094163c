import { startInProcessNode, type TestNode } from '../support/node';
import { agent, person } from '../support/people';
import { startRedis, type TestRedis } from '../support/redis';

/**
 * A desktop is free the moment its session's end is heard. The session index (summary and agent
 * reservation) is written after the commit is published, so a technician who gets `session.ended`
 * and asks again at once used to meet AGENT_BUSY — on Redis, where those writes take round trips,
 * often enough to fail CI. The reservation's owner is now read from the journal, which has the
 * commit before anyone is told of it.
 */
describe('a desktop freed by an end, a refusal or a disconnect takes the next request at once', () => {
  let redis: TestRedis;
  let t: TestNode;
  beforeAll(async () => {
    redis = await startRedis();
    t = await startInProcessNode({ store: { redis: { url: redis.url } } });
  });
  afterAll(async () => {
    await t?.stop();
    await redis?.stop();
  });

  it('asks again straight after session.ended (owner ended, customer declined, customer disconnected), 20 rounds each, on Redis', async () => {
    const alice = await person(t, 'alice');
    const desk = await agent(t, 'desk-release', '720720');
    try {
      for (let round = 0; round < 20; round++) {
        // The owner ends it.
        const { sessionId: ended } = await alice.ask('assist.request', { agentId: desk.agentId });
        await desk.ws.ask('assist.respond', { sessionId: ended, allow: true });
        await alice.ask('session.end', { sessionId: ended });
        await alice.next('session.ended', (e) => e.sessionId === ended);
        // The customer declines: the next request follows the end without a pause.
        const { sessionId: declined } = await alice.ask('assist.request', { agentId: desk.agentId });
        await desk.ws.ask('assist.respond', { sessionId: declined, allow: false });
        expect(await alice.next('session.ended', (e) => e.sessionId === declined)).toMatchObject({ reason: 'declined' });
        // The customer is disconnected (REM-10): the session stays, the desktop is free.
        const { sessionId: kept } = await alice.ask('assist.request', { agentId: desk.agentId });
        await desk.ws.ask('assist.respond', { sessionId: kept, allow: true });
        await alice.ask('customer.disconnect', { sessionId: kept });
        const { sessionId: after } = await alice.ask('assist.request', { agentId: desk.agentId });
        expect(after).not.toBe(kept);
        // While that one is live the desktop is busy, for anyone.
        await expect(alice.ask('assist.request', { agentId: desk.agentId })).rejects.toMatchObject({ code: 'AGENT_BUSY' });
        await desk.ws.ask('assist.respond', { sessionId: after, allow: false });
        await alice.next('session.ended', (e) => e.sessionId === after);
        await alice.ask('session.end', { sessionId: kept });
        await alice.next('session.ended', (e) => e.sessionId === kept);
      }
    } finally {
      await alice.close();
      desk.ws.close();
    }
  }, 120_000);

  it('gives a desktop to one of several technicians asking at the same moment; the others get AGENT_BUSY', async () => {
    const techs = [await person(t, 'alice'), await person(t, 'bob'), await person(t, 'alice'), await person(t, 'bob')];
    const desk = await agent(t, 'desk-race', '730730');
    try {
      for (let round = 0; round < 10; round++) {
        const asks = await Promise.allSettled(techs.map((c) => c.ask('assist.request', { agentId: desk.agentId })));
        const won = asks.filter((a): a is PromiseFulfilledResult<{ sessionId: string }> => a.status === 'fulfilled');
        const lost = asks.filter((a): a is PromiseRejectedResult => a.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost.map((l) => (l.reason as { code?: string }).code)).toEqual(['AGENT_BUSY', 'AGENT_BUSY', 'AGENT_BUSY']);
        const { sessionId } = won[0]!.value;
        // The customer is asked once, for the one session.
        await desk.ws.ask('assist.respond', { sessionId, allow: false });
        await techs[asks.indexOf(won[0]!)]!.next('session.ended', (e) => e.sessionId === sessionId);
      }
      expect(desk.ws.received.filter((m) => m.event === 'assist.requested')).toHaveLength(10);
    } finally {
      for (const c of techs) await c.close();
      desk.ws.close();
    }
  }, 60_000);
});
