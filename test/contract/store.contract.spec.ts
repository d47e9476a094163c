import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore } from '../../src/cluster/create-store';
import { MemoryStore } from '../../src/cluster/memory/memory-store';
import { InvalidStateError, type Store, StoreUnavailableError } from '../../src/cluster/ports';
import { busChannel } from '../../src/cluster/redis/keys';
import { RedisStore } from '../../src/cluster/redis/redis-store';
import { TandemConfig } from '../../src/config/config.schema';
import { startProcess, type TrackedProcess } from '../support/processes';
import { startRedis, type TestRedis } from '../support/redis';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { askRedis } from '../support/sentinel';
import { waitFor } from '../support/wait';

/**
 * The one store contract (conventions.md §5), run against MemoryStore and RedisStore alike. Two
 * "nodes" share one backend: for memory that is one MemoryStore, for Redis two RedisStores on one
 * real redis-server. Time: the memory store runs on a clock the test advances; Redis expires keys on
 * its own clock, so its TTLs are short and real and the tests poll for the lapse (never sleep).
 */
interface Backend {
  readonly name: string;
  /** A lease / kv TTL short enough to wait out for real. */
  readonly ttlMs: number;
  setup(): Promise<void>;
  teardown(): Promise<void>;
  /** The store under test, and a second node on the same backend. */
  store(): Store;
  peer(): Store;
  /** A new store of its own, for lifecycle tests. */
  fresh(): Store;
  /** Lets `ms` pass on the store's clock (memory only; Redis's clock runs by itself). */
  elapse(ms: number): void;
}

function memoryBackend(): Backend {
  let now = 1_000_000;
  let shared: MemoryStore | undefined;
  return {
    name: 'MemoryStore',
    ttlMs: 1000,
    setup: async () => { shared = new MemoryStore(() => now); },
    teardown: async () => { await shared?.close(); },
    store: () => shared!,
    peer: () => shared!,
    fresh: () => new MemoryStore(() => now),
    elapse: (ms) => { now += ms; },
  };
}

function redisBackend(): Backend {
  let redis: TestRedis | undefined;
  const opened: Store[] = [];
  let main: Store | undefined;
  let second: Store | undefined;
  const open = (): Store => {
    const s = new RedisStore({ url: redis!.url, connectionName: 'contract' });
    opened.push(s);
    return s;
  };
  return {
    name: 'RedisStore',
    ttlMs: 150,
    setup: async () => {
      redis = await startRedis();
      main = open();
      second = open();
    },
    teardown: async () => {
      await Promise.all(opened.map((s) => s.close()));
      await redis?.stop();
    },
    store: () => main!,
    peer: () => second!,
    fresh: open,
    elapse: () => undefined,
  };
}

const uid = (): string => randomUUID().slice(0, 8);

