import type { Connection } from './connection';
import type { ActorRef, SessionEvent, SessionState } from './protocol';

/** What the page knows of one session: the server's latest snapshot and the gapless event stream. */
export class SessionModel {
  state: SessionState | null = null;
  readonly events: SessionEvent[] = [];
  lastSeq = 0;
  resumeToken: string | null = null;
  ended: { reason: string; lockDesktop: boolean } | null = null;
  /** Set when this viewer was taken out (removed, left, refused resume) while the session goes on. */
  out: string | null = null;
  /** With history: whether the events before this page joined were asked for (once), and if that is done. */
  history: 'none' | 'asked' | 'done' = 'none';
  /** Names of everyone the stream mentioned, for events that carry only an id. */
  readonly names = new Map<string, string>();

  constructor(readonly sessionId: string) {}

  nameOf(id: string | null | undefined): string {
    if (!id) return 'someone';
    return this.names.get(id) ?? this.state?.members.find((m) => m.id === id)?.name ?? id;
  }

  learn(ref: ActorRef | undefined): void {
    if (ref?.id && ref.name) this.names.set(ref.id, ref.name);
  }
}

type ChangeListener = (model: SessionModel, cause: 'event' | 'state' | 'ended' | 'out' | 'new') => void;

/**
 * Keeps every session this page takes part in from `session.event`, `session.state`, `session.resumable`
 * and `session.ended`. Events are applied once, in seq order: a repeat is dropped, a gap asks the server
 * to resume from the last seq seen. After a reconnect every live session is resumed with its token.
 */
export class SessionStore {
  readonly sessions = new Map<string, SessionModel>();
  private readonly listeners: ChangeListener[] = [];

  /**
   * With `history`, a session this page joins midway (taken from a queue, after a transfer, watched) is read
   * from its first event (`session.resume` from seq 0, which any member may do): the technician who takes a
   * waiting chat reads what the customer wrote while waiting. Without it the page starts where it joined.
   */
  constructor(private readonly conn: Connection, private readonly myId: () => string | null, private readonly history = false) {
    conn.on('session.event', (e: SessionEvent) => this.onEvent(e));
    conn.on('session.state', (s: SessionState) => this.onState(s));
    conn.on('session.resumable', (d: { sessionId: string; resumeToken: string }) => {
      this.model(d.sessionId).resumeToken = d.resumeToken;
    });
    conn.on('session.ended', (d: { sessionId: string; reason: string; lockDesktop: boolean }) => {
      const m = this.model(d.sessionId);
      if (!m.ended) {
        m.ended = { reason: d.reason, lockDesktop: d.lockDesktop };
        this.emit(m, 'ended');
      }
    });
    conn.onOpen((isReconnect) => {
      if (isReconnect) for (const m of this.sessions.values()) void this.resume(m);
    });
  }

  onChange(l: ChangeListener): void {
    this.listeners.push(l);
  }

  get(sessionId: string): SessionModel | undefined {
    return this.sessions.get(sessionId);
  }

  forget(sessionId: string): void {
    this.sessions.delete(sessionId);
  }

  /** Follows a session this tab has not seen yet with a resume token another tab of the same user handed over (a monitor opened in its own window). */
  async follow(sessionId: string, resumeToken: string): Promise<void> {
    const m = this.model(sessionId);
    m.resumeToken = resumeToken;
    await this.resume(m);
  }

  /** Asks for the events after the last one seen; the server sends them, then the state, then live ones. */
  async resume(m: SessionModel): Promise<void> {
    if (m.ended || m.out || !m.resumeToken) return;
    try {
      const ack = await this.conn.ask<{ removed?: boolean }>('session.resume', { token: m.resumeToken, lastSeq: m.lastSeq });
      if (ack.removed) this.markOut(m, 'You were taken out of this session while disconnected.');
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'NOT_MEMBER' || code === 'RESUME_INVALID' || code === 'UNKNOWN_SESSION') this.markOut(m, 'You are no longer in this session.');
      else if (code === 'SESSION_ENDED') this.markOut(m, 'The session ended while you were disconnected.');
    }
  }

  private model(sessionId: string): SessionModel {
    let m = this.sessions.get(sessionId);
    if (!m) {
      m = new SessionModel(sessionId);
      this.sessions.set(sessionId, m);
      this.emit(m, 'new');
    }
    return m;
  }

  private onEvent(e: SessionEvent): void {
    const m = this.model(e.sessionId);
    if (this.history && m.events.length === 0 && e.seq > 1 && m.history !== 'done') {
      // Joined midway: the resume sends everything from seq 1, this event included; until it is done, drop what would repeat.
      if (m.history === 'none' && m.resumeToken) {
        m.history = 'asked';
        void this.resume(m).finally(() => { m.history = 'done'; });
      }
      if (m.history === 'asked') return;
    }
    if (m.events.length > 0 && e.seq <= m.lastSeq) return;
    if (m.events.length > 0 && e.seq > m.lastSeq + 1) {
      void this.resume(m);
      return;
    }
    m.events.push(e);
    m.lastSeq = e.seq;
    m.learn(e.actor);
    for (const k of ['owner', 'member', 'by'] as const) m.learn(e[k] as ActorRef | undefined);
    if (e.customer && typeof e.customer === 'object') m.learn(e.customer as ActorRef);
    const me = this.myId();
    if ((e.type === 'MemberRemoved' || e.type === 'MemberLeft') && me && e.memberId === me) {
      this.emit(m, 'event');
      this.markOut(m, e.type === 'MemberRemoved' ? `${e.actor.name} removed you from this session.` : 'You left this session.');
      return;
    }
    if (e.type === 'CustomerDisconnected' && me && e.customerId === me) {
      this.emit(m, 'event');
      this.markOut(m, `${e.actor.name} disconnected you from this session.`);
      return;
    }
    if (e.type === 'SessionEnded' && !m.ended) m.ended = { reason: e.reason as string, lockDesktop: Boolean(e.lockDesktop) };
    this.emit(m, 'event');
  }

  private onState(s: SessionState): void {
    const m = this.model(s.sessionId);
    if (m.state && s.seq < m.state.seq) return;
    m.state = s;
    for (const mem of s.members) m.names.set(mem.id, mem.name);
    if (s.customer?.id) m.names.set(s.customer.id, s.customer.name);
    if (s.ended && !m.ended) m.ended = s.ended;
    this.emit(m, 'state');
  }

  private markOut(m: SessionModel, why: string): void {
    if (m.out) return;
    m.out = why;
    this.emit(m, 'out');
  }

  private emit(m: SessionModel, cause: Parameters<ChangeListener>[1]): void {
    for (const l of this.listeners) l(m, cause);
  }
}
