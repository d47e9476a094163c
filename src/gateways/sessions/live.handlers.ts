import { Injectable, type OnModuleInit } from '@nestjs/common';
import { SESSION } from '../../actors/aggregates/session.aggregate';
import { authorizeAnnotation, authorizeInput, authorizePointer, type Authorization, type SessionState } from '../../domain';
import type { AnnotationDto, InputDto, PointerDto } from '../../protocol/messages/console.dto';
import type { Connection } from '../connection';
import { ConnectionRegistry } from '../connection-registry';
import { HandlerRegistry } from '../handler-registry';
import { ProtocolError } from '../protocol-error';
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
  ) {}

  onModuleInit(): void {
    this.handlers.on('input', async (conn, d: InputDto) => {
      const state = await this.allowed(conn, d.sessionId, authorizeInput);
      const { sessionId: _s, ...input } = d;
      for (const agent of this.connections.ofIdentity('agent', state.agentId ?? '')) agent.send('input', { sessionId: d.sessionId, ...input });
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
    const [state, verdict] = await this.router.query(SESSION, sessionId, (s) => [s, rule(s, actor.id)] as const);
    if ('rejection' in verdict) throw new ProtocolError(verdict.rejection.code, verdict.rejection.message);
    return state;
  }

  /** The agent and every other member connection of the session on this node. */
  private toOthers(from: Connection, state: SessionState, event: string, data: object): void {
    const targets = new Set<Connection>(this.connections.ofIdentity('agent', state.agentId ?? ''));
    for (const id of Object.keys(state.members)) for (const c of this.connections.ofIdentity('person', id)) targets.add(c);
    targets.delete(from);
    for (const c of targets) c.send(event, data);
  }
}