describe.each([memoryBackend(), redisBackend()])('Store contract: $name', (backend) => {
  beforeAll(() => backend.setup(), 20000);
  afterAll(() => backend.teardown(), 20000);

  let s: Store;
  let p: Store;
  beforeEach(() => {
    s = backend.store();
    p = backend.peer();
  });

  /** Lets a lease or kv record of `backend.ttlMs` lapse: advances the memory clock, then polls. */
  async function lapse(what: string, gone: () => Promise<boolean>): Promise<void> {
    backend.elapse(backend.ttlMs + 1);
    await waitFor(what, gone, backend.ttlMs * 20, 10);
  }

  describe('leases', () => {
    it('grants a free lease, refuses another holder, renews for the same holder under the same epoch', async () => {
      const key = `session:${uid()}`;
      const a = await s.leases.acquire(key, 'node-a', 5000);
      expect(a).toMatchObject({ key, holder: 'node-a' });
      expect(a!.epoch).toBeGreaterThan(0);
      expect(await p.leases.acquire(key, 'node-b', 5000)).toBeNull();
      const again = await s.leases.acquire(key, 'node-a', 5000);
      expect(again!.epoch).toBe(a!.epoch);
      expect(await p.leases.current(key)).toMatchObject({ key, holder: 'node-a', epoch: a!.epoch });
    });

    it('renews only for the holder and epoch that hold the lease', async () => {
      const key = `session:${uid()}`;
      const a = (await s.leases.acquire(key, 'node-a', 5000))!;
      expect(await s.leases.renew(key, 'node-a', a.epoch, 5000)).toBe(true);
      expect(await s.leases.renew(key, 'node-b', a.epoch, 5000)).toBe(false);
      expect(await s.leases.renew(key, 'node-a', a.epoch + 1, 5000)).toBe(false);
      expect(await s.leases.renew(`session:${uid()}`, 'node-a', 1, 5000)).toBe(false);
    });

    it('releases only under the holding epoch, idempotently, and the next holder gets a higher epoch', async () => {
      const key = `session:${uid()}`;
      const a = (await s.leases.acquire(key, 'node-a', 5000))!;
      await s.leases.release(key, 'node-a', a.epoch + 1);
      await s.leases.release(key, 'node-b', a.epoch);
      expect(await s.leases.current(key)).not.toBeNull();
      await s.leases.release(key, 'node-a', a.epoch);
      await s.leases.release(key, 'node-a', a.epoch);
      expect(await s.leases.current(key)).toBeNull();
      const b = (await p.leases.acquire(key, 'node-b', 5000))!;
      expect(b.epoch).toBeGreaterThan(a.epoch);
    });

    it('lets a lease lapse after its ttl; the lapsed holder cannot renew and another takes a higher epoch', async () => {
      const key = `session:${uid()}`;
      const a = (await s.leases.acquire(key, 'node-a', backend.ttlMs))!;
      await lapse('the lease to lapse', async () => (await s.leases.current(key)) === null);
      expect(await s.leases.renew(key, 'node-a', a.epoch, 5000)).toBe(false);
      const b = (await p.leases.acquire(key, 'node-b', 5000))!;
      expect(b.epoch).toBeGreaterThan(a.epoch);
      // A stale release must not free its successor's lease.
      await s.leases.release(key, 'node-a', a.epoch);
      expect(await s.leases.current(key)).toMatchObject({ holder: 'node-b', epoch: b.epoch });
    });

    it('hands out strictly increasing epochs across holders, through releases and lapses', async () => {
      const key = `session:${uid()}`;
      const epochs: number[] = [];
      for (let i = 0; i < 6; i++) {
        const holder = `node-${i % 3}`;
        const store = i % 2 === 0 ? s : p;
        const g = (await store.leases.acquire(key, holder, i % 2 === 0 ? 5000 : backend.ttlMs))!;
        expect(g).not.toBeNull();
        epochs.push(g.epoch);
        if (i % 2 === 0) await store.leases.release(key, holder, g.epoch);
        else await lapse('the lease to lapse', async () => (await s.leases.current(key)) === null);
      }
      for (let i = 1; i < epochs.length; i++) expect(epochs[i]).toBeGreaterThan(epochs[i - 1]!);
    });

    it('reports a lease as current only while it is live, with a plausible expiry', async () => {
      const key = `session:${uid()}`;
      expect(await s.leases.current(key)).toBeNull();
      await s.leases.acquire(key, 'node-a', 60_000);
      const c = (await p.leases.current(key))!;
      expect(c.holder).toBe('node-a');
      // Both stores measure expiresAt on their own clock; only its distance from "now" is comparable.
      const memoryNow = s.kind === 'memory' ? (s as MemoryStore).clock() : Date.now();
      expect(c.expiresAt - memoryNow).toBeGreaterThan(50_000);
      expect(c.expiresAt - memoryNow).toBeLessThanOrEqual(60_000);
    });
  });

  describe('journal', () => {
    it('appends under the live fence and reads the events back in order', async () => {
      const stream = `session:${uid()}`;
      const lease = (await s.leases.acquire(stream, 'node-a', 5000))!;
      const fence = { key: stream, epoch: lease.epoch };
      expect(await s.journal.append(stream, 0, [{ type: 'A', n: 1 }, { type: 'B', n: 2 }], fence)).toEqual({ ok: true, version: 2 });
      expect(await s.journal.append(stream, 2, [{ type: 'C', nested: { x: [1, 2] } }], fence)).toEqual({ ok: true, version: 3 });
      expect(await p.journal.version(stream)).toBe(3);
      expect(await p.journal.read(stream, 0)).toEqual([
        { version: 1, event: { type: 'A', n: 1 } },
        { version: 2, event: { type: 'B', n: 2 } },
        { version: 3, event: { type: 'C', nested: { x: [1, 2] } } },
      ]);
    });

    it('rejects a stale fence with FENCED after another holder took over, and the new holder appends', async () => {
      const stream = `session:${uid()}`;
      const a = (await s.leases.acquire(stream, 'node-a', backend.ttlMs))!;
      expect(await s.journal.append(stream, 0, ['a1'], { key: stream, epoch: a.epoch })).toEqual({ ok: true, version: 1 });
      await lapse('node-a to lose the lease', async () => (await s.leases.current(stream)) === null);
      // Lapsed and not yet taken: still fenced, nobody holds the stream.
      expect(await s.journal.append(stream, 1, ['a2'], { key: stream, epoch: a.epoch })).toEqual({ ok: false, code: 'FENCED', version: 1 });
      const b = (await p.leases.acquire(stream, 'node-b', 5000))!;
      expect(await s.journal.append(stream, 1, ['a2'], { key: stream, epoch: a.epoch })).toEqual({ ok: false, code: 'FENCED', version: 1 });
      expect(await p.journal.append(stream, 1, ['b1'], { key: stream, epoch: b.epoch })).toEqual({ ok: true, version: 2 });
      expect((await s.journal.read(stream, 0)).map((e) => e.event)).toEqual(['a1', 'b1']);
    });

    it('rejects a fence from the future and a fence on a never-leased key', async () => {
      const stream = `session:${uid()}`;
      const a = (await s.leases.acquire(stream, 'node-a', 5000))!;
      expect(await s.journal.append(stream, 0, ['x'], { key: stream, epoch: a.epoch + 1 })).toMatchObject({ ok: false, code: 'FENCED' });
      const other = `session:${uid()}`;
      expect(await s.journal.append(other, 0, ['x'], { key: other, epoch: 1 })).toMatchObject({ ok: false, code: 'FENCED' });
    });

    it('rejects a wrong expected version with VERSION_CONFLICT and the current version', async () => {
      const stream = `session:${uid()}`;
      expect(await s.journal.append(stream, 0, ['e1', 'e2'], null)).toEqual({ ok: true, version: 2 });
      expect(await p.journal.append(stream, 0, ['x'], null)).toEqual({ ok: false, code: 'VERSION_CONFLICT', version: 2 });
      expect(await p.journal.append(stream, 5, ['x'], null)).toEqual({ ok: false, code: 'VERSION_CONFLICT', version: 2 });
      expect(await p.journal.append(stream, 2, ['e3'], null)).toEqual({ ok: true, version: 3 });
    });

    it('appends all or nothing: a refused batch leaves no trace, a large batch lands whole', async () => {
      const stream = `session:${uid()}`;
      const lease = (await s.leases.acquire(stream, 'node-a', 5000))!;
      const fence = { key: stream, epoch: lease.epoch };
      await s.journal.append(stream, 0, ['keep'], fence);
      const batch = Array.from({ length: 2500 }, (_, i) => ({ i }));
      expect(await s.journal.append(stream, 0, batch, fence)).toMatchObject({ ok: false, code: 'VERSION_CONFLICT' });
      expect(await s.journal.append(stream, 1, batch, { key: stream, epoch: lease.epoch + 7 })).toMatchObject({ ok: false, code: 'FENCED' });
      expect(await s.journal.version(stream)).toBe(1);
      expect(await s.journal.append(stream, 1, batch, fence)).toEqual({ ok: true, version: 2501 });
      const all = await p.journal.read(stream, 0);
      expect(all).toHaveLength(2501);
      expect(all[2500]).toEqual({ version: 2501, event: { i: 2499 } });
    });

    it('concurrent appends at one version: exactly one wins', async () => {
      const stream = `session:${uid()}`;
      const results = await Promise.all([s, p, s, p].map((store, i) => store.journal.append(stream, 0, [`w${i}`], null)));
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(await s.journal.version(stream)).toBe(1);
    });

    it('reads ranges: after a version, with a limit, past the end, and on an empty stream', async () => {
      const stream = `session:${uid()}`;
      await s.journal.append(stream, 0, ['e1', 'e2', 'e3', 'e4', 'e5'], null);
      expect((await s.journal.read(stream, 2)).map((e) => e.version)).toEqual([3, 4, 5]);
      expect(await s.journal.read(stream, 1, 2)).toEqual([{ version: 2, event: 'e2' }, { version: 3, event: 'e3' }]);
      expect((await s.journal.read(stream, 4, 10)).map((e) => e.event)).toEqual(['e5']);
      expect(await s.journal.read(stream, 5)).toEqual([]);
      expect(await s.journal.read(stream, 9)).toEqual([]);
      expect(await s.journal.read(stream, 0, 0)).toEqual([]);
      expect(await s.journal.read(`session:${uid()}`, 0)).toEqual([]);
      expect(await s.journal.version(`session:${uid()}`)).toBe(0);
    });

    it('keeps history immune to later mutation of the appended objects', async () => {
      const stream = `session:${uid()}`;
      const event = { type: 'A', list: [1] };
      await s.journal.append(stream, 0, [event], null);
      event.list.push(2);
      expect((await s.journal.read(stream, 0))[0]!.event).toEqual({ type: 'A', list: [1] });
    });

    it('saves and loads snapshots, the latest one winning', async () => {
      const stream = `session:${uid()}`;
      expect(await s.journal.loadSnapshot(stream)).toBeNull();
      await s.journal.saveSnapshot(stream, { version: 3, state: { members: ['a'], mode: 'hold' } });
      expect(await p.journal.loadSnapshot(stream)).toEqual({ version: 3, state: { members: ['a'], mode: 'hold' } });
      await p.journal.saveSnapshot(stream, { version: 7, state: { members: [], mode: 'observe' } });
      expect(await s.journal.loadSnapshot(stream)).toEqual({ version: 7, state: { members: [], mode: 'observe' } });
    });
  });

  describe('bus', () => {
    it('delivers 1000 messages per channel in publish order, across nodes, channels kept apart', async () => {
      const one = `session:${uid()}`;
      const two = `session:${uid()}`;
      const gotOne: string[] = [];
      const gotTwo: string[] = [];
      const offOne = await s.bus.subscribe(one, (m) => gotOne.push(m));
      const offTwo = await s.bus.subscribe(two, (m) => gotTwo.push(m));
      const sent: Promise<void>[] = [];
      for (let i = 0; i < 1000; i++) {
        sent.push(p.bus.publish(one, `1:${i}`));
        sent.push(p.bus.publish(two, `2:${i}`));
      }
      await Promise.all(sent);
      await waitFor('2000 messages', () => gotOne.length === 1000 && gotTwo.length === 1000, 10000, 5);
      expect(gotOne).toEqual(Array.from({ length: 1000 }, (_, i) => `1:${i}`));
      expect(gotTwo).toEqual(Array.from({ length: 1000 }, (_, i) => `2:${i}`));
      await offOne();
      await offTwo();
    });

    it('delivers to every handler of a channel; a throwing handler breaks nobody', async () => {
      const ch = `session:${uid()}`;
      const a: string[] = [];
      const b: string[] = [];
      const offThrow = await s.bus.subscribe(ch, () => { throw new Error('handler bug (expected in this test)'); });
      const offA = await s.bus.subscribe(ch, (m) => a.push(m));
      const offB = await p.bus.subscribe(ch, (m) => b.push(m));
      for (const m of ['x', 'y', 'z']) await s.bus.publish(ch, m);
      await waitFor('both handlers', () => a.length === 3 && b.length === 3);
      expect(a).toEqual(['x', 'y', 'z']);
      expect(b).toEqual(['x', 'y', 'z']);
      await Promise.all([offThrow(), offA(), offB()]);
    });

    it('stops delivering to an unsubscribed handler, idempotently, while others on the channel go on', async () => {
      const ch = `session:${uid()}`;
      const gone: string[] = [];
      const kept: string[] = [];
      const offGone = await s.bus.subscribe(ch, (m) => gone.push(m));
      const offKept = await s.bus.subscribe(ch, (m) => kept.push(m));
      await p.bus.publish(ch, 'before');
      await waitFor('the first message', () => gone.length === 1 && kept.length === 1);
      await offGone();
      await offGone();
      await p.bus.publish(ch, 'after');
      await waitFor('the second message', () => kept.length === 2);
      expect(gone).toEqual(['before']);
      await offKept();
      // Subscribing again after the last handler left works (a fresh SUBSCRIBE on Redis).
      const again: string[] = [];
      const offAgain = await s.bus.subscribe(ch, (m) => again.push(m));
      await p.bus.publish(ch, 'again');
      await waitFor('the message after resubscribing', () => again.length === 1);
      expect(kept).toEqual(['before', 'after']);
      await offAgain();
    });

    it('publishes to a channel nobody listens to without error', async () => {
      await expect(s.bus.publish(`session:${uid()}`, 'void')).resolves.toBeUndefined();
      await expect(s.bus.publishBuffer!(`media:${uid()}`, new Uint8Array([1, 2, 3]))).resolves.toBeUndefined();
    });

    it('carries binary messages byte for byte and in order across nodes, apart from text channels of the same name', async () => {
      const ch = `media:${uid()}`;
      const got: Buffer[] = [];
      const text: string[] = [];
      const offBin = await s.bus.subscribeBuffer!(ch, (m) => got.push(m));
      const offText = await s.bus.subscribe(ch, (m) => text.push(m));
      const every = Uint8Array.from({ length: 256 }, (_v, i) => i);
      const big = new Uint8Array(1024 * 1024).map((_v, i) => (i * 7919) & 0xff);
      // A view into a larger buffer: only its own bytes travel.
      const backing = new Uint8Array(100).fill(0xee);
      backing.set([9, 8, 7], 40);
      const sent: Uint8Array[] = [every, new Uint8Array(0), big, backing.subarray(40, 43), Buffer.from('not text \u0000\xff', 'latin1')];
      for (let i = 0; i < 200; i++) sent.push(Uint8Array.of(i & 0xff, i >> 8, 0, 0xff));
      const publishes: Promise<void>[] = [];
      for (const m of sent) publishes.push(p.bus.publishBuffer!(ch, m));
      await p.bus.publish(ch, 'a text message');
      await Promise.all(publishes);
      await waitFor('every binary message', () => got.length === sent.length, 10000, 5);
      expect(got.map((b) => Buffer.isBuffer(b))).toEqual(sent.map(() => true));
      for (let i = 0; i < sent.length; i++) expect(Buffer.compare(got[i], Buffer.from(sent[i]))).toBe(0);
      await waitFor('the text message', () => text.length === 1);
      expect(text).toEqual(['a text message']);
      await offBin();
      await offBin();
      await p.bus.publishBuffer!(ch, Uint8Array.of(1));
      await p.bus.publish(ch, 'still text');
      await waitFor('the text message after the binary unsubscribe', () => text.length === 2);
      expect(got).toHaveLength(sent.length);
      await offText();
    });

    it('delivers a binary message to every handler of a channel on every node; a throwing handler breaks nobody', async () => {
      const ch = `media:${uid()}`;
      const a: number[] = [];
      const b: number[] = [];
      const offThrow = await s.bus.subscribeBuffer!(ch, () => { throw new Error('handler bug (expected in this test)'); });
      const offA = await s.bus.subscribeBuffer!(ch, (m) => a.push(m[0]));
      const offB = await p.bus.subscribeBuffer!(ch, (m) => b.push(m[0]));
      for (const m of [1, 2, 3]) await s.bus.publishBuffer!(ch, Uint8Array.of(m));
      await waitFor('both handlers', () => a.length === 3 && b.length === 3);
      expect(a).toEqual([1, 2, 3]);
      expect(b).toEqual([1, 2, 3]);
      await Promise.all([offThrow(), offA(), offB()]);
      // Subscribing again after the last handler left works.
      const again: number[] = [];
      const offAgain = await p.bus.subscribeBuffer!(ch, (m) => again.push(m[0]));
      await s.bus.publishBuffer!(ch, Uint8Array.of(4));
      await waitFor('the message after resubscribing', () => again.length === 1);
      expect(a).toEqual([1, 2, 3]);
      await offAgain();
    });
  });

  describe('kv', () => {
    it('gets, sets, overwrites and deletes', async () => {
      const key = `code:${uid()}`;
      expect(await s.kv.get(key)).toBeNull();
      await s.kv.set(key, 'v1');
      expect(await p.kv.get(key)).toBe('v1');
      await p.kv.set(key, 'v2');
      expect(await s.kv.get(key)).toBe('v2');
      await s.kv.delete(key);
      await s.kv.delete(key);
      expect(await p.kv.get(key)).toBeNull();
    });

    it('expires a record after its ttl, after which setIfAbsent succeeds again', async () => {
      const key = `code:${uid()}`;
      await s.kv.set(key, 'short', backend.ttlMs);
      expect(await s.kv.setIfAbsent(key, 'other')).toBe(false);
      await lapse('the record to expire', async () => (await s.kv.get(key)) === null);
      expect(await p.kv.setIfAbsent(key, 'second', 60_000)).toBe(true);
      expect(await s.kv.setIfAbsent(key, 'third')).toBe(false);
      expect(await s.kv.get(key)).toBe('second');
    });

    it('lets exactly one of two concurrent takes win a one-time code', async () => {
      for (let round = 0; round < 20; round++) {
        const key = `code:${uid()}`;
        await s.kv.set(key, `secret-${round}`, 60_000);
        const taken = await Promise.all([s.kv.take(key), p.kv.take(key)]);
        expect(taken.filter((t) => t !== null)).toEqual([`secret-${round}`]);
        expect(await s.kv.get(key)).toBeNull();
      }
      expect(await s.kv.take(`code:${uid()}`)).toBeNull();
    });

    it('replaces or deletes a record only while it holds the expected value; one of two rivals wins', async () => {
      const key = `agent:${uid()}:session`;
      expect(await s.kv.replaceIf(key, 'a', 'b')).toBe(false);
      expect(await s.kv.get(key)).toBeNull();
      await s.kv.set(key, 'a', 60_000);
      expect(await p.kv.replaceIf(key, 'x', 'b')).toBe(false);
      expect(await p.kv.replaceIf(key, 'a', 'b')).toBe(true);
      expect(await s.kv.get(key)).toBe('b');
      expect(await s.kv.replaceIf(key, 'a', null)).toBe(false);
      expect(await s.kv.replaceIf(key, 'b', null)).toBe(true);
      expect(await p.kv.get(key)).toBeNull();
      for (let round = 0; round < 20; round++) {
        const k = `agent:${uid()}:session`;
        await s.kv.set(k, 'old');
        const won = await Promise.all([s.kv.replaceIf(k, 'old', 'from-s'), p.kv.replaceIf(k, 'old', 'from-p')]);
        expect(won.filter(Boolean)).toHaveLength(1);
        expect(await s.kv.get(k)).toBe(won[0] ? 'from-s' : 'from-p');
      }
    });

    it('keeps sets of members, apart from string records of the same name', async () => {
      const key = `agents:${uid()}`;
      expect(await s.kv.setMembers(key)).toEqual([]);
      await s.kv.setAdd(key, 'a');
      await p.kv.setAdd(key, 'b');
      await s.kv.setAdd(key, 'a');
      expect((await p.kv.setMembers(key)).sort()).toEqual(['a', 'b']);
      await s.kv.set(key, 'a string too');
      await p.kv.setRemove(key, 'a');
      await p.kv.setRemove(key, 'missing');
      expect(await s.kv.setMembers(key)).toEqual(['b']);
      await s.kv.setRemove(key, 'b');
      expect(await s.kv.setMembers(key)).toEqual([]);
      expect(await s.kv.get(key)).toBe('a string too');
    });
  });

  describe('audit', () => {
    const entry = (i: number, at: number) => ({ at, type: 'ChatSent', actor: { kind: 'technician', id: 'alice', name: 'Alice' }, sessionId: `s${i % 3}`, seq: i, node: 'n1', details: { i } });

    it('appends from two nodes and scans a time range in pages, oldest first, then trims', async () => {
      const t0 = Date.now();
      await backend.store().audit.append(Array.from({ length: 150 }, (_v, i) => entry(i, t0 + i)));
      await backend.peer().audit.append(Array.from({ length: 100 }, (_v, i) => entry(150 + i, t0 + 150 + i)));
      const pages: number[] = [];
      const seen: number[] = [];
      for await (const page of backend.store().audit.scan(t0 - 5000, Date.now() + 5000, 100)) {
        pages.push(page.length);
        seen.push(...page.map((e) => e.details.i as number));
      }
      expect(pages).toEqual([100, 100, 50]);
      expect(seen).toEqual(Array.from({ length: 250 }, (_v, i) => i));
      const future: unknown[] = [];
      for await (const page of backend.store().audit.scan(Date.now() + 60_000, Date.now() + 120_000, 100)) future.push(...page);
      expect(future).toEqual([]);
      await backend.store().audit.trim(Date.now() + 10_000);
      const left: unknown[] = [];
      for await (const page of backend.store().audit.scan(0, Date.now() + 20_000, 100)) left.push(...page);
      expect(left).toEqual([]);
    });
  });

  describe('lifecycle', () => {
    it('pings while open; close is idempotent and every method after it rejects with InvalidStateError', async () => {
      const store = backend.fresh();
      await expect(store.ping()).resolves.toBeUndefined();
      await store.close();
      await store.close();
      const calls: Array<[string, () => Promise<unknown>]> = [
        ['ping', () => store.ping()],
        ['leases.acquire', () => store.leases.acquire('session:x', 'n', 1000)],
        ['leases.renew', () => store.leases.renew('session:x', 'n', 1, 1000)],
        ['leases.release', () => store.leases.release('session:x', 'n', 1)],
        ['leases.current', () => store.leases.current('session:x')],
        ['journal.append', () => store.journal.append('session:x', 0, ['e'], null)],
        ['journal.read', () => store.journal.read('session:x', 0)],
        ['journal.version', () => store.journal.version('session:x')],
        ['journal.saveSnapshot', () => store.journal.saveSnapshot('session:x', { version: 1, state: {} })],
        ['journal.loadSnapshot', () => store.journal.loadSnapshot('session:x')],
        ['bus.publish', () => store.bus.publish('c', 'm')],
        ['bus.subscribe', () => store.bus.subscribe('c', () => undefined)],
        ['bus.publishBuffer', () => store.bus.publishBuffer!('c', Uint8Array.of(1))],
        ['bus.subscribeBuffer', () => store.bus.subscribeBuffer!('c', () => undefined)],
        ['kv.get', () => store.kv.get('k')],
        ['kv.set', () => store.kv.set('k', 'v')],
        ['kv.setIfAbsent', () => store.kv.setIfAbsent('k', 'v')],
        ['kv.take', () => store.kv.take('k')],
        ['kv.delete', () => store.kv.delete('k')],
        ['kv.setAdd', () => store.kv.setAdd('k', 'm')],
        ['kv.setRemove', () => store.kv.setRemove('k', 'm')],
        ['kv.setMembers', () => store.kv.setMembers('k')],
      ];
      for (const [name, call] of calls) {
        await expect(call().then(() => `${name} resolved`)).rejects.toBeInstanceOf(InvalidStateError);
      }
    });

    it('lets a subscription end cleanly after the store closed', async () => {
      const store = backend.fresh();
      const off = await store.bus.subscribe(`session:${uid()}`, () => undefined);
      const offBinary = await store.bus.subscribeBuffer!(`media:${uid()}`, () => undefined);
      await store.close();
      await expect(off()).resolves.toBeUndefined();
      await expect(offBinary()).resolves.toBeUndefined();
    });
  });
});

