import { Logger } from '@nestjs/common';
import type { ActorRegistry } from '../../actors/actor-registry';
import type { AggregateSpec } from '../../actors/aggregate';
import { SESSION } from '../../actors/aggregates/session.aggregate';
import { eachLimited, GapRun } from '../../cluster/bus-gap';
import type { Journal } from '../../cluster/ports';
import type { SessionState } from '../../domain';
import type { HeardVersions } from './heard-versions';
import type { CommitMessage } from './session-fanout';

type AnySpec = AggregateSpec<unknown, unknown, unknown>;

/** The `node` of a commit read back from the journal after a bus gap: never this node, nor any other. */
export const CAUGHT_UP_NODE = '(bus-gap)';

/** How many streams (and agent index entries) a catch-up reads at once. */
const IN_FLIGHT = 32;

/** What the catch-up needs of the fanout. */
export interface GapHost {
  journal: Journal;
  actors: ActorRegistry;
  /** The versions delivered here, recorded by `emit`. */
  heard: HeardVersions;
  /** From now on, dispatches of this stream (`kind:id`) are queued in the returned array instead of delivered. */
  hold(key: string): CommitMessage[];
  /** Ends the hold; the caller delivers what was queued. */
  release(key: string): void;
  /** Delivers a commit to the listeners of its kind and records its versions as heard. */
  emit(msg: CommitMessage): void;
  /** Per session, the furthest cursor of this node's streams of it. */
  streamCursors(): Map<string, number>;
  /** The single streams caught up besides the sessions (`kind:id` → spec). */
  followed(): ReadonlyMap<string, AnySpec>;
  /** The desktops and chat customers connected here (their ids in the agent index). */
  partiesHere(): string[];
  /** The session a desktop or chat customer is in (the agent index). */
  sessionOfAgent(agentId: string): Promise<string | null>;
}

/** A stream to catch up. */
interface Target {
  spec: AnySpec;
  id: string;
  /** False when nobody here needs the stream after all (a session never heard of that is already over). */
  wanted?: (state: unknown) => boolean;
}

/**
 * What a node does when its bus reports a gap (Bus.onGap): every session it cares about is read from its
 * journal after the last version heard here without a hole (one read each), and the entries it never
 * delivered are delivered now, through the fanout's listeners, as if they had come over the bus. The
 * sessions it cares about: those it heard commits of (every live session of the cluster), those its
 * connections have streams of, and those a desktop or chat customer connected here is in according to the
 * agent index (started while the bus was down: nothing heard yet; wanted unless already over). Then the
 * followed single streams (presence, entry points). What was heard is known exactly (HeardVersions), so a
 * run repeats nothing, and running again (another gap, a retry after failed reads) is always safe.
 */
export class GapCatchUp {
  private readonly logger = new Logger('fanout');
  /**
   * While a gap's catch-up is pending, running or retried: the streams first heard of since the gap, and
   * the sessions found through the agent index.
   */
  private sinceGap: { born: Set<string>; found: Set<string> } | null = null;
  /** One run at a time; runs again after failed reads (the store still reconnecting). */
  private readonly runs = new GapRun(
    () => this.run(),
    (err) => this.logger.error({ err }, 'catch-up after a bus gap failed'),
    () => {
      this.sinceGap = null;
    },
  );

  private isClosed = false;

  constructor(private readonly host: GapHost) {}

  /** The bus may have lost messages: catch up, after the run in progress (if any). */
  gap(): void {
    if (this.isClosed) return;
    this.sinceGap ??= { born: new Set(), found: new Set() };
    this.runs.trigger();
  }

  /** The fanout delivered a commit of a stream it had never heard of. */
  firstHeard(key: string): void {
    this.sinceGap?.born.add(key);
  }

  /** Resolves when no run is in progress (tests, shutdown). */
  settled(): Promise<void> {
    return this.runs.settled();
  }

  async close(): Promise<void> {
    this.isClosed = true;
    await this.runs.close();
  }

