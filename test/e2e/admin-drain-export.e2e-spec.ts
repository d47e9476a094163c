import { readFileSync } from 'node:fs';
import { RedisStore } from '../../src/cluster/redis/redis-store';
import type { AuditEntry } from '../../src/cluster/ports';
import { startInProcessNode, startChildNode, type TestNode } from '../support/node';
import { agent, person } from '../support/people';
import type { TrackedProcess } from '../support/processes';
import { startRedis, type TestRedis } from '../support/redis';
import { WsTestClient } from '../support/ws-client';

const cluster = (redis: TestRedis) => ({ auth: { jwtSecret: 'admin-test-secret-0123456789abcdef' }, store: { redis: { url: redis.url } } });

/** Draining a node in a two-node cluster, and exporting 100 000 audit entries with flat memory. */
describe('admin: drain and a large export', () => {
  let redis: TestRedis;
  beforeAll(async () => { redis = await startRedis(); });
  afterAll(async () => redis?.stop());

  it('drains a node: it leaves the rotation, its sessions continue on the other node with no lost event', async () => {
    const a = await startInProcessNode(cluster(redis));
    const b = await startInProcessNode(cluster(redis));
    try {
      const alice = await person(a, 'alice');
      const desk = await agent(a, 'desk-drain', '151515');
      const { sessionId } = await alice.ask('assist.request', { agentId: desk.agentId }); // owned by A
      const token = (await alice.next('session.resumable', (r) => r.sessionId === sessionId)).resumeToken;
      await desk.ws.ask('assist.respond', { sessionId, allow: true });
      await alice.ask('chat.send', { sessionId, text: 'before drain' });
      const last = await alice.next('session.event', (e) => e.text === 'before drain');
      const nodes = (await (await fetch(`${b.url}/api/admin/nodes`, { headers: { authorization: `Bearer ${await b.login('root')}` } })).json()) as { nodes: Array<{ id: string }> };
      const aId = (a as unknown as { node: { info: { id: string } } }).node.info.id;
      expect(nodes.nodes.map((n) => n.id)).toContain(aId);

      const res = await fetch(`${b.url}/api/admin/nodes/${aId}/drain`, { method: 'POST', headers: { authorization: `Bearer ${await b.login('root')}` } });
      expect(res.status).toBe(202);
      expect(await alice.closed).toMatchObject({ code: 1001 });
      expect(await desk.ws.closed).toMatchObject({ code: 1001 });
      expect((await fetch(`${a.url}/readyz`)).status).toBe(503);
      await expect(WsTestClient.connect(`${a.wsUrl}/ws/console`, await b.login('alice'))).rejects.toMatchObject({ status: 503 });
      // The drained node still answers the admin API from what the store holds.
      const agentsOnA = await fetch(`${a.url}/api/admin/agents`, { headers: { authorization: `Bearer ${await b.login('root')}` } });
      expect(agentsOnA.status).toBe(200);
      expect(((await agentsOnA.json()) as { agents: { hostname: string }[] }).agents.map((x) => x.hostname)).toContain('desk-drain');

      // Everyone comes back on B (as the load balancer would send them) and carries on.
      const alice2 = await person(b, 'alice');
      await alice2.ask('session.resume', { token, lastSeq: last.seq });
      const desk2 = await WsTestClient.connect(`${b.wsUrl}/ws/agent`, desk.token);
      await desk2.ask('agent.hello', { hostname: 'desk-drain', osUser: 'carol', os: 'Linux', version: '0', pin: '151515', displays: [] });
      await desk2.ask('chat.send', { sessionId, text: 'after drain' });
      expect(await alice2.next('session.event', (e) => e.text === 'after drain')).toMatchObject({ seq: expect.any(Number) });
      const seqs = alice2.all('session.event').map((e) => e.seq);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_v, i) => last.seq + 1 + i));
      await alice2.close();
      await desk2.close();
    } finally {
      await a.stop();
      await b.stop();
    }
  }, 60_000);

  it('streams 100 000 audit entries as JSON Lines and CSV with flat memory', async () => {
    // The node gets a 64 MB old generation: an export that kept its 100 000 entries (~26 MB of text,
    // several times that as JS strings and objects) on top of the node's own ~30 MB would die of it.
    const node: TestNode & { process: TrackedProcess } = await startChildNode({ overrides: cluster(redis), env: { NODE_OPTIONS: '--max-old-space-size=64 --max-semi-space-size=2' } });
    const store = new RedisStore({ url: redis.url, sentinels: [], masterName: 'mymaster', waitReplicas: 0, waitTimeoutMs: 500 });
    try {
      const at = Date.now();
      for (let batch = 0; batch < 100; batch++) {
        const entries: AuditEntry[] = Array.from({ length: 1000 }, (_v, i) => ({
          at: at + batch, type: 'ChatSent', actor: { kind: 'technician', id: 'bulk-alice', name: 'Alice' }, sessionId: `s_bulk${batch % 7}`,
          seq: batch * 1000 + i, node: 'bulk', details: { text: `line ${batch * 1000 + i} ${'x'.repeat(80)}` },
        }));
        await store.audit.append(entries);
      }
      const rss = (): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${node.process.pid}/status`, 'utf8'))![1]) * 1024;
      const token = await node.login('root');
      for (const format of ['jsonl', 'csv'] as const) {
        const before = rss();
        let peak = before;
        const res = await fetch(`${node.url}/api/admin/audit?format=${format}&actor=bulk-alice`, { headers: { authorization: `Bearer ${token}` } });
        let lines = 0;
        let bytes = 0;
        let tail = '';
        const decoder = new TextDecoder();
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          bytes += chunk.byteLength;
          const text = tail + decoder.decode(chunk, { stream: true });
          const parts = text.split('\n');
          tail = parts.pop() ?? '';
          lines += parts.length;
          peak = Math.max(peak, rss());
          // A slow reader: the server must wait for the socket, not buffer the whole export.
          if (lines % 20_000 < 50) await new Promise((r) => setTimeout(r, 20));
        }
        expect(lines).toBe(format === 'csv' ? 100_001 : 100_000);
        process.stdout.write(`audit export ${format}: ${lines} lines, ${(bytes / 1e6).toFixed(1)} MB, node RSS ${(before / 1e6).toFixed(0)} MB → peak ${(peak / 1e6).toFixed(0)} MB\n`);
        expect(node.process.child.exitCode).toBeNull();
        expect((await fetch(`${node.url}/healthz`)).status).toBe(200);
      }
    } finally {
      await store.close();
      await node.stop();
    }
  }, 120_000);
});
