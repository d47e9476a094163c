import { Logger } from '@nestjs/common';
import type { Journal } from '../../cluster/ports';
import { eventFor, type SessionEvent, type SessionState, viewFor } from '../../domain';
import type { Connection } from '../connection';
import { viewerOf } from './viewer';

const logger = new Logger('stream');

interface Batch { events: SessionEvent[]; state: SessionState }

/**
 * One connection's view of one session's event stream. `cursor` is the last seq this connection was
 * sent; delivery is gapless and never repeats: a batch that starts past cursor + 1 (a lost bus
 * message, a resume) is filled from the journal first, while newer batches wait in order. A held
 * stream (a resume being prepared) only collects batches until `catchUp`.
 */
export class SessionStream {
  private cursor: number;
  private lastStateSeq = -1;
  private catchingUp: Promise<void> | null = null;
  private held: boolean;
  private readonly waiting: Batch[] = [];
  private closed = false;
  /** For someone no longer in the session: nothing past the event that took them out, and no state. */
  private untilSeq = Infinity;

  constructor(readonly conn: Connection, readonly sessionId: string, afterSeq: number, private readonly journal: Journal, held = false) {
    this.cursor = afterSeq;
    this.held = held;
  }

  get lastSeq(): number {
    return this.cursor;
  }

  /** Delivers a committed batch (or queues it behind a catch-up). */
  push(events: SessionEvent[], state: SessionState): void {
    if (this.closed) return;
    if (this.held || this.catchingUp) {
      this.waiting.push({ events, state });
      return;
    }
    const first = events[0]?.seq;
    if (first !== undefined && first > this.cursor + 1) {
      this.waiting.push({ events, state });
      this.catchingUp = this.fill();
      return;
    }
    this.send(events, state);
  }

  /** Sends everything after the cursor from the journal, then `state`, then what arrived meanwhile. */
  catchUp(state: SessionState): Promise<void> {
    this.held = false;
    this.waiting.unshift({ events: [], state });
    this.catchingUp ??= this.fill();
    return this.catchingUp;
  }

  /** Limits the stream to events up to `seq` (a resume by a member who was removed or left meanwhile). */
  limitTo(seq: number): void {
    this.untilSeq = seq;
  }

  close(): void {
    this.closed = true;
    this.waiting.length = 0;
  }

  private async fill(): Promise<void> {
    try {
      const entries = await this.journal.read(`session:${this.sessionId}`, this.cursor);
      const first = this.waiting.shift();
      if (first && !this.closed) this.send([...entries.map((e) => e.event as SessionEvent), ...first.events], first.state);
    } catch (err) {
      logger.error({ err }, `catch-up failed [session:${this.sessionId}, after:${this.cursor}] ${this.conn.describe()}`);
    } finally {
      this.catchingUp = null;
    }
    // Batches that arrived during the read, in order; each may itself need a (shorter) fill.
    for (const b of this.waiting.splice(0)) this.push(b.events, b.state);
  }

  private send(events: SessionEvent[], state: SessionState): void {
    const viewer = viewerOf(this.conn);
    for (const event of events) {
      if (event.seq <= this.cursor || event.seq > this.untilSeq) continue;
      this.conn.send('session.event', eventFor(state, event, viewer));
      this.cursor = event.seq;
    }
    if (state.seq > this.lastStateSeq && this.untilSeq === Infinity) {
      this.conn.send('session.state', viewFor(state, viewer));
      this.lastStateSeq = state.seq;
    }
  }
}
