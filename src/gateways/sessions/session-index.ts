import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ActorRegistry } from '../../actors/actor-registry';
import { SESSION } from '../../actors/aggregates/session.aggregate';
import type { Store } from '../../cluster/ports';
import { holdsDesktop, type QueueRef, type SessionEvent, type SessionState, type SessionStatus } from '../../domain';
import { STORE } from './tokens';

/** What lists and lookups need of a session without activating its actor. */
export interface SessionSummary {
  sessionId: string;
  status: SessionStatus;
  agentId: string | null;
  queue: QueueRef | null;
  teams: string[];
  ownerId: string | null;
  customer: string | null;
  mode: string;
  /** Members in the session now (technicians, guests), the customer not counted. */
  members: number;
  since: number;
  updatedAt: number;
}

const LIVE = 'sessions:live';
const summaryKey = (id: string): string => `session:${id}:summary`;
const agentKey = (id: string): string => `agent:${id}:session`;
/** A reservation made for a session not in the journal yet; it lapses if the node dies before the first commit. */
const pendingKey = (id: string): string => `session:${id}:pending`;
const PENDING_TTL_MS = 30_000;
export const QUEUES_CHANNEL = 'queues';

const QUEUE_EVENTS = new Set<SessionEvent['type']>(['SessionOpened', 'SessionHeld', 'SessionTransferred', 'SessionTaken', 'SessionEnded', 'AssistRequested', 'JumpStarted']);

/**
 * Secondary indexes kept in the store by the node that commits: live sessions with a summary (for
 * queues and the admin endpoint) and which session an agent is in (one at a time).
 */
@Injectable()
export class SessionIndex implements OnModuleInit {
  private readonly logger = new Logger('session-index');
  /** Index writes per session run in commit order. */
  private readonly chains = new Map<string, Promise<void>>();
  /** The summary fields last written per session by this node. */
  private readonly written = new Map<string, string>();

  constructor(private readonly actors: ActorRegistry, @Inject(STORE) private readonly store: Store) {}

  onModuleInit(): void {
    this.actors.onCommit((commit) => {
      if (commit.kind !== 'session' || commit.events.length === 0) return;
      const state = commit.state as SessionState;
      const events = commit.events as SessionEvent[];
      const prev = this.chains.get(state.sessionId) ?? Promise.resolve();
      const next = prev.then(() => this.write(state, events)).catch((err: unknown) => this.logger.error({ err }, `index write failed [session:${state.sessionId}]`));
      this.chains.set(state.sessionId, next);
      void next.finally(() => {
        if (this.chains.get(state.sessionId) === next) this.chains.delete(state.sessionId);
      });
    });
  }

  /**
   * Reserves an agent for a new session; false when it is already in a live one. The summary and the
   * release are written after a commit is published, so a technician told `session.ended` may ask again
   * before they land: whether the current session still holds the desktop is read from its journal,
   * which has the commit before anyone hears of it.
   */
  async claimAgent(agentId: string, sessionId: string): Promise<boolean> {
    const key = agentKey(agentId);
    // Marked before it is visible: a rival claimer never mistakes this reservation for an abandoned one.
    await this.store.kv.set(pendingKey(sessionId), '1', PENDING_TTL_MS);
    for (let attempt = 0; attempt < 3; attempt++) {
      if (await this.store.kv.setIfAbsent(key, sessionId)) return true;
      const current = await this.store.kv.get(key);
      if (current === null) continue;
      if (current === sessionId) return true;
      if (!(await this.isStale(current))) break;
      // Only the stale reservation read above is replaced: a rival who replaced it first wins.
      if (await this.store.kv.replaceIf(key, current, sessionId)) return true;
    }
    await this.store.kv.delete(pendingKey(sessionId));
    return false;
  }

  /**
   * A reservation whose session never started (the request failed or its node died before the first
   * commit), has ended or no longer holds the desktop (REM-10). One still being opened is not stale.
   */
  private async isStale(sessionId: string): Promise<boolean> {
    const summary = await this.summary(sessionId);
    if (summary?.status === 'ended') return true;
    const { state, version } = await this.actors.readStored(SESSION, sessionId);
    if (version > 0) return !holdsDesktop(state);
    return !summary && (await this.store.kv.get(pendingKey(sessionId))) === null;
  }

  async releaseAgent(agentId: string, sessionId: string): Promise<void> {
    await this.store.kv.delete(pendingKey(sessionId));
    await this.store.kv.replaceIf(agentKey(agentId), sessionId, null);
  }

  async sessionOfAgent(agentId: string): Promise<string | null> {
    return this.store.kv.get(agentKey(agentId));
  }

  async summary(sessionId: string): Promise<SessionSummary | null> {
    const raw = await this.store.kv.get(summaryKey(sessionId));
    return raw ? (JSON.parse(raw) as SessionSummary) : null;
  }

  async live(): Promise<SessionSummary[]> {
    const ids = await this.store.kv.setMembers(LIVE);
    const all = await Promise.all(ids.map((id) => this.summary(id)));
    return all.filter((s): s is SessionSummary => s !== null && s.status !== 'ended').sort((a, b) => a.since - b.since || a.sessionId.localeCompare(b.sessionId));
  }

  /** Resolves when every index write queued so far is done (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.all([...this.chains.values()]);
  }

  private async write(state: SessionState, events: SessionEvent[]): Promise<void> {
    const id = state.sessionId;
    // Most commits (chat, files, requests) change nothing a summary holds: skip the store round-trips.
    const members = Object.keys(state.members).length;
    const held = holdsDesktop(state);
    const shape = JSON.stringify([state.status, state.agentId, state.queue, state.teams, state.ownerId, state.customer?.name ?? null, state.mode, members, held]);
    const queueMoved = events.some((e) => QUEUE_EVENTS.has(e.type));
    // A changed summary (mode, owner, members) is published too: supervisors' lists show it (sessions.changed).
    const changed = this.written.get(id) !== shape;
    if (!changed && !queueMoved) return;
    const previous = await this.summary(id);
    const last = events[events.length - 1]!;
    const summary: SessionSummary = {
      sessionId: id, status: state.status, agentId: state.agentId, queue: state.queue, teams: state.teams, ownerId: state.ownerId,
      customer: state.customer?.name ?? null, mode: state.mode, members, since: previous?.since ?? events[0]!.at, updatedAt: last.at,
    };
    if (state.status === 'ended') this.written.delete(id);
    else this.written.set(id, shape);
    if (state.status === 'ended') {
      await this.store.kv.setRemove(LIVE, id);
      await this.store.kv.set(summaryKey(id), JSON.stringify(summary), 24 * 3600 * 1000);
    } else {
      await this.store.kv.set(summaryKey(id), JSON.stringify(summary));
      await this.store.kv.setAdd(LIVE, id);
    }
    // Ended, or the customer disconnected (REM-10): the desktop (and a click-to-chat customer) is free again.
    if (!held) {
      if (state.agentId) await this.releaseAgent(state.agentId, id);
      if (state.customer?.id && state.customer.id !== state.agentId) await this.releaseAgent(state.customer.id, id);
    }
    await this.store.bus.publish(QUEUES_CHANNEL, JSON.stringify({ sessionId: id }));
  }
}
