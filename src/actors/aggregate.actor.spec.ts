import { MemoryStore } from '../cluster/memory/memory-store';
import { ActorRegistry, UnknownStreamError } from './actor-registry';
import type { AggregateSpec } from './aggregate';
import type { Commit } from './aggregate.actor';
import { Mailbox, MailboxFullError } from './mailbox';

interface Counter { total: number; seq: number }
type Cmd = { type: 'add'; n: number } | { type: 'explode' } | { type: 'slow'; ms: number };
type Ev = { type: 'added'; n: number; seq: number };

const COUNTER: AggregateSpec<Counter, Cmd, Ev> = {
  kind: 'counter',
  initial: () => ({ total: 0, seq: 0 }),
  decide: (s, c) => {
    if (c.type === 'explode') throw new Error('a bug in decide');
    if (c.type === 'slow') return { events: [] };
    if (c.n < 0) return { rejection: { code: 'FORBIDDEN', message: 'no negatives' } };
    return { events: [{ type: 'added', n: c.n, seq: s.seq + 1 }] };
  },
  evolve: (s, e) => ({ total: s.total + e.n, seq: e.seq }),
};
/** A second kind, to tell idle times apart. */
const OTHER: AggregateSpec<Counter, Cmd, Ev> = { ...COUNTER, kind: 'other' };
const who = { kind: 'system' as const, id: 'test', name: 'test', teams: [], rights: [] };

function registry(store: MemoryStore, over: Partial<ConstructorParameters<typeof ActorRegistry>[1]> = {}): ActorRegistry {
  const r = new ActorRegistry(store, { nodeId: 'n1', leaseTtlMs: 5000, snapshotEvery: 3, mailboxCapacity: 100, clock: store.clock, idleMs: 60_000, ...over });
  r.register(COUNTER);
  return r;
}

