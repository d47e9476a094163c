import { RedisStore } from '../../src/cluster/redis/redis-store';
import { startHaproxy, type TestHaproxy } from '../support/haproxy';
import { startChildNode, type TestNode } from '../support/node';
import type { TrackedProcess } from '../support/processes';
import { ResilientClient } from '../support/resilient-client';
import { startSentinelGroup, type SentinelGroup } from '../support/sentinel';
import type { WsTestClient } from '../support/ws-client';

type Child = TestNode & { process: TrackedProcess };
const SESSIONS = 20;
const TRAFFIC_MS = 22_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Run {
  sessionId: string;
  agentId: string;
  owner: ResilientClient;
  guest: ResilientClient;
  desk: ResilientClient;
  acked: string[];
  removedGuest: boolean;
  held: boolean;
}

/**
 * Three nodes behind HAProxy on a Redis primary + replica + three sentinels; 20 sessions, each with a
 * scripted agent and two technicians sending chat and input. Meanwhile: kill -9 a node (and start it
 * again), pause another (a zombie) and wake it, kill the Redis primary. Afterwards every stream is
 * gapless and repeat-free, every acknowledged chat line is in the journal, and the removal and hold cuts
 * held throughout.
 */
describe('cluster chaos: nodes killed and paused, Redis primary killed, nothing acknowledged lost', () => {
  let group: SentinelGroup;
  let nodes: Child[] = [];
  let lb: TestHaproxy;
  let store: RedisStore;
  let overrides: Record<string, unknown>;

  beforeAll(async () => {
    group = await startSentinelGroup();
    overrides = {
      auth: { jwtSecret: 'chaos-test-secret-0123456789abcdef', enrollmentSecret: 'test-enroll-secret' },
      store: { redis: { sentinels: group.sentinels, masterName: group.masterName, waitReplicas: 1, waitTimeoutMs: 300 } },
      ws: { agentGraceMs: 60_000, rateLimit: { messagesPerSecond: 1000, burst: 1000 } },
    };
    nodes = await Promise.all([0, 1, 2].map(() => startChildNode({ overrides })));
    lb = await startHaproxy(nodes.map((n) => n.port));
    store = new RedisStore({ sentinels: group.sentinels, masterName: group.masterName, url: '', waitReplicas: 0, waitTimeoutMs: 500 });
  }, 120_000);

  afterAll(async () => {
    await store?.close();
    await lb?.stop();
    for (const n of nodes) await n.stop();
    await group?.stop();
  }, 60_000);

  it('keeps every stream whole and every acknowledged event', async () => {
    const login = async (u: string): Promise<string> => {
      const res = await fetch(`${lb.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: u, password: `${u}-pw` }) });
      return ((await res.json()) as { token: string }).token;
    };
    const [aliceToken, bobToken] = [await login('alice'), await login('bob')];
    const runs: Run[] = [];
    for (let i = 0; i < SESSIONS; i++) {
      const enrolled = (await (await fetch(`${lb.url}/api/agents/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ hostname: `chaos-${i}`, secret: 'test-enroll-secret' }) })).json()) as { agentId: string; token: string };
      const hello = async (c: WsTestClient): Promise<void> => {
        await c.ask('agent.hello', { hostname: `chaos-${i}`, osUser: 'carol', os: 'Linux', version: '0', pin: String(700000 + i), displays: [] }, 10_000);
      };
      const desk = new ResilientClient(`${lb.wsUrl}/ws/agent`, enrolled.token, hello);
      const owner = new ResilientClient(`${lb.wsUrl}/ws/console`, aliceToken);
      const guest = new ResilientClient(`${lb.wsUrl}/ws/console`, bobToken);
      await Promise.all([desk.start(), owner.start(), guest.start()]);
      const { sessionId } = await owner.ask('assist.request', { agentId: enrolled.agentId });
      await desk.ask('assist.respond', { sessionId, allow: true });
      await desk.ask('mode.set', { sessionId, mode: 'interact' });
      const { inviteId } = await owner.ask('session.invite', { sessionId, target: { kind: 'representative', userId: 'bob' } });
      await guest.ask('invite.respond', { sessionId, inviteId, accept: true });
      runs.push({ sessionId, agentId: enrolled.agentId, owner, guest, desk, acked: [], removedGuest: false, held: false });
    }

    const stopAt = Date.now() + TRAFFIC_MS;
    const refusedInput: string[] = [];
    const traffic = runs.map(async (r, i) => {
      for (let n = 0; Date.now() < stopAt; n++) {
        const line = `s${i}-owner-${n}`;
        await r.owner.ask('chat.send', { sessionId: r.sessionId, text: line }).then(() => r.acked.push(line), () => undefined);
        if (!r.removedGuest) {
          const g = `s${i}-guest-${n}`;
          // Refused or unanswered is fine (not acknowledged, so not counted); what must not happen is a
          // refusal for another reason than removal or a store that is failing over at that moment.
          await r.guest.ask('chat.send', { sessionId: r.sessionId, text: g }).then(() => r.acked.push(g), (e: { code?: string }) => {
            if (e.code !== undefined && !['NOT_MEMBER', 'STORE_UNAVAILABLE', 'BUSY', 'TIMEOUT'].includes(e.code)) throw e;
          });
        }
        await r.owner.ask('input', { sessionId: r.sessionId, kind: 'text', text: `in-${n}` }).catch((e: { code?: string }) => refusedInput.push(e.code ?? 'unknown'));
        await sleep(250);
      }
    });
    const cuts = (async () => {
      await sleep(6000);
      for (const r of runs.slice(0, 5)) {
        await r.owner.ask('member.remove', { sessionId: r.sessionId, memberId: 'bob' });
        r.removedGuest = true;
      }
      await sleep(4000);
      for (const r of runs.slice(5, 10)) {
        await r.desk.ask('mode.set', { sessionId: r.sessionId, mode: 'hold' });
        r.held = true;
      }
    })();
    const chaos = (async () => {
      await sleep(3000);
      const victim = nodes[0]!;
      victim.process.child.kill('SIGKILL');
      await victim.process.stop();
      await sleep(2000);
      nodes[0] = await startChildNode({ overrides, port: victim.port });
      await sleep(2000);
      nodes[1]!.process.child.kill('SIGSTOP');
      await sleep(3000);
      nodes[1]!.process.child.kill('SIGCONT');
      await sleep(2000);
      await group.killPrimary();
      await sleep(4000);
      await group.revivePrimary();
    })();
    try {
      await Promise.all([...traffic, cuts, chaos]);
    } catch (err) {
      for (const r of runs) await Promise.all([r.owner.close(), r.guest.close(), r.desk.close()]);
      throw err;
    }
    await sleep(3000);

    let fenceRejections = 0;
    for (const n of nodes) fenceRejections += (n.process.output().match(/lease lost|fenced: lease taken|append\(\) refused/g) ?? []).length;
    const reconnects = runs.reduce((sum, r) => sum + r.owner.reconnects + r.guest.reconnects + r.desk.reconnects, 0);
    const ackedTotal = runs.reduce((sum, r) => sum + r.acked.length, 0);
    process.stdout.write(`chaos: ${ackedTotal} chat lines acknowledged, ${reconnects} reconnects, ${fenceRejections} fence rejections, ${refusedInput.length} inputs refused\n`);

    for (const r of runs) {
      for (const [who, client] of [['owner', r.owner], ['guest', r.guest], ['agent', r.desk]] as const) {
        const seqs = client.stream(r.sessionId).seqs;
        expect({ who, sessionId: r.sessionId, repeats: seqs.length - new Set(seqs).size }).toEqual({ who, sessionId: r.sessionId, repeats: 0 });
        const gaps = seqs.filter((s, k) => k > 0 && s !== seqs[k - 1]! + 1);
        expect({ who, sessionId: r.sessionId, gaps }).toEqual({ who, sessionId: r.sessionId, gaps: [] });
      }
      const journal = await store.journal.read(`session:${r.sessionId}`, 0);
      journal.forEach((e, k) => expect(e.version).toBe(k + 1));
      const texts = new Set(journal.map((e) => (e.event as { text?: string }).text).filter(Boolean));
      expect(r.acked.filter((t) => !texts.has(t))).toEqual([]);

      if (r.removedGuest) {
        const events = r.guest.stream(r.sessionId).events;
        const removal = events.findIndex((e) => e.type === 'MemberRemoved' && e.memberId === 'bob');
        expect(removal).toBeGreaterThanOrEqual(0);
        expect(events.slice(removal + 1)).toEqual([]);
      }
      if (r.held) {
        const pushes = r.desk.pushes.filter((p) => p.data?.sessionId === r.sessionId);
        // The last switch to hold (the session also starts in hold, before interact).
        const holdAt = pushes.map((p) => p.event === 'session.mode' && p.data.mode === 'hold').lastIndexOf(true);
        expect(holdAt).toBeGreaterThanOrEqual(0);
        expect(pushes.slice(holdAt + 1).filter((p) => p.event === 'input')).toEqual([]);
      }
    }
    for (const r of runs) await Promise.all([r.owner.close(), r.guest.close(), r.desk.close()]);
  }, 180_000);
});