describe('RedisStore when Redis goes away', () => {
  let redis: TestRedis | undefined;
  let back: TrackedProcess | undefined;
  afterAll(async () => { await Promise.all([redis?.stop(), back?.stop()]); });

  it('rejects calls with StoreUnavailableError within a few seconds, never crashes, and recovers when Redis is back', async () => {
    redis = await startRedis();
    const store = new RedisStore({ url: redis.url, unavailableAfterMs: 1000 });
    const stream = `session:${uid()}`;
    const got: string[] = [];
    await store.bus.subscribe(stream, (m) => got.push(m));
    const dropped = `session:${uid()}`;
    const heardDropped: string[] = [];
    const offDropped = await store.bus.subscribe(dropped, (m) => heardDropped.push(m));
    const media = `media:${uid()}`;
    const gotBinary: number[] = [];
    await store.bus.subscribeBuffer!(media, (m) => gotBinary.push(m[0]));
    expect(await store.journal.append(stream, 0, ['before'], null)).toEqual({ ok: true, version: 1 });
    await store.ping();

    await redis.stop();
    const calls: Array<() => Promise<unknown>> = [
      () => store.ping(),
      () => store.journal.append(stream, 1, ['after'], null),
      () => store.journal.read(stream, 0),
      () => store.leases.acquire(stream, 'node-a', 1000),
      () => store.bus.publish(stream, 'm'),
      () => store.bus.subscribe(`session:${uid()}`, () => undefined),
      () => store.bus.publishBuffer!(media, Uint8Array.of(1)),
      () => store.bus.subscribeBuffer!(`media:${uid()}`, () => undefined),
      () => store.kv.take('k'),
    ];
    const started = Date.now();
    const outcomes = await Promise.all(calls.map((call) => call().then(() => null, (e: unknown) => ({ err: e, ms: Date.now() - started }))));
    for (const outcome of outcomes) {
      expect(outcome?.err).toBeInstanceOf(StoreUnavailableError);
      expect((outcome?.err as StoreUnavailableError).cause).toBeDefined();
      expect(outcome?.ms).toBeLessThan(3000);
    }
    // Unsubscribing while Redis is down never rejects; the handler is gone at once.
    await expect(offDropped()).resolves.toBeUndefined();

    // Redis comes back on the same port (empty: no persistence): the store reconnects by itself and
    // the bus subscription made before the outage is live again.
    const port = redis.port;
    const dir = mkdtempSync(join(tmpdir(), 'tandem-redis-back-'));
    back = startProcess('redis-server', 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir]);
    try {
      await waitFor('the store to reconnect', () => store.ping().then(() => true), 10000, 100);
      expect(await store.journal.append(stream, 0, ['again'], null)).toEqual({ ok: true, version: 1 });
      await waitFor('the bus to resubscribe', async () => {
        await store.bus.publish(stream, 'back');
        return got.includes('back');
      }, 5000, 100);
      await waitFor('the binary bus to resubscribe', async () => {
        await store.bus.publishBuffer!(media, Uint8Array.of(7));
        return gotBinary.includes(7);
      }, 5000, 100);
      // A channel dropped while Redis was down is not subscribed again (the store renews only the channels
      // that have handlers); had it been, its first stray message would make the store drop it.
      await store.bus.publish(dropped, 'stray');
      await waitFor('the stray channel to be unsubscribed', async () =>
        ((await askRedis(port, 'PUBSUB', 'NUMSUB', busChannel(dropped))) as [string, number])[1] === 0, 5000, 50);
      expect(heardDropped).toEqual([]);
    } finally {
      await store.close();
      await back.stop();
      rmSync(dir, { recursive: true, force: true });
    }
    await store.close();
    await expect(store.ping()).rejects.toBeInstanceOf(InvalidStateError);
  }, 20000);
});

