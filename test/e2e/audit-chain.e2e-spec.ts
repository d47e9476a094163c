import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { GENESIS, seal } from '../../src/actors/event-chain';
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

  describe('in the embedded store', () => {
    let store: MemoryStore;
    let t: TestNode;
    beforeEach(async () => {
      store = new MemoryStore();
      t = await startInProcessNode({}, { store });
    });
    afterEach(async () => {
      await t?.stop();
    });
    const streams = (): Map<string, string[]> => (store.journal as unknown as { streams: Map<string, string[]> }).streams;
    const ended = async (pin: string): Promise<string> => {
      const id = await recordSession(t, pin);
      await new Promise((r) => setTimeout(r, 200)); // the day ledger is sealed just after the end
      expect(await verifyApi(t, `sessionId=${id}`)).toMatchObject({ ok: true });
      return id;
    };

    it.each([
      ['a deleted event', (entries: string[]) => void entries.splice(3, 1), 4, 'seq-out-of-order'],
      ['two events swapped', (entries: string[]) => void entries.splice(1, 2, entries[2]!, entries[1]!), 2, 'seq-out-of-order'],
      ['the last events cut off (only the day ledger knows)', (entries: string[]) => void entries.splice(4, 2), 5, 'truncated'],
    ])('names the first broken link after %s', async (_what, tamper, position, reason) => {
      const sessionId = await ended(String(180000 + position));
      tamper(streams().get(`session:${sessionId}`)!);
      const broken = { ok: false, firstBroken: { stream: `session:${sessionId}`, break: { position, reason } } };
      expect(await verifyApi(t, `sessionId=${sessionId}`)).toMatchObject(broken);
      expect(await verifyApi(t, 'from=0')).toMatchObject(broken);
    });

    it('names a sealed session whose whole journal was deleted, from the day ledger', async () => {
      const kept = await ended('181818');
      const gone = await ended('181819');
      streams().delete(`session:${gone}`);
      const all = await verifyApi(t, 'from=0');
      expect(all).toMatchObject({ ok: false, firstBroken: { stream: `session:${gone}`, events: 0, break: { position: 1, reason: 'truncated', detail: expect.stringContaining('sealed 6 events; the journal is gone') } } });
      expect(all.results).toEqual(expect.arrayContaining([expect.objectContaining({ stream: `session:${kept}`, ok: true })]));
      // Asked for by id, the empty journal is looked up in the last week's ledgers too.
      expect(await verifyApi(t, `sessionId=${gone}`)).toMatchObject({ ok: false, firstBroken: { break: { position: 1, reason: 'truncated' } } });
    });

    it('detects an edited or deleted ledger entry, at its position', async () => {
      const first = await ended('191919');
      await ended('191920');
      const [day] = [...streams().keys()].filter((k) => k.startsWith('ledger:'));
      const ledger = streams().get(day!)!;
      expect(ledger).toHaveLength(2);
      const original = [...ledger];
      ledger[1] = ledger[1]!.replace(/"lastSeq":6/, '"lastSeq":5');
      let all = await verifyApi(t, 'from=0');
      expect(all.ok).toBe(false);
      expect(all.results).toEqual(expect.arrayContaining([expect.objectContaining({ stream: day, ok: false, break: expect.objectContaining({ position: 2, reason: 'hash-mismatch' }) })]));

      // The first session's journal and its seal both deleted: the ledger's chain no longer starts at its first link.
      ledger.splice(0, 2, original[1]!);
      streams().delete(`session:${first}`);
      all = await verifyApi(t, 'from=0');
      expect(all.results).toEqual(expect.arrayContaining([expect.objectContaining({ stream: day, ok: false, break: expect.objectContaining({ position: 1 }) })]));
    });

    it('cannot see a chain rewritten and recomputed by whoever can write the store (the hash is unkeyed); the day head anchored before does', async () => {
      const sessionId = await ended('222222');
      const before = await verifyApi(t, 'from=0');
      const anchored = before.results.find((r: { stream: string }) => r.stream.startsWith('ledger:'));
      expect(anchored.head).toMatch(/^[0-9a-f]{64}$/);

      // Edit an event, then recompute the session's chain, its seal and the ledger's chain, as an attacker with the store's password could.
      const rechain = (stream: string, edit: (events: Array<Record<string, unknown>>) => void): string => {
        const events = streams().get(stream)!.map((line) => JSON.parse(line) as Record<string, unknown>);
        edit(events);
        const { sealed, head } = seal(events.map(({ hash: _h, prevHash: _p, ...e }) => e), GENESIS);
        streams().set(stream, sealed.map((e) => JSON.stringify(e)));
        return head;
      };
      const head = rechain(`session:${sessionId}`, (events) => { events[3]!.text = 'line X'; });
      rechain(anchored.stream, (events) => { for (const e of events) if (e.sessionId === sessionId) e.head = head; });

      const after = await verifyApi(t, 'from=0');
      expect(after.ok).toBe(true);
      const ledger = after.results.find((r: { stream: string }) => r.stream === anchored.stream);
      expect(ledger.head).not.toBe(anchored.head);
    });

    it('says which day ledgers a long range did not read', async () => {
      await ended('202020');
      const all = await verifyApi(t, `from=${Date.parse('2000-01-01T00:00:00Z')}`);
      expect(all.ok).toBe(true);
      expect(all.days.checked).toBe(400);
      expect(all.days.skipped).toBeGreaterThan(9000);
      expect(all.days.skippedBefore).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      // From 0, the range starts at the first audit entry: nothing skipped.
      expect((await verifyApi(t, 'from=0')).days).toEqual({ checked: 1, skipped: 0 });
    });
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

    it('names a sealed session whose whole journal was deleted, and an edited ledger entry', async () => {
      const sessionId = await recordSession(t, '212121');
      await new Promise((r) => setTimeout(r, 200));
      const day = new Date().toISOString().slice(0, 10);
      const since = new Date(Date.now() - 3600_000).toISOString();
      await askRedis(redis.port, 'DEL', `tandem:{session:${sessionId}}:journal`);
      let r = cli('--from', since);
      expect(r.code).toBe(1);
      expect(r.out).toContain(`BROKEN  session:${sessionId} at event 1: truncated (the ledger of ${day} sealed 6 events; the journal is gone)`);

      const key = `tandem:{ledger:${day}}:journal`;
      const n = Number(await askRedis(redis.port, 'LLEN', key));
      const e = (await askRedis(redis.port, 'LINDEX', key, String(n - 1))) as string;
      await askRedis(redis.port, 'LSET', key, String(n - 1), e.replace(/"lastSeq":6/, '"lastSeq":7'));
      r = cli('--from', since);
      expect(r.out).toContain(`BROKEN  ledger:${day} at event ${n}: hash-mismatch`);
      await askRedis(redis.port, 'LSET', key, String(n - 1), e);
    });

    it('checks every session of a time range and its ledgers', () => {
      const { code, out } = cli('--from', new Date(Date.now() - 3600_000).toISOString());
      expect(out).toMatch(/ok +ledger:\d{4}-\d{2}-\d{2}/);
      expect(out).toContain('first broken link');
      expect(code).toBe(1);
    });
  });
});
