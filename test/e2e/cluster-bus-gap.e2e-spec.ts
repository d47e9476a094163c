import { busChannel } from '../../src/cluster/redis/keys';
import { COMMITS_CHANNEL } from '../../src/gateways/sessions/session-fanout';
import { startInProcessNode, type TestNode } from '../support/node';
import { agent, inviteParticipant, person } from '../support/people';
import { startRedis, type TestRedis } from '../support/redis';
import { askRedis } from '../support/sentinel';
import { WsTestClient } from '../support/ws-client';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { waitFor, withTimeout } from '../support/wait';

const cluster = (url: string) => ({ auth: { jwtSecret: 'cluster-test-secret-0123456789' }, store: { leaseTtlMs: 1000, redis: { url } } });

/**
 * Redis pub/sub is at most once: what is published while a node's subscriber connection is down is
 * gone for it. Node A reaches Redis through a proxy the test cuts; node B commits meanwhile; when A is
 * back, its clients must hear what they missed without any later commit to reveal the gap.
 */
describe('a node whose bus connection dropped while the other node committed', () => {
  let redis: TestRedis;
  let proxy: TcpProxy;
  let a: TestNode;
  let b: TestNode;
  beforeAll(async () => {
    redis = await startRedis();
    proxy = await startTcpProxy(redis.port);
    b = await startInProcessNode(cluster(redis.url));
    a = await startInProcessNode(cluster(`redis://127.0.0.1:${proxy.port}`));
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await proxy?.close();
    await redis?.stop();
  });

  const commitSubscribers = async (): Promise<number> => ((await askRedis(redis.port, 'PUBSUB', 'NUMSUB', busChannel(COMMITS_CHANNEL))) as [string, number])[1];

  /** Cuts A off Redis (and refuses its reconnects) until `meanwhile` ran on B, then lets it reconnect. */
  async function whileADeaf(meanwhile: () => Promise<void>): Promise<void> {
    expect(await commitSubscribers()).toBe(2);
    await proxy.cut();
    await waitFor('Redis to drop A\'s subscriber', async () => (await commitSubscribers()) === 1);
    try {
      await meanwhile();
    } finally {
      proxy.restore();
    }
  }

  it('a member connected to it hears the chat line and the end committed meanwhile', async () => {
    const alice = await person(b, 'alice');
    const desk = await agent(b, 'desk-gap-member', '731731');
    const { sessionId } = await alice.ask('assist.request', { agentId: desk.agentId });
    await desk.ws.ask('assist.respond', { sessionId, allow: true });
    const carol = await person(a, 'carol');
    await waitFor('carol on A invitable from B', async () => (await alice.ask('people.invitable', { sessionId })).people.some((p: { userId: string; availability: string }) => p.userId === 'carol' && p.availability === 'online'));
    await inviteParticipant(alice, carol, sessionId, 'carol');

    await whileADeaf(async () => {
      await alice.ask('chat.send', { sessionId, text: 'said while A was deaf' });
      await alice.ask('session.end', { sessionId });
    });

    // Nothing is committed after the end: only the catch-up after the gap can tell carol.
    const chat = await carol.next('session.event', (e) => e.sessionId === sessionId && e.type === 'ChatSent', 10_000);
    expect(chat.text).toBe('said while A was deaf');
    await carol.next('session.event', (e) => e.sessionId === sessionId && e.type === 'SessionEnded', 10_000);
    await carol.next('session.ended', (d) => d.sessionId === sessionId, 10_000);
    const seqs: number[] = carol.all('session.event').filter((e) => e.sessionId === sessionId).map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i));
    expect(carol.all('session.ended').filter((d) => d.sessionId === sessionId)).toHaveLength(1);
    for (const c of [alice, carol, desk.ws]) await c.close();
  }, 30_000);

  it('a desktop connected to it is asked for the assist requested meanwhile, once', async () => {
    const alice = await person(b, 'alice');
    // The presence actor runs on B (the first to ask activates it), so B can look the desktop up while A is cut off.
    await alice.ask('online.list', {});
    const desk = await agent(a, 'desk-gap-agent', '742742');
    await waitFor('the desktop online for alice', async () => (await alice.ask('online.list', {})).agents.some((x: { agentId: string }) => x.agentId === desk.agentId));

    let sessionId = '';
    await whileADeaf(async () => {
      ({ sessionId } = await alice.ask('assist.request', { agentId: desk.agentId }, 10_000));
    });

    const asked = await desk.ws.next('assist.requested', (d) => d.sessionId === sessionId, 10_000);
    expect(asked.technician.id).toBe('alice');
    // The desktop answers through A; the technician on B hears it.
    await desk.ws.ask('assist.respond', { sessionId, allow: true });
    await alice.next('session.event', (e) => e.sessionId === sessionId && e.type === 'AssistAccepted');
    await desk.ws.next('session.mode', (d) => d.sessionId === sessionId);
    expect(desk.ws.all('assist.requested').filter((d) => d.sessionId === sessionId)).toHaveLength(1);
    for (const c of [alice, desk.ws]) await c.close();
  }, 30_000);

  it('a person whose tokens were revoked meanwhile is disconnected from it', async () => {
    const bob = await person(a, 'bob');
    const root = await b.login('root');
    await whileADeaf(async () => {
      const res = await fetch(`${b.url}/api/admin/users/bob/revoke`, { method: 'POST', headers: { authorization: `Bearer ${root}` } });
      expect(res.status).toBe(200);
    });
    expect(await withTimeout(bob.closed, 10_000, 'bob disconnected from A')).toMatchObject({ code: 4401 });
  }, 30_000);

  it('a console connected to it is shown the requests filed, changed and deleted meanwhile', async () => {
    const desk = await agent(b, 'desk-gap-requests', '753753');
    const panelOf = async (t: TestNode, d: typeof desk): Promise<WsTestClient> => WsTestClient.connect(`${t.wsUrl}/ws/console`, (await d.ws.ask('customer.panel', {})).token, { viaQuery: true });
    const panel = await panelOf(b, desk);
    const sam = await person(b, 'sam');
    const changed = (await panel.ask('request.file', { description: 'to be changed', availableFrom: '*', oneTime: false })).requestId as string;
    const deleted = (await panel.ask('request.file', { description: 'to be deleted', availableFrom: '*', oneTime: false })).requestId as string;
    // On A: an assistant who may view requests, and another desktop's user (its panel), who may see only their own.
    const alice = await person(a, 'alice');
    const other = await agent(b, 'desk-gap-other', '764764');
    const otherPanel = await panelOf(a, other);
    const listed = (await alice.ask('request.list', {})).requests.map((r: { requestId: string }) => r.requestId);
    expect(listed).toEqual(expect.arrayContaining([changed, deleted]));

    let filed = '';
    await whileADeaf(async () => {
      await sam.ask('request.edit', { requestId: changed, assignee: 'bob' });
      await sam.ask('request.delete', { requestId: deleted });
      filed = (await panel.ask('request.file', { description: 'filed meanwhile', availableFrom: '*', oneTime: false })).requestId;
    });

    // Nothing changes after the gap: only the check after it can tell alice.
    expect(await alice.next('request.changed', (c) => c.request.requestId === changed, 10_000)).toMatchObject({ request: { status: 'open', assignee: { id: 'bob' } } });
    expect(await alice.next('request.changed', (c) => c.request.requestId === deleted, 10_000)).toMatchObject({ request: { status: 'closed' } });
    expect(await alice.next('request.changed', (c) => c.request.requestId === filed, 10_000)).toMatchObject({ request: { status: 'open', description: 'filed meanwhile' } });
    const ids = [changed, deleted, filed];
    for (const id of ids) expect(alice.all('request.changed').filter((c) => c.request.requestId === id)).toHaveLength(1);
    expect(otherPanel.all('request.changed').filter((c) => ids.includes(c.request.requestId))).toEqual([]);
    for (const c of [alice, otherPanel, other.ws, sam, panel, desk.ws]) await c.close();
  }, 30_000);

  // Last: A stays drained.
  it('a drain asked meanwhile is carried out once it is back', async () => {
    // Not bob: his tokens were revoked above, within the same second as a new one would be issued.
    const carol = await person(a, 'carol');
    const aId = (a as unknown as { node: { info: { id: string } } }).node.info.id;
    await whileADeaf(async () => {
      const res = await fetch(`${b.url}/api/admin/nodes/${aId}/drain`, { method: 'POST', headers: { authorization: `Bearer ${await b.login('root')}` } });
      expect(res.status).toBe(202);
    });
    expect(await withTimeout(carol.closed, 10_000, 'carol sent away from A')).toMatchObject({ code: 1001 });
    expect((await fetch(`${a.url}/readyz`)).status).toBe(503);
  }, 30_000);
});
