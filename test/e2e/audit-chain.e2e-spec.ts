import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { MemoryStore } from '../../src/cluster/memory/memory-store';
import { PROJECT_ROOT } from '../../src/config/load-config';
import { startInProcessNode, type TestNode } from '../support/node';
import { agent, person } from '../support/people';
import { startRedis, type TestRedis } from '../support/redis';
import { askRedis } from '../support/sentinel';

/** Runs one session to its end with a few chat lines; returns its id. */
async function recordSession(t: TestNode, pin: string): Promise<string> {
  const alice = await person(t, 'alice');
  const desk = await agent(t, `desk-chain-${pin}`, pin);
  const { sessionId } = await alice.ask('assist.request', { agentId: desk.agentId });
  await desk.ws.ask('assist.respond', { sessionId, allow: true });
  for (let i = 0; i < 3; i++) await alice.ask('chat.send', { sessionId, text: `line ${i}` });
  await alice.ask('session.end', { sessionId });
  await alice.next('session.ended');
  await alice.close();
  await desk.ws.close();
  return sessionId;
}

const verifyApi = async (t: TestNode, query: string): Promise<any> =>
  (await fetch(`${t.url}/api/admin/audit/verify?${query}`, { headers: { authorization: `Bearer ${await t.login('root')}` } })).json();

/** Every journaled event is hash-chained to the one before; the verifier finds the first edit, deletion or reordering. */
describe('tamper-evident journal', () => {
  it('detects an edited event in the embedded store, at its position', async () => {
    const store = new MemoryStore();
    const t = await startInProcessNode({}, { store });
    try {
      const sessionId = await recordSession(t, '161616');
      expect(await verifyApi(t, `sessionId=${sessionId}`)).toMatchObject({ ok: true, checked: 1, events: 6 });
      const all = await verifyApi(t, 'from=0');
      expect(all.ok).toBe(true);
      expect(all.results.map((r: { stream: string }) => r.stream)).toEqual(expect.arrayContaining([`session:${sessionId}`, expect.stringMatching(/^ledger:\d{4}-\d{2}-\d{2}$/)]));

      const entries = (store.journal as unknown as { streams: Map<string, string[]> }).streams.get(`session:${sessionId}`)!;
      entries[3] = entries[3]!.replace('line 1', 'line X');
      expect(await verifyApi(t, `sessionId=${sessionId}`)).toMatchObject({ ok: false, firstBroken: { stream: `session:${sessionId}`, break: { position: 4, reason: 'hash-mismatch' } } });
    } finally {
      await t.stop();
    }
  });

  describe('on Redis, with npm run audit:verify', () => {
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

    const cli = (...args: string[]): { code: number | null; out: string } => {
      const r = spawnSync(process.execPath, [resolve(PROJECT_ROOT, 'dist', 'cli', 'audit-verify.js'), ...args], {
        env: { ...process.env, TANDEM_REDIS_URL: redis.url, TANDEM_LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 20_000,
      });
      return { code: r.status, out: `${r.stdout}${r.stderr}` };
    };

    it.each([
      ['an edited event', async (key: string) => {
        const e = (await askRedis(redis.port, 'LINDEX', key, '2')) as string;
        await askRedis(redis.port, 'LSET', key, '2', e.replace('"line 0"', '"line zero"'));
      }, 3, 'hash-mismatch'],
      ['a deleted event', async (key: string) => {
        const e = (await askRedis(redis.port, 'LINDEX', key, '3')) as string;
        await askRedis(redis.port, 'LREM', key, '1', e);
      }, 4, 'seq-out-of-order'],
      ['two events swapped', async (key: string) => {
        const [a, b] = (await askRedis(redis.port, 'LRANGE', key, '1', '2')) as string[];
        await askRedis(redis.port, 'LSET', key, '1', b!);
        await askRedis(redis.port, 'LSET', key, '2', a!);
      }, 2, 'seq-out-of-order'],
      ['the last events cut off (only the day ledger knows)', async (key: string) => {
        await askRedis(redis.port, 'RPOP', key);
        await askRedis(redis.port, 'RPOP', key);
      }, 5, 'truncated'],
    ])('names the first broken link after %s', async (_what, tamper, position, reason) => {
      const sessionId = await recordSession(t, String(170000 + position));
      await new Promise((r) => setTimeout(r, 200)); // the day ledger is sealed just after the end
      expect(cli('--session', sessionId)).toMatchObject({ code: 0 });
      await tamper(`tandem:{session:${sessionId}}:journal`);
      const { code, out } = cli('--session', sessionId);
      expect(code).toBe(1);
      expect(out).toContain(`BROKEN  session:${sessionId} at event ${position}: ${reason}`);
    });

    it('checks every session of a time range and its ledgers', () => {
      const { code, out } = cli('--from', new Date(Date.now() - 3600_000).toISOString());
      expect(out).toMatch(/ok +ledger:\d{4}-\d{2}-\d{2}/);
      expect(out).toContain('first broken link');
      expect(code).toBe(1);
    });
  });
});