  /** One catch-up over every stream this node cares about; returns how many reads failed. */
  private async run(): Promise<number> {
    const started = Date.now();
    const { heard } = this.host;
    const prefix = `${SESSION.kind}:`;
    for (const [id, seq] of this.host.streamCursors()) heard.assume(`${prefix}${id}`, seq);
    const since = this.sinceGap ?? { born: new Set<string>(), found: new Set<string>() };
    const notOver = (state: unknown): boolean => (state as SessionState).status !== 'ended';
    const known = new Set(heard.keys(prefix).map((key) => key.slice(prefix.length)));
    const sessions: Target[] = [...known].map((id) => (since.found.has(id) ? { spec: SESSION, id, wanted: notOver } : { spec: SESSION, id }));
    const { found, unread } = await this.sessionsOfPartiesHere(known);
    for (const id of found) {
      const key = `${prefix}${id}`;
      // Heard of only since the gap: its first commits may be the ones the bus lost.
      if (since.born.has(key)) heard.unhearBefore(key, 0);
      else heard.assume(key, 0);
      since.found.add(id);
      sessions.push({ spec: SESSION, id, wanted: notOver });
    }
    const others: Target[] = [...this.host.followed()].filter(([key]) => heard.upTo(key) !== undefined).map(([key, spec]) => ({ spec, id: key.slice(spec.kind.length + 1) }));
    let changed = 0;
    let events = 0;
    let failed = unread;
    await eachLimited([...sessions, ...others], IN_FLIGHT, async (target) => {
      if (this.isClosed) return;
      try {
        const n = await this.catchUpStream(target);
        if (n > 0 && target.spec === SESSION) changed++;
        events += n;
      } catch (err) {
        // The store is likely still (or again) unreachable: one line for the first, a count for the rest.
        if (failed++ === 0) this.logger.warn({ err }, `catch-up after a bus gap failed [${target.spec.kind}:${target.id}]`);
      }
    });
    this.logger.log(`bus gap: ${changed} of ${sessions.length} sessions caught up (${found.size} found through the agent index), `
      + `${events} events, ${others.length} other streams, ${failed} reads failed${failed > 0 ? ' (retried)' : ''}, ${Date.now() - started} ms`);
    return failed;
  }

  /** Sessions not in `known` that a desktop or chat customer connected here is in, and how many reads failed. */
  private async sessionsOfPartiesHere(known: ReadonlySet<string>): Promise<{ found: Set<string>; unread: number }> {
    const found = new Set<string>();
    let unread = 0;
    await eachLimited([...new Set(this.host.partiesHere())], IN_FLIGHT, async (party) => {
      const sessionId = await this.host.sessionOfAgent(party).catch((err: unknown) => {
        if (unread++ === 0) this.logger.warn({ err }, `agent index read failed after a bus gap [agent:${party}]`);
        return null;
      });
      if (sessionId && !known.has(sessionId)) found.add(sessionId);
    });
    return { found, unread };
  }

  /**
   * Catches one stream up: reads its journal after the last version heard without a hole and delivers
   * the entries never delivered here, with the stream's current state (read without activating its actor
   * when another node runs it), as commits of consecutive versions; then the commits that arrived during
   * the read, without what was just delivered. While it reads, the stream's dispatches wait, so every
   * listener hears the stream in order. Returns how many events it delivered.
   */
  private async catchUpStream(target: Target): Promise<number> {
    const { spec, id } = target;
    const { heard, journal, actors } = this.host;
    const key = `${spec.kind}:${id}`;
    const queued = this.host.hold(key);
    try {
      // Forgotten meanwhile (it ended, and nothing of it is missing here).
      const upTo = heard.upTo(key);
      if (upTo === undefined) return 0;
      const entries = await journal.read(key, upTo);
      const missed = entries.filter((e) => !heard.has(key, e.version));
      if (missed.length === 0) return 0;
      const last = entries[entries.length - 1]!.version;
      const peeked = await actors.peek(spec, id, (s: unknown, v) => ({ state: s, version: v }));
      // A local actor fenced without knowing it yet is behind the journal: the journal is right.
      const { state } = peeked.version < last ? await actors.readStored(spec, id) : peeked;
      if (target.wanted && !target.wanted(state)) {
        heard.forget(key);
        return 0;
      }
      for (const run of consecutive(missed)) {
        this.host.emit({ node: CAUGHT_UP_NODE, kind: spec.kind, id, version: run[run.length - 1]!.version, events: run.map((e) => e.event), state });
      }
      return missed.length;
    } finally {
      this.host.release(key);
      for (const msg of queued) {
        const rest = unheard(msg, heard);
        if (rest) this.host.emit(rest);
      }
    }
  }
}

/** The part of a commit (its events end at `msg.version`) past the versions already delivered, or null. */
export function unheard(msg: CommitMessage, heard: HeardVersions): CommitMessage | null {
  const key = `${msg.kind}:${msg.id}`;
  const first = msg.version - msg.events.length + 1;
  let skip = 0;
  while (skip < msg.events.length && heard.has(key, first + skip)) skip++;
  if (skip === 0) return msg;
  return skip === msg.events.length ? null : { ...msg, events: msg.events.slice(skip) };
}

/** Splits entries (in version order) into runs of consecutive versions. */
function consecutive<T extends { version: number }>(entries: readonly T[]): T[][] {
  const runs: T[][] = [];
  for (const e of entries) {
    const run = runs[runs.length - 1];
    if (run && run[run.length - 1]!.version + 1 === e.version) run.push(e);
    else runs.push([e]);
  }
  return runs;
}
