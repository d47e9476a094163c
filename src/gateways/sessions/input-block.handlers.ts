import { Injectable, type OnModuleInit } from '@nestjs/common';
import { SESSION } from '../../actors/aggregates/session.aggregate';
import type { RequestAnswerDto } from '../../protocol/messages/agent.dto';
import type { SessionRef } from '../../protocol/messages/common';
import { HandlerRegistry } from '../handler-registry';
import type { InputBlockReleaseDto } from './input-block.dto';
import { newId, SessionHandlers } from './session.handlers';
import { SessionRouter } from './session-router';

/**
 * Blocking the customer's physical input (BLOCK-*): the technician holding control asks, the customer
 * answers like any request, and either of them releases. The domain decides every step, releases as
 * part of any decision that ends the block by rule, and the agent holds or lets go of the devices as
 * the session state it receives says.
 */
@Injectable()
export class InputBlockHandlers implements OnModuleInit {
  constructor(
    private readonly handlers: HandlerRegistry,
    private readonly router: SessionRouter,
    private readonly sessions: SessionHandlers,
  ) {}

  onModuleInit(): void {
    this.handlers.on('input-block.request', async (conn, d: SessionRef) => {
      const requestId = newId('rq');
      const commit = await this.router.ask(SESSION, d.sessionId, { type: 'RequestInputBlock', requestId }, this.sessions.actorOf(conn));
      return { sessionId: d.sessionId, seq: commit.version, requestId };
    });
    this.handlers.on('input-block.respond', async (conn, d: RequestAnswerDto) => {
      const commit = await this.router.ask(SESSION, d.sessionId, { type: 'RespondInputBlock', requestId: d.requestId, allow: d.allow }, this.sessions.actorOf(conn));
      return { sessionId: d.sessionId, seq: commit.version, blocked: commit.state.inputBlock !== null };
    });
    this.handlers.on('input-block.release', async (conn, d: InputBlockReleaseDto) => {
      const commit = await this.router.ask(SESSION, d.sessionId, { type: 'ReleaseInputBlock', ...(d.reason ? { reason: d.reason } : {}) }, this.sessions.actorOf(conn));
      return { sessionId: d.sessionId, seq: commit.version, blocked: commit.state.inputBlock !== null };
    });
  }
}
