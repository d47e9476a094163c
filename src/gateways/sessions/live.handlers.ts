import { Injectable, type OnModuleInit } from '@nestjs/common';
import { SESSION } from '../../actors/aggregates/session.aggregate';
import { authorizeAnnotation, authorizeInput, authorizePointer, type Authorization, type SessionState } from '../../domain';
import type { AnnotationDto, InputDto, PointerDto } from '../../protocol/messages/console.dto';
import type { Connection } from '../connection';
import { ConnectionRegistry } from '../connection-registry';
import { HandlerRegistry } from '../handler-registry';
import { ProtocolError } from '../protocol-error';
import { Messenger, type Recipient } from './messenger';
import { SessionFanout } from './session-fanout';
import { SessionHandlers } from './session.handlers';
import { SessionRouter } from './session-router';

/**
 * What is not journaled but still ruled by the session: remote input, shown pointers and annotations.
 * Each is checked by the domain against the session's state inside its mailbox (so it is ordered with
 * mode changes and removals) and forwarded only when allowed.
 */
@Injectable()
export class LiveHandlers implements OnModuleInit {
  constructor(
    private readonly handlers: HandlerRegistry,
    private readonly router: SessionRouter,
    private readonly sessions: SessionHandlers,
    private readonly connections: ConnectionRegistry,
    private readonly fanout: SessionFanout,
    private readonly messenger: Messenger,
  ) {}

  onModuleInit(): void {
    this.handlers.on('input', async (conn, d: InputDto) => {
      const state = await this.allowed(conn, d.sessionId, authorizeInput);
      const { sessionId: _s, ...input } = d;
      if (state.agentId) this.messenger.send([{ kind: 'agent', id: state.agentId }], 'input', { sessionId: d.sessionId, ...input });
      return {};
    });
    this.handlers.on('pointer', async (conn, d: PointerDto) => {
      const state = await this.allowed(conn, d.sessionId, authorizePointer);
      this.toOthers(conn, state, 'pointer.remote', { sessionId: d.sessionId, memberId: conn.identity.id, name: conn.identity.name, monitor: d.monitor, x: d.x, y: d.y, visible: d.visible ?? true });
      return {};
    });
    this.handlers.on('annotation', async (conn, d: AnnotationDto) => {
      const state = await this.allowed(conn, d.sessionId, authorizeAnnotation);
      this.toOthers(conn, state, 'annotation.remote', { sessionId: d.sessionId, memberId: conn.identity.id, name: conn.identity.name, kind: d.kind, monitor: d.monitor, points: d.points });
      return {};
    });
  }

  private async allowed(conn: Connection, sessionId: string, rule: (s: SessionState, actorId: string) => Authorization): Promise<SessionState> {
    const actor = this.sessions.actorOf(conn);
    // On the owning node the check runs in the session's mailbox; elsewhere on the newest state the bus
    // brought (commits arrive in order, so a hold or removal is seen before any later input).
    const cached = this.router.actors.isLocal('session', sessionId) ? undefined : this.fanout.latest(sessionId);
    const [state, verdict] = cached ? [cached, rule(cached, actor.id)] as const : await this.router.query(SESSION, sessionId, (s) => [s, rule(s, actor.id)] as const);
    if ('rejection' in verdict) throw new ProtocolError(verdict.rejection.code, verdict.rejection.message);
    return state;
  }

  /** The agent and every other member of the session, on every node. */
  private toOthers(from: Connection, state: SessionState, event: string, data: object): void {
    const to: Recipient[] = Object.keys(state.members).map((id) => ({ kind: 'person' as const, id }));
    if (state.agentId) to.push({ kind: 'agent', id: state.agentId }, { kind: 'customer', id: state.agentId });
    this.messenger.send(to, event, data, from.id);
  }
}
