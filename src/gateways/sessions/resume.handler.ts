import { Injectable, type OnModuleInit } from '@nestjs/common';
import { SESSION } from '../../actors/aggregates/session.aggregate';
import type { SessionState } from '../../domain';
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
  ) {}

  onModuleInit(): void {
    this.handlers.on('session.resume', (conn, d: ResumeDto) => this.resume(conn, d));
  }

  private async resume(conn: Connection, d: ResumeDto): Promise<object> {
    const claims = this.tokens.verify(d.token);
    if (!claims || claims.holder !== `${conn.identity.kind}:${conn.identity.id}`) throw new ProtocolError('RESUME_INVALID', 'the resume token is invalid, expired or not yours');
    // The stream opens (held) before the state is read, so every commit from now on is either in what
    // the journal read returns or in the stream's queue; the cursor drops what would repeat. This works
    // the same whichever node holds the session.
    const stream = this.fanout.openStream(conn, claims.sessionId, d.lastSeq);
    let state: SessionState;
    try {
      state = await this.router.query(SESSION, claims.sessionId, (s) => s);
      if (d.lastSeq > state.seq) throw new ProtocolError('RESUME_INVALID', `lastSeq ${d.lastSeq} is past the session's seq ${state.seq}`);
      const id = conn.identity.id;
      const takesPart = state.members[id] !== undefined || state.customer?.id === id || state.agentId === id;
      if (!takesPart) throw new ProtocolError('NOT_MEMBER', 'you are no longer in this session');
    } catch (err) {
      this.fanout.closeStream(conn, claims.sessionId);
      throw err;
    }
    await stream.catchUp(state);
    return { sessionId: claims.sessionId, seq: state.seq };
  }
}
