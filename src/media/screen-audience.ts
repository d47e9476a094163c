import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { SESSION } from '../actors/aggregates/session.aggregate';
import { screenRecipients, type SessionState } from '../domain';
import { ProtocolError } from '../gateways/protocol-error';
import { SessionFanout } from '../gateways/sessions/session-fanout';
import { SessionRouter } from '../gateways/sessions/session-router';

/** Who may see a session's screen changed: `removed` lost it (cut now), `added` gained it (refresh). */
export interface AudienceChange {
  sessionId: string;
  state: SessionState;
  removed: readonly string[];
  added: readonly string[];
}

/** An ended session's state is kept this long, so late frames are dropped without asking the store. */
const ENDED_KEEP_MS = 60_000;
/** A session the store does not know is not asked about again for this long. */
const UNKNOWN_KEEP_MS = 5_000;

const NOBODY: ReadonlySet<string> = new Set();

/**
 * The relay's view of who may see each session's screen, from the domain's `screenRecipients`.
 * It is updated synchronously by every commit the fan-out hears (local and from other nodes), so a
 * hold, a removal or the end applies to the very next frame; a session it has not heard of yet is
 * read once from its actor (or journal).
 */
@Injectable()
export class ScreenAudience implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('media');
  private readonly states = new Map<string, SessionState>();
  private readonly audiences = new Map<string, ReadonlySet<string>>();
  /** Per session, the seq of the state at which its audience last changed (see audienceSeq). */
  private readonly changedAt = new Map<string, number>();
  private readonly loading = new Map<string, Promise<SessionState | null>>();
  private readonly unknownUntil = new Map<string, number>();
  private readonly forget = new Map<string, NodeJS.Timeout>();
  private readonly listeners: ((change: AudienceChange) => void)[] = [];

  constructor(private readonly fanout: SessionFanout, private readonly router: SessionRouter) {}

  onModuleInit(): void {
    this.fanout.on('session', (msg) => this.update(msg.state as SessionState));
  }

  onApplicationShutdown(): void {
    for (const t of this.forget.values()) clearTimeout(t);
    this.forget.clear();
  }

  /** Called (synchronously, inside the commit's dispatch) whenever a session's audience changes. */
  onChange(listener: (change: AudienceChange) => void): void {
    this.listeners.push(listener);
  }

  /** The latest state heard of; undefined when never heard of (call `load`), null when the store does not know it. */
  /** The state of a session `memberId` is a member of, for a viewer's request; refused UNKNOWN_SESSION, SESSION_ENDED or NOT_MEMBER. */
  async memberState(sessionId: string, memberId: string): Promise<SessionState> {
    const state = this.cached(sessionId) ?? (await this.load(sessionId));
    if (!state) throw new ProtocolError('UNKNOWN_SESSION', 'no such session');
    if (state.status === 'ended') throw new ProtocolError('SESSION_ENDED', 'the session has ended');
    if (state.members[memberId] === undefined) throw new ProtocolError('NOT_MEMBER', 'you are not a member of this session');
    return state;
  }

  cached(sessionId: string): SessionState | null | undefined {
    const state = this.states.get(sessionId);
    if (state) return state;
    const until = this.unknownUntil.get(sessionId);
    if (until !== undefined) {
      if (Date.now() < until) return null;
      this.unknownUntil.delete(sessionId);
    }
    const heard = this.fanout.latest(sessionId);
    if (heard) {
      this.update(heard);
      return heard;
    }
    return undefined;
  }

  /** Reads a session once (concurrent callers share the read); null when it does not exist. */
  load(sessionId: string): Promise<SessionState | null> {
    const inFlight = this.loading.get(sessionId);
    if (inFlight) return inFlight;
    const read = this.router.query(SESSION, sessionId, (s) => s)
      .then((state) => {
        this.update(state);
        return this.states.get(sessionId) ?? state;
      })
      .catch((err: unknown) => {
        const code = (err as { code?: unknown }).code;
        if (code !== 'UNKNOWN_SESSION') this.logger.warn({ err }, `media: reading the session failed [session:${sessionId}]`);
        this.unknownUntil.set(sessionId, Date.now() + UNKNOWN_KEEP_MS);
        return null;
      })
      .finally(() => this.loading.delete(sessionId));
    this.loading.set(sessionId, read);
    return read;
  }

  /** The member ids that may receive the session's frames now (empty in hold, pending, ended). */
  audienceOf(sessionId: string): ReadonlySet<string> {
    return this.audiences.get(sessionId) ?? NOBODY;
  }

  /**
   * The seq of the state at which this node saw the session's audience last change (0: never heard
   * of). Frames forwarded to other nodes carry it: a node whose own state of the session is older
   * has not applied that change yet and must not deliver them (docs/media.md, "Across nodes").
   */
  audienceSeq(sessionId: string): number {
    return this.changedAt.get(sessionId) ?? 0;
  }

  /** The seq of the newest state heard of (0: never heard of). */
  seqOf(sessionId: string): number {
    return this.states.get(sessionId)?.seq ?? 0;
  }

  /** Every session whose screen someone may see now, with who. */
  visible(): IterableIterator<[string, ReadonlySet<string>]> {
    return this.audiences.entries();
  }

  private update(state: SessionState): void {
    const id = state.sessionId;
    const known = this.states.get(id);
    if (known && known.seq >= state.seq) return;
    this.states.set(id, state);
    this.unknownUntil.delete(id);
    const before = this.audiences.get(id) ?? NOBODY;
    const after = new Set(screenRecipients(state));
    if (after.size > 0) this.audiences.set(id, after);
    else this.audiences.delete(id);
    if (state.status === 'ended' && !this.forget.has(id)) {
      const timer = setTimeout(() => {
        this.forget.delete(id);
        this.states.delete(id);
        this.changedAt.delete(id);
      }, ENDED_KEEP_MS);
      timer.unref();
      this.forget.set(id, timer);
    }
    const removed = [...before].filter((m) => !after.has(m));
    const added = [...after].filter((m) => !before.has(m));
    if (removed.length === 0 && added.length === 0) return;
    this.changedAt.set(id, state.seq);
    const change: AudienceChange = { sessionId: id, state, removed, added };
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (err) {
        this.logger.error({ err }, `media: audience listener failed [session:${id}, seq:${state.seq}]`);
      }
    }
  }
}