describe('RedisStore when its bus connection drops', () => {
  let redis: TestRedis | undefined;
  let proxy: TcpProxy | undefined;
  const stores: Store[] = [];
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await proxy?.close();
    await redis?.stop();
  });

  it('reports the gap once its channels are subscribed again on the new connection, never on the first connect', async () => {
    redis = await startRedis();
    proxy = await startTcpProxy(redis.port);
    const store = new RedisStore({ url: `redis://127.0.0.1:${proxy.port}`, connectionName: 'gap' });
    const peer = new RedisStore({ url: redis.url, connectionName: 'gap-peer' });
    stores.push(store, peer);
    const channel = `session:${uid()}`;
    const got: string[] = [];
    await store.bus.subscribe(channel, (m) => got.push(m));
    const subscribersSeenByHandler: number[] = [];
    let handled!: () => void;
    const gapHandled = new Promise<void>((resolve) => { handled = resolve; });
    store.bus.onGap!(() => {
      // What a catch-up does in the handler: anything read or published from now on must not be lost.
      void (async () => {
        const [, subscribers] = (await askRedis(redis!.port, 'PUBSUB', 'NUMSUB', busChannel(channel))) as [string, number];
        subscribersSeenByHandler.push(subscribers);
        await peer.bus.publish(channel, 'published by the gap handler');
        handled();
      })();
    });
    await peer.bus.publish(channel, 'first');
    await waitFor('the first message', () => got.includes('first'));

    // Every byte towards Redis on the renewed connection is 300 ms late: a SUBSCRIBE sent when ioredis
    // reports the connection ready is confirmed long after, and a handler called at `ready` would run first.
    proxy.upstreamDelayMs = 300;
    await proxy.cut();
    await peer.bus.publish(channel, 'published while the subscriber was cut off');
    proxy.restore();
    await gapHandled;
    await waitFor('the message the handler published', () => got.includes('published by the gap handler'));
    expect(subscribersSeenByHandler).toEqual([1]);
    expect(got).toEqual(['first', 'published by the gap handler']);

    // A second drop is a second gap; the bus keeps delivering afterwards.
    proxy.upstreamDelayMs = 0;
    await proxy.cut();
    proxy.restore();
    await waitFor('the second gap', () => subscribersSeenByHandler.length === 2);
    await peer.bus.publish(channel, 'after the second gap');
    await waitFor('a message after the second gap', () => got.includes('after the second gap'));
    expect(subscribersSeenByHandler).toEqual([1, 1]);
  }, 20000);
});

describe('createStore', () => {
  let redis: TestRedis | undefined;
  afterAll(async () => { await redis?.stop(); });

  it('runs on memory unless a Redis URL or Sentinel addresses are configured', async () => {
    const config = new TandemConfig();
    const embedded = createStore(config);
    expect(embedded.kind).toBe('memory');
    await embedded.close();

    redis = await startRedis();
    config.store.redis.url = redis.url;
    const byUrl = createStore(config);
    expect(byUrl.kind).toBe('redis');
    await byUrl.ping();
    await byUrl.close();

    // A plain redis-server stands in for a sentinel: the store is only built and closed, never used.
    config.store.redis.url = '';
    config.store.redis.sentinels = [{ host: '127.0.0.1', port: redis.port }];
    const bySentinel = createStore(config);
    expect(bySentinel.kind).toBe('redis');
    await bySentinel.close();
  });
});
