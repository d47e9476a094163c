import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Forwarder } from '../../actors/forwarder';
import { SESSION } from '../../actors/aggregates/session.aggregate';
import { authorizeAnnotation, authorizeInput, authorizePointer, type Authorization, type SessionState } from '../../domain';
import type { AnnotationDto, InputDto, PointerDto } from '../../protocol/messages/console.dto';
import type { Connection } from '../connection';
import { HandlerRegistry } from '../handler-registry';
import { ProtocolError } from '../protocol-error';
import { Messenger, type Recipient } from './messenger';
import { SessionHandlers } from './session.handlers';
import { SessionRouter } from './session-router';

type Rule = 'input' | 'pointer' | 'annotation';
const RULES: Record<Rule, (s: SessionState, actorId: string) => Authorization> = { input: authorizeInput, pointer: authorizePointer, annotation: authorizeAnnotation };

/** What the owning node is asked to check and send. */
interface LivePayload { rule: Rule; actorId: string; fromConn: string; event: string; data: Record<string, unknown> }
type Verdict = { ok: true } | { ok: false; code: string; message: string };

/**
 * What is not journaled but still ruled by the session: remote input, shown pointers and annotations.
 * Each is checked by the domain and sent on inside the session's mailbox on the node that owns it, so
 * it is ordered with every commit there: nothing sent after a hold, a removal or the end can get out,
 * on any node (the owner's bus messages arrive in order everywhere).
 */
@Injectable()
export class LiveHandlers implements OnModuleInit {
  constructor(
    private readonly handlers: HandlerRegistry,
    private readonly router: SessionRouter,
    private readonly sessions: SessionHandlers,
    private readonly messenger: Messenger,
    private readonly forwarder: Forwarder,
  ) {}

  onModuleInit(): void {
    this.forwarder.procedure('live', (state, payload) => this.checkAndSend(state as SessionState, payload as LivePayload));
    this.handlers.on('input', async (conn, d: InputDto) => {
      const { sessionId, ...input } = d;
      return this.live(conn, sessionId, 'input', 'input', { sessionId, ...input });
    });
    this.handlers.on('pointer', (conn, d: PointerDto) => this.live(conn, d.sessionId, 'pointer', 'pointer.remote', {
      sessionId: d.sessionId, memberId: conn.identity.id, name: conn.identity.name, monitor: d.monitor, x: d.x, y: d.y, visible: d.visible ?? true,
    }));
    this.handlers.on('annotation', (conn, d: AnnotationDto) => this.live(conn, d.sessionId, 'annotation', 'annotation.remote', {
      sessionId: d.sessionId, memberId: conn.identity.id, name: conn.identity.name, kind: d.kind, monitor: d.monitor, points: d.points,
    }));
  }

  private async live(conn: Connection, sessionId: string, rule: Rule, event: string, data: Record<string, unknown>): Promise<object> {
    const payload: LivePayload = { rule, actorId: this.sessions.actorOf(conn).id, fromConn: conn.id, event, data };
    const verdict = await this.router.run<Verdict>(SESSION, sessionId, 'live', payload);
    if (!verdict.ok) throw new ProtocolError(verdict.code, verdict.message);
    return {};
  }

  /** Runs in the owner's mailbox: the domain decides, then input goes to the agent, pointers to everyone else. */
  private checkAndSend(state: SessionState, p: LivePayload): Verdict {
    const verdict = RULES[p.rule](state, p.actorId);
    if ('rejection' in verdict) return { ok: false, code: verdict.rejection.code, message: verdict.rejection.message };
    if (p.rule === 'input') {
      if (state.agentId) this.messenger.send([{ kind: 'agent', id: state.agentId }], p.event, p.data);
      return { ok: true };
    }
    const to: Recipient[] = Object.keys(state.members).map((id) => ({ kind: 'person' as const, id }));
    if (state.agentId) to.push({ kind: 'agent', id: state.agentId }, { kind: 'customer', id: state.agentId });
    this.messenger.send(to, p.event, p.data, p.fromConn);
    return { ok: true };
  }
}
