import { Logger } from '@nestjs/common';
import type { Journal } from '../../cluster/ports';
import { eventFor, type SessionEvent, type SessionState, viewFor } from '../../domain';
import type { Connection } from '../connection';
import { viewerOf } from './viewer';

const logger = new Logger('stream');

/**
 * One connection's view of one session's event stream. `cursor` is the last seq this connection was
 * sent; delivery is gapless and never repeats: a batch that starts past cursor + 1 (a lost bus
 * message, a resume) is filled from the journal first, while newer live batches wait in order.
 */
export class SessionStream {
  private cursor: number;
  private catchingUp: Promise<void> | null = null;
  private readonly waiting: Array<{ events: SessionEvent[]; state: SessionState }> = [];
  private closed = false;

  constructor(readonly conn: Connection, readonly sessionId: string, afterSeq: number, private readonly journal: Journal) {
    this.cursor = afterSeq;
  }

  get lastSeq(): number {
    return this.cursor;
  }

  /** Delivers a committed batch (or queues it behind a catch-up). */
  push(events: SessionEvent[], state: SessionState): void {
    if (this.closed) return;
    if (this.catchingUp) {
      this.waiting.push({ events, state });
      return;
    }
    const first = events[0]?.seq ?? state.seq + 1;
    if (events.length > 0 && first > this.cursor + 1) {
      this.waiting.push({ events, state });
      this.catchingUp = this.fill(state.seq);
      return;
    }
    this.send(events, state);
  }

  /** Sends everything after the cursor up to `state` from the journal, then whatever arrived meanwhile. */
  catchUp(state: SessionState): Promise<void> {
    if (this.catchingUp) return this.catchingUp;
    this.waiting.push({ events: [], state });
    this.catchingUp = this.fill(state.seq);
    return this.catchingUp;
  }

  close(): void {
    this.closed = true;
    this.waiting.length = 0;
  }

  private async fill(upTo: number): Promise<void> {
    try {
      const entries = await this.journal.read(`session:${this.sessionId}`, this.cursor, Math.max(0, upTo - this.cursor));
      const batch = this.waiting.shift() ?? null;
      const missed = entries.map((e) => e.event as SessionEvent);
      if (batch) this.send([...missed, ...batch.events], batch.state);
    } catch (err) {
      logger.error({ err }, `catch-up failed [session:${this.sessionId}, after:${this.cursor}] ${this.conn.describe()}`);
    } finally {
      this.catchingUp = null;
    }
    // Batches that arrived during the read, in order; each may itself need a (shorter) fill.
    const pending = this.waiting.splice(0);
    for (const b of pending) this.push(b.events, b.state);
  }

  private send(events: SessionEvent[], state: SessionState): void {
    const viewer = viewerOf(this.conn);
    let sent = 0;
    for (const event of events) {
      if (event.seq <= this.cursor) continue;
      this.conn.send('session.event', eventFor(state, event, viewer));
      this.cursor = event.seq;
      sent++;
    }
    if (sent > 0 || events.length === 0) this.conn.send('session.state', viewFor(state, viewer));
  }
}