describe('Mailbox', () => {
  it('runs one job at a time, in order, awaits included', async () => {
    const box = new Mailbox(10);
    const log: string[] = [];
    const job = (name: string, ms: number) => box.post(async () => { log.push(`start ${name}`); await new Promise((r) => setTimeout(r, ms)); log.push(`end ${name}`); });
    await Promise.all([job('a', 20), job('b', 1), job('c', 5)]);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('rejects with MailboxFullError when full and survives a throwing job', async () => {
    const box = new Mailbox(1);
    let release!: () => void;
    const first = box.post(() => new Promise<void>((r) => { release = r; }));
    const second = box.post(async () => { throw new Error('boom'); });
    await expect(box.post(async () => 1)).rejects.toBeInstanceOf(MailboxFullError);
    release();
    await first;
    await expect(second).rejects.toThrow('boom');
    await expect(box.post(async () => 42)).resolves.toBe(42);
  });
});

describe('AggregateActor through the registry', () => {
  it('appends, commits in order, and a throwing command does not poison the mailbox', async () => {
    const store = new MemoryStore();
    const r = registry(store);
    const commits: Commit<unknown, unknown>[] = [];
    r.onCommit((c) => commits.push(c));
    await r.ask(COUNTER, 'x', { type: 'add', n: 2 }, who, false);
    await expect(r.ask(COUNTER, 'x', { type: 'explode' }, who)).rejects.toThrow('a bug in decide');
    const refused = await r.ask(COUNTER, 'x', { type: 'add', n: -1 }, who);
    expect(refused).toEqual({ ok: false, rejection: { code: 'FORBIDDEN', message: 'no negatives' } });
    const ok = await r.ask(COUNTER, 'x', { type: 'add', n: 5 }, who);
    expect(ok.ok && ok.commit.version).toBe(2);
    expect(commits.map((c) => c.version)).toEqual([1, 2]);
    expect(await store.journal.version('counter:x')).toBe(2);
    await r.close();
  });

  it('refuses commands to a stream with no events when it must exist', async () => {
    const r = registry(new MemoryStore());
    await expect(r.ask(COUNTER, 'nobody', { type: 'add', n: 1 }, who)).rejects.toBeInstanceOf(UnknownStreamError);
    await r.close();
  });

  it('passivates after idling and rebuilds the same state from snapshot + journal', async () => {
    let now = 1_000;
    const store = new MemoryStore(() => now);
    const r = registry(store, { idleMs: 100, clock: () => now });
    for (let i = 1; i <= 7; i++) await r.ask(COUNTER, 'y', { type: 'add', n: i }, who, false);
    expect(await store.journal.loadSnapshot('counter:y')).toMatchObject({ version: 6 });
    now += 1_000;
    await new Promise((res) => setTimeout(res, 150));
    expect(r.size).toBe(0);
    expect(await store.leases.current('counter:y')).toBeNull();
    expect(await r.query(COUNTER, 'y', (s, v) => ({ ...s, v }))).toEqual({ total: 28, seq: 7, v: 7 });
    await r.close();
  });

  it('is fenced when another node took the lease, and never writes under the old epoch', async () => {
    let now = 1_000;
    const store = new MemoryStore(() => now);
    const r = registry(store, { clock: () => now });
    await r.ask(COUNTER, 'z', { type: 'add', n: 1 }, who, false);
    now += 10_000; // the lease lapsed (a long pause) …
    const other = await store.leases.acquire('counter:z', 'n2', 5000); // … and another node took it
    expect(other?.epoch).toBe(2);
    await expect(r.ask(COUNTER, 'z', { type: 'add', n: 1 }, who)).rejects.toMatchObject({ name: 'FencedError' });
    expect(await store.journal.version('counter:z')).toBe(1);
    await r.close();
  });

  it('peek reads a passivated stream from the journal without activating it, and a live one without keeping it alive', async () => {
    let now = 1_000;
    const store = new MemoryStore(() => now);
    const r = registry(store, { idleMs: 100, clock: () => now });
    for (let i = 1; i <= 4; i++) await r.ask(COUNTER, 'p', { type: 'add', n: i }, who, false);
    now += 1_000;
    await new Promise((res) => setTimeout(res, 150));
    expect(r.size).toBe(0);
    // Cold: read from snapshot + journal; no actor, no lease taken.
    expect(await r.peek(COUNTER, 'p', (s, v) => ({ ...s, v }))).toEqual({ total: 10, seq: 4, v: 4 });
    expect(await r.peek(COUNTER, 'nothing', (s, v) => ({ ...s, v }))).toEqual({ total: 0, seq: 0, v: 0 });
    expect(r.size).toBe(0);
    expect(await store.leases.current('counter:p')).toBeNull();
    // Live: read in its mailbox, and the peek does not count as a use.
    await r.ask(COUNTER, 'p', { type: 'add', n: 5 }, who);
    await r.ask(COUNTER, 'p', { type: 'add', n: 6 }, who);
    expect(r.size).toBe(1);
    now += 1_000;
    expect(await r.peek(COUNTER, 'p', (s) => s.total)).toBe(21);
    await new Promise((res) => setTimeout(res, 150));
    expect(r.size).toBe(0);
    await r.close();
  });

  it('passivates a kind with its own idle time sooner than the others', async () => {
    let now = 1_000;
    const store = new MemoryStore(() => now);
    const r = registry(store, { idleMs: 60_000, idleMsByKind: { counter: 100 }, clock: () => now });
    r.register(OTHER);
    await r.ask(COUNTER, 'quick', { type: 'add', n: 1 }, who, false);
    await r.ask(OTHER, 'slow', { type: 'add', n: 1 }, who, false);
    expect(r.idleMsOf('counter')).toBe(100);
    expect(r.idleMsOf('other')).toBe(60_000);
    now += 1_000;
    await new Promise((res) => setTimeout(res, 250));
    expect(r.streams()).toEqual(['other:slow']);
    expect(await store.leases.current('counter:quick')).toBeNull();
    expect(await store.leases.current('other:slow')).toMatchObject({ holder: 'n1' });
    await r.close();
  });

  it('a command arriving while the stream is being passivated waits for the release and takes a new epoch', async () => {
    let now = 1_000;
    const store = new MemoryStore(() => now);
    const r = registry(store, { idleMsByKind: { counter: 100 }, clock: () => now });
    await r.ask(COUNTER, 'q', { type: 'add', n: 1 }, who, false);
    expect((await store.leases.current('counter:q'))?.epoch).toBe(1);
    // The release of the idle actor's lease is slow (a busy store): it is still in flight when the next command comes.
    const release = store.leases.release.bind(store.leases);
    let entered!: () => void;
    const releasing = new Promise<void>((res) => { entered = res; });
    store.leases.release = async (key, holder, epoch) => {
      entered();
      await new Promise((res) => setTimeout(res, 50));
      return release(key, holder, epoch);
    };
    now += 1_000;
    await releasing;
    expect(r.size).toBe(0);
    // Without waiting, the new actor would renew epoch 1 and the release would then delete it: fenced.
    const next = await r.ask(COUNTER, 'q', { type: 'add', n: 2 }, who);
    expect(next.ok && next.commit.version).toBe(2);
    expect(await store.leases.current('counter:q')).toMatchObject({ holder: 'n1', epoch: 2 });
    await r.close();
  });

  it('answers BUSY-worthy MailboxFullError when a session is flooded', async () => {
    const r = registry(new MemoryStore(), { mailboxCapacity: 2 });
    await r.ask(COUNTER, 'w', { type: 'add', n: 1 }, who, false);
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => r.ask(COUNTER, 'w', { type: 'add', n: 1 }, who)));
    expect(results.filter((x) => x.status === 'rejected' && x.reason instanceof MailboxFullError).length).toBeGreaterThan(0);
    expect(results.filter((x) => x.status === 'fulfilled').length).toBeGreaterThan(0);
    await r.close();
  });
});
