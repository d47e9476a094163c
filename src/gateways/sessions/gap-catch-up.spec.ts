import { ActorRegistry } from '../../actors/actor-registry';
import type { AggregateSpec } from '../../actors/aggregate';
import { MemoryStore } from '../../cluster/memory/memory-store';
import type { Journal } from '../../cluster/ports';
import { CAUGHT_UP_NODE, GapCatchUp } from './gap-catch-up';
import { HeardVersions } from './heard-versions';
import type { CommitMessage } from './session-fanout';

interface Counter { total: number; seq: number }
type Ev = { type: 'added'; n: number; seq: number };
const COUNTER: AggregateSpec<Counter, { n: number }, Ev> = {
  kind: 'counter',
  initial: () => ({ total: 0, seq: 0 }),
  decide: (s, c) => ({ events: [{ type: 'added', n: c.n, seq: s.seq + 1 }] }),
  evolve: (s, e) => ({ total: s.total + e.n, seq: e.seq }),
};
const KEY = 'counter:c1';
const who = { kind: 'system' as const, id: 'test', name: 'test', teams: [], rights: [] };

/**
 * The fanout's side of a catch-up, as SessionFanout wires it: dispatches of a held stream wait, `emit`
 * records what was delivered. Commits are made by another node's actors on a shared MemoryStore; the test
 * plays the bus, delivering or losing each of them.
 */
function setup(journal?: (j: Journal) => Journal) {
  const store = new MemoryStore();
  const options = { leaseTtlMs: 5000, snapshotEvery: 100, mailboxCapacity: 100, clock: store.clock, idleMs: 60_000 };
  const other = new ActorRegistry(store, { ...options, nodeId: 'other' });
  const here = new ActorRegistry(store, { ...options, nodeId: 'here' });
  const heard = new HeardVersions();
  const held = new Map<string, CommitMessage[]>();
  const delivered: CommitMessage[] = [];
  let onHold: (queue: CommitMessage[]) => void = () => undefined;
  const emit = (msg: CommitMessage): void => {
    heard.record(`${msg.kind}:${msg.id}`, msg.version - msg.events.length + 1, msg.version);
    delivered.push(msg);
  };
  const gaps = new GapCatchUp({
    journal: journal ? journal(store.journal) : store.journal,
    actors: here,
    heard,
    hold: (key) => {
      const queue: CommitMessage[] = [];
      held.set(key, queue);
      onHold(queue);
      return queue;
    },
    release: (key) => held.delete(key),
    emit,
    streamCursors: () => new Map(),
    followed: () => new Map([[KEY, COUNTER as AggregateSpec<unknown, unknown, unknown>]]),
    partiesHere: () => [],
    sessionOfAgent: async () => null,
  });
  const bus = (msg: CommitMessage): void => {
    const queue = held.get(`${msg.kind}:${msg.id}`);
    if (queue) queue.push(msg);
    else emit(msg);
  };
  const commit = async (n: number): Promise<CommitMessage> => {
    const r = await other.askLocal(COUNTER, 'c1', { n }, who, false);
    if (!r.ok) throw new Error('refused');
    const c = r.commit;
    return { node: 'other', kind: c.kind, id: c.id, version: c.version, events: c.events, state: c.state };
  };
  const seqs = (): number[] => delivered.flatMap((m) => (m.events as Ev[]).map((e) => e.seq));
  return {
    gaps, bus, commit, seqs, delivered,
    onHold: (f: (queue: CommitMessage[]) => void) => { onHold = f; },
    close: async () => { await gaps.close(); await other.close(); await here.close(); await store.close(); },
  };
}

describe('GapCatchUp', () => {
  it('delivers the commits the bus lost, once, with the current state, and none it delivered', async () => {
    const t = setup();
    t.bus(await t.commit(1));
    t.bus(await t.commit(2));
    await t.commit(3); // lost
    await t.commit(4); // lost
    // The bus is back: a new commit arrives before the catch-up runs.
    t.bus(await t.commit(5));
    t.gaps.gap();
    await t.gaps.settled();
    expect(t.seqs()).toEqual([1, 2, 5, 3, 4]);
    const caught = t.delivered[3]!;
    expect(caught).toMatchObject({ node: CAUGHT_UP_NODE, kind: 'counter', id: 'c1', version: 4 });
    expect(caught.state).toEqual({ total: 15, seq: 5 });
    // Another gap with nothing lost delivers nothing.
    t.gaps.gap();
    await t.gaps.settled();
    expect(t.seqs()).toEqual([1, 2, 5, 3, 4]);
    await t.close();
  });

  it('holds what arrives while it reads, and then delivers only what the read did not', async () => {
    const t = setup();
    t.bus(await t.commit(1));
    await t.commit(2); // lost
    const third = await t.commit(3);
    // The third commit's bus message and a fourth (not in the journal when it is read) arrive during the read.
    t.onHold((queue) => queue.push(third, { ...third, version: 4, events: [{ type: 'added', n: 4, seq: 4 }] }));
    t.gaps.gap();
    await t.gaps.settled();
    expect(t.seqs()).toEqual([1, 2, 3, 4]);
    await t.close();
  });

  it('runs again when reads failed (the store still reconnecting), and delivers then', async () => {
    let failures = 1;
    const t = setup((j) => ({
      ...j,
      append: j.append.bind(j),
      version: j.version.bind(j),
      saveSnapshot: j.saveSnapshot.bind(j),
      loadSnapshot: j.loadSnapshot.bind(j),
      read: (stream, after, limit) => (failures-- > 0 ? Promise.reject(new Error('store unavailable')) : j.read(stream, after, limit)),
    }));
    t.bus(await t.commit(1));
    await t.commit(2); // lost
    t.gaps.gap();
    await t.gaps.settled();
    expect(t.seqs()).toEqual([1]);
    const deadline = Date.now() + 5000;
    while (t.seqs().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(t.seqs()).toEqual([1, 2]);
    await t.close();
  });
});
