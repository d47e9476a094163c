import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Store } from '../../cluster/ports';
import { STORE } from './tokens';
import { SESSION } from '../../actors/aggregates/session.aggregate';
import { authorizeResume, isRejection, type SessionEvent, type SessionState } from '../../domain';
import type { ResumeDto } from '../../protocol/messages/console.dto';
import type { Connection } from '../connection';
import { HandlerRegistry } from '../handler-registry';
import { ProtocolError } from '../protocol-error';
import { ResumeTokens } from './resume-tokens';
import { SessionFanout } from './session-fanout';
import { SessionRouter } from './session-router';

/**
 * `session.resume {token, lastSeq}`: after a reconnect (to this node or any other), the events after
 * lastSeq in order, then the state, then live events; never a gap, never a repeat.
 */
@Injectable()
export class ResumeHandler implements OnModuleInit {
  constructor(
    private readonly handlers: HandlerRegistry,
    private readonly router: SessionRouter,
    private readonly tokens: ResumeTokens,
    private readonly fanout: SessionFanout,
    @Inject(STORE) private readonly store: Store,
  ) {}

  onModuleInit(): void {
    this.handlers.on('session.resume', (conn, d: ResumeDto) => this.resume(conn, d));
  }

  /** The seq of the first event after `afterSeq` that took this identity out of the session, if any. */
  private async takenOutAt(sessionId: string, id: string, afterSeq: number): Promise<number | null> {
    for (const entry of await this.store.journal.read(`session:${sessionId}`, afterSeq)) {
      const e = entry.event as SessionEvent;
      const out = ((e.type === 'MemberRemoved' || e.type === 'MemberLeft') && e.memberId === id) || (e.type === 'CustomerDisconnected' && e.customerId === id);
      if (out) return e.seq;
    }
    return null;
  }

  private async resume(conn: Connection, d: ResumeDto): Promise<object> {
    const claims = this.tokens.verify(d.token);
    if (!claims || claims.holder !== `${conn.identity.kind}:${conn.identity.id}`) throw new ProtocolError('RESUME_INVALID', 'the resume token is invalid, expired or not yours');
    // The stream opens (held) before the state is read, so every commit from now on is either in what
    // the journal read returns or in the stream's queue; the cursor drops what would repeat. This works
    // the same whichever node holds the session.
    const stream = this.fanout.openStream(conn, claims.sessionId, d.lastSeq);
    let state: SessionState;
    let outAt: number | null = null;
    try {
      state = await this.router.query(SESSION, claims.sessionId, (s) => s);
      if (d.lastSeq > state.seq) throw new ProtocolError('RESUME_INVALID', `lastSeq ${d.lastSeq} is past the session's seq ${state.seq}`);
      const id = conn.identity.id;
      const access = authorizeResume(state, id, conn.identity.kind === 'person' && conn.identity.role === 'external');
      if (isRejection(access)) throw new ProtocolError(access.rejection.code, access.rejection.message);
      if (!access.takesPart) {
        // Taken out while away: they still get every event up to the one that took them out.
        outAt = await this.takenOutAt(claims.sessionId, id, d.lastSeq);
        if (outAt === null) throw new ProtocolError('NOT_MEMBER', 'you are no longer in this session');
        stream.limitTo(outAt);
      }
    } catch (err) {
      this.fanout.closeStream(conn, claims.sessionId);
      throw err;
    }
    await stream.catchUp(state);
    if (outAt !== null) {
      this.fanout.closeStream(conn, claims.sessionId);
      return { sessionId: claims.sessionId, seq: outAt, removed: true };
    }
    conn.restrictedTo = null; // the resume token proved this is the connection's rightful successor
    return { sessionId: claims.sessionId, seq: state.seq };
  }
}
